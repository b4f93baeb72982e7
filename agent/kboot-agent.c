/*
 * kboot-agent: runs commands in a kboot guest for the host, over one virtio-serial port.
 *
 *   kboot-agent [PORT]
 *
 * PORT is the port's device (e.g. /dev/vport0p2 or /dev/virtio-ports/org.kboot.agent); without
 * it the agent finds the port named org.kboot.agent under /sys/class/virtio-ports.
 *
 * Why a small static C program and not a shell script: the protocol is binary-safe and
 * multiplexed on one port (stdout and stderr stay separate and byte-exact, with no base64), each
 * command runs in its own session so a timeout kills its whole process group, timeouts are
 * enforced in the guest with poll(2), several commands can run at once, and a round trip costs
 * one fork/exec of /bin/sh. It is statically linked, so it runs on any guest (busybox or NixOS)
 * with no compiler there. A simple command (words only, no shell syntax) is exec'd directly,
 * which is what the shell would do with it, minus the shell. See docs/architecture.md, "The
 * guest agent".
 *
 * Protocol (all integers big-endian). Every message is a frame:
 *   u8 type, u32 id, u32 length, then `length` bytes of payload (at most 1 MiB).
 * Host to guest:
 *   'E' exec     u32 timeout_ms (0: none), u8 flags (1: stdin is fed by 'I' frames, else
 *                /dev/null; 2: run on a pty, stdout and stderr merged), u16 rows, u16 cols,
 *                then the command for /bin/sh -c
 *   'I' stdin    bytes for the command's stdin; an empty payload closes it
 *   'K' kill     u32 signal, sent to the command's process group
 *   'W' winsize  u16 rows, u16 cols (pty commands)
 *   'P' ping     any payload, echoed back in a 'P' frame
 *   'Q' poweroff sync(2), then power the guest off (reboot(2) LINUX_REBOOT_CMD_POWER_OFF)
 * Guest to host:
 *   'H' hello    "kboot-agent <protocol version> <kernel release>", id 0, once at start
 *   '1' stdout   bytes, in order
 *   '2' stderr   bytes, in order
 *   'X' exit     u8 how (0 exited, 1 killed by a signal, 2 killed at its timeout, 3 could not
 *                start), i32 status or signal, u64 duration in microseconds; sent after the
 *                command's last output frame
 *   'P' pong     the ping's payload
 *   'L' log      a message from the agent itself (id of the command concerned, or 0)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PROTOCOL 1
#define MAX_FRAME (1u << 20)
#define MAX_CMDS 64
#define PIPE_SIZE (1 << 20)
#define DRAIN_GRACE_MS 100

struct cmd {
	int used;
	uint32_t id;
	pid_t pid;
	int out, err, in;        /* pipe ends held by the agent, -1 when closed */
	int exited, status;      /* waitpid result */
	int timed_out;
	int64_t start_us, deadline_us, exited_us;
};

static int port = -1;
static int sigfd = -1;
static sigset_t chld;
static struct cmd cmds[MAX_CMDS];
static unsigned char *rbuf;
static size_t rlen;

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void write_all(const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(port, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pf = { .fd = port, .events = POLLOUT };
				poll(&pf, 1, 100);
				continue;
			}
			return; /* host gone: nothing to tell it */
		}
		p += w;
		n -= (size_t)w;
	}
}

static void send_frame(char type, uint32_t id, const void *payload, uint32_t len)
{
	unsigned char h[9];
	h[0] = (unsigned char)type;
	put32(h + 1, id);
	put32(h + 5, len);
	write_all(h, sizeof h);
	if (len)
		write_all(payload, len);
}

static void logf_(uint32_t id, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	send_frame('L', id, msg, (uint32_t)(n < (int)sizeof msg ? n : (int)sizeof msg - 1));
}

static struct cmd *find_cmd(uint32_t id)
{
	for (int i = 0; i < MAX_CMDS; i++)
		if (cmds[i].used && cmds[i].id == id)
			return &cmds[i];
	return NULL;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static const char *shell(void)
{
	static const char *candidates[] = { "/bin/sh", "/run/current-system/sw/bin/sh", NULL };
	for (int i = 0; candidates[i]; i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return "/bin/sh";
}

/* A command that the shell would only split on spaces and run (no quoting, expansion,
 * redirection, globbing or control operators, and not a shell keyword or special builtin) is
 * run directly with execvp: the same result without the shell's own fork/exec, which under
 * emulation is most of a round trip. Returns a NULL-terminated argv, or NULL for the shell. */
static char **direct_argv(char *command)
{
	static const char *shell_words[] = { "!", "{", "}", "[[", ".", ":", "alias", "bg", "break", "builtin", "case", "cd",
		"command", "continue", "declare", "do", "done", "elif", "else", "esac", "eval", "exec", "exit", "export", "fc",
		"fg", "fi", "for", "function", "getopts", "hash", "if", "jobs", "let", "local", "read", "readonly", "return",
		"select", "set", "shift", "source", "then", "time", "times", "trap", "type", "typeset", "ulimit", "umask",
		"unalias", "unset", "until", "wait", "while", NULL };
	static char *argv[64];
	size_t n = strlen(command);
	if (n == 0 || command[0] == ' ' || command[n - 1] == ' ')
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char ch = command[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr(" _./=:,+@%-", ch)))
			return NULL;
		if (ch == ' ' && command[i + 1] == ' ')
			return NULL;
	}
	int argc = 0;
	for (char *w = strtok(command, " "); w; w = strtok(NULL, " ")) {
		if (argc == 63)
			return NULL;
		argv[argc++] = w;
	}
	argv[argc] = NULL;
	if (strchr(argv[0], '='))
		return NULL; /* an assignment */
	for (int i = 0; shell_words[i]; i++)
		if (strcmp(argv[0], shell_words[i]) == 0)
			return NULL;
	return argv;
}

static void start_cmd(uint32_t id, const unsigned char *p, uint32_t len)
{
	if (len < 9) {
		logf_(id, "exec frame too short (%u bytes)", len);
		return;
	}
	uint32_t timeout_ms = get32(p);
	unsigned flags = p[4];
	unsigned short rows = (unsigned short)(p[5] << 8 | p[6]), cols = (unsigned short)(p[7] << 8 | p[8]);
	char *command = strndup((const char *)p + 9, len - 9);
	struct cmd *c = NULL;
	for (int i = 0; i < MAX_CMDS; i++)
		if (!cmds[i].used) {
			c = &cmds[i];
			break;
		}
	unsigned char x[13] = { 3 };
	if (!c || !command || find_cmd(id)) {
		put32(x + 1, (uint32_t)(c ? EEXIST : EAGAIN));
		send_frame('X', id, x, sizeof x);
		logf_(id, c ? "duplicate command id %u" : "too many commands at once (%d)", c ? id : MAX_CMDS);
		free(command);
		return;
	}
	memset(c, 0, sizeof *c);
	c->in = c->out = c->err = -1;
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, in[2] = { -1, -1 }, master = -1;
	pid_t pid;
	if (flags & 2) {
		struct winsize ws = { .ws_row = rows ? rows : 24, .ws_col = cols ? cols : 80 };
		pid = forkpty(&master, NULL, NULL, &ws);
	} else {
		if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || ((flags & 1) && pipe2(in, O_CLOEXEC))) {
			put32(x + 1, (uint32_t)errno);
			send_frame('X', id, x, sizeof x);
			logf_(id, "pipe: %s", strerror(errno));
			free(command);
			return;
		}
		fcntl(out[0], F_SETPIPE_SZ, PIPE_SIZE);
		pid = fork();
	}
	if (pid == 0) {
		if (!(flags & 2)) {
			setsid();
			int nul = open("/dev/null", O_RDONLY);
			dup2((flags & 1) ? in[0] : nul, 0);
			dup2(out[1], 1);
			dup2(err[1], 2);
		}
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		char *copy = strdup(command);
		char **direct = copy ? direct_argv(copy) : NULL;
		if (direct) {
			execvp(direct[0], direct);
			if (errno == ENOENT) {
				dprintf(2, "sh: %s: not found\n", direct[0]);
				_exit(127);
			}
			if (errno == EACCES) {
				dprintf(2, "sh: %s: Permission denied\n", direct[0]);
				_exit(126);
			}
			/* anything else (ENOEXEC: a script without #!): let the shell decide */
		}
		execl(shell(), "sh", "-c", command, (char *)NULL);
		dprintf(2, "kboot-agent: cannot run %s: %s\n", shell(), strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		put32(x + 1, (uint32_t)errno);
		send_frame('X', id, x, sizeof x);
		logf_(id, "fork: %s", strerror(errno));
		close_fd(&out[0]); close_fd(&out[1]); close_fd(&err[0]); close_fd(&err[1]);
		close_fd(&in[0]); close_fd(&in[1]);
		free(command);
		return;
	}
	free(command);
	c->used = 1;
	c->id = id;
	c->pid = pid;
	c->start_us = now_us();
	c->deadline_us = timeout_ms ? c->start_us + (int64_t)timeout_ms * 1000 : 0;
	if (flags & 2) {
		c->out = master;
		c->in = dup(master);
		fcntl(c->in, F_SETFD, FD_CLOEXEC);
		fcntl(master, F_SETFD, FD_CLOEXEC);
	} else {
		close(out[1]);
		close(err[1]);
		c->out = out[0];
		c->err = err[0];
		if (flags & 1) {
			close(in[0]);
			c->in = in[1];
		}
	}
}

static void finish_if_done(struct cmd *c)
{
	if (!c->used || !c->exited)
		return;
	if (c->out >= 0 || c->err >= 0) {
		/* The command exited; its output is drained until EOF, but a process it left behind
		 * that holds the pipes open does not hold up the answer for long. */
		if (now_us() - c->exited_us < DRAIN_GRACE_MS * 1000)
			return;
		close_fd(&c->out);
		close_fd(&c->err);
	}
	close_fd(&c->in);
	unsigned char x[13];
	if (c->timed_out) {
		x[0] = 2;
		put32(x + 1, WIFSIGNALED(c->status) ? (uint32_t)WTERMSIG(c->status) : SIGKILL);
	} else if (WIFSIGNALED(c->status)) {
		x[0] = 1;
		put32(x + 1, (uint32_t)WTERMSIG(c->status));
	} else {
		x[0] = 0;
		put32(x + 1, (uint32_t)WEXITSTATUS(c->status));
	}
	uint64_t d = (uint64_t)(c->exited_us - c->start_us);
	put32(x + 5, (uint32_t)(d >> 32));
	put32(x + 9, (uint32_t)d);
	send_frame('X', c->id, x, sizeof x);
	c->used = 0;
}

static void reap(void)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < MAX_CMDS; i++)
			if (cmds[i].used && cmds[i].pid == pid && !cmds[i].exited) {
				cmds[i].exited = 1;
				cmds[i].status = status;
				cmds[i].exited_us = now_us();
			}
	}
}

static void handle(char type, uint32_t id, const unsigned char *p, uint32_t len)
{
	struct cmd *c;
	switch (type) {
	case 'E':
		start_cmd(id, p, len);
		break;
	case 'I':
		c = find_cmd(id);
		if (!c || c->in < 0)
			break;
		if (len == 0) {
			close_fd(&c->in); /* for a pty this is a dup of the master: the command keeps its tty */
			break;
		}
		for (uint32_t off = 0; off < len;) {
			ssize_t w = write(c->in, p + off, len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				close_fd(&c->in); /* the command stopped reading */
				break;
			}
			off += (uint32_t)w;
		}
		break;
	case 'K':
		c = find_cmd(id);
		if (c && !c->exited && len >= 4 && kill(-c->pid, (int)get32(p)) != 0)
			kill(c->pid, (int)get32(p));
		break;
	case 'W':
		c = find_cmd(id);
		if (c && len >= 4 && c->err < 0) {
			struct winsize ws = { .ws_row = (unsigned short)(p[0] << 8 | p[1]), .ws_col = (unsigned short)(p[2] << 8 | p[3]) };
			ioctl(c->out, TIOCSWINSZ, &ws);
		}
		break;
	case 'P':
		send_frame('P', id, p, len);
		break;
	case 'Q':
		sync();
		reboot(RB_POWER_OFF);
		logf_(id, "poweroff: %s", strerror(errno));
		break;
	default:
		logf_(id, "unknown frame type 0x%02x", (unsigned char)type);
	}
}

/* Reads what the port has; handles every complete frame. Returns 0 when the host hung up. */
static int read_port(void)
{
	ssize_t n = read(port, rbuf + rlen, MAX_FRAME + 9 - rlen);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return 0;
	rlen += (size_t)n;
	size_t off = 0;
	while (rlen - off >= 9) {
		uint32_t len = get32(rbuf + off + 5);
		if (len > MAX_FRAME) {
			logf_(0, "frame of %u bytes is over the limit; resynchronising", len);
			off = rlen;
			break;
		}
		if (rlen - off < 9 + len)
			break;
		handle((char)rbuf[off], get32(rbuf + off + 1), rbuf + off + 9, len);
		off += 9 + len;
	}
	memmove(rbuf, rbuf + off, rlen - off);
	rlen -= off;
	return 1;
}

/* Moves what a pipe holds to the port: the frame header, then the bytes spliced from the pipe
 * without a copy through user space (virtio_console supports splice_write). Returns -1 when it
 * cannot splice (a pty, an old kernel): the caller copies instead. */
static int forward_spliced(struct cmd *c, int fd, char type)
{
	int avail = 0;
	if (c->err < 0 || ioctl(fd, FIONREAD, &avail) < 0 || avail <= 0)
		return -1;
	if (avail > (int)MAX_FRAME)
		avail = (int)MAX_FRAME;
	unsigned char h[9];
	h[0] = (unsigned char)type;
	put32(h + 1, c->id);
	put32(h + 5, (uint32_t)avail);
	write_all(h, sizeof h);
	int left = avail;
	while (left > 0) {
		ssize_t n = splice(fd, NULL, port, NULL, (size_t)left, SPLICE_F_MOVE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pf = { .fd = port, .events = POLLOUT };
			poll(&pf, 1, 100);
			continue;
		}
		if (n <= 0) {
			/* the header promised `left` more bytes: keep the stream framed */
			static const unsigned char zeros[4096];
			while (left > 0) {
				int z = left < (int)sizeof zeros ? left : (int)sizeof zeros;
				write_all(zeros, (size_t)z);
				left -= z;
			}
			logf_(c->id, "splice: %s; %d bytes of output lost", strerror(errno), avail);
			return 1;
		}
		left -= (int)n;
	}
	return 1;
}

static int forward(struct cmd *c, int *fd, char type)
{
	static unsigned char buf[PIPE_SIZE];
	if (forward_spliced(c, *fd, type) > 0)
		return 1;
	ssize_t n = read(*fd, buf, sizeof buf);
	if (n > 0) {
		send_frame(type, c->id, buf, (uint32_t)n);
		return 1;
	}
	if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		if (c->in == *fd)
			c->in = -1; /* pty: the same file */
		close_fd(fd);
	}
	return 0;
}

static char *find_port(void)
{
	static char path[300];
	DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *e;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		char name_file[300], name[64] = "";
		snprintf(name_file, sizeof name_file, "/sys/class/virtio-ports/%s/name", e->d_name);
		FILE *f = fopen(name_file, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof name, f) && strncmp(name, "org.kboot.agent", 15) == 0 && (name[15] == '\n' || name[15] == 0)) {
			snprintf(path, sizeof path, "/dev/%s", e->d_name);
			fclose(f);
			closedir(d);
			return path;
		}
		fclose(f);
	}
	closedir(d);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : NULL;
	for (int tries = 0; !dev && tries < 100; tries++) {
		dev = find_port();
		if (!dev)
			usleep(50000);
	}
	if (!dev) {
		fprintf(stderr, "kboot-agent: no virtio-serial port named org.kboot.agent\n");
		return 2;
	}
	port = open(dev, O_RDWR | O_CLOEXEC);
	if (port < 0) {
		fprintf(stderr, "kboot-agent: %s: %s\n", dev, strerror(errno));
		return 2;
	}
	rbuf = malloc(MAX_FRAME + 9);
	signal(SIGPIPE, SIG_IGN);
	/* Children's exits arrive on a signalfd, polled with everything else: no tick, no race. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	setenv("PATH", "/run/wrappers/bin:/run/current-system/sw/bin:/nix/var/nix/profiles/default/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", 0);
	setenv("HOME", "/root", 1); /* commands run as root; init may have left HOME=/ */
	setenv("TERM", "dumb", 0);
	if (chdir(getenv("HOME")) != 0 && chdir("/") != 0)
		return 2;

	struct utsname u;
	uname(&u);
	char hello[200];
	int n = snprintf(hello, sizeof hello, "kboot-agent %d %s", PROTOCOL, u.release);
	send_frame('H', 0, hello, (uint32_t)n);

	for (;;) {
		struct pollfd pf[2 + 2 * MAX_CMDS];
		struct cmd *owner[2 + 2 * MAX_CMDS];
		int which[2 + 2 * MAX_CMDS];
		int nf = 0;
		int64_t now = now_us(), wake = -1;
		pf[nf] = (struct pollfd){ .fd = port, .events = POLLIN };
		owner[nf++] = NULL;
		pf[nf] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		owner[nf++] = NULL;
		for (int i = 0; i < MAX_CMDS; i++) {
			struct cmd *c = &cmds[i];
			if (!c->used)
				continue;
			if (c->out >= 0) {
				pf[nf] = (struct pollfd){ .fd = c->out, .events = POLLIN };
				owner[nf] = c; which[nf++] = 1;
			}
			if (c->err >= 0) {
				pf[nf] = (struct pollfd){ .fd = c->err, .events = POLLIN };
				owner[nf] = c; which[nf++] = 2;
			}
			int64_t t = -1;
			if (c->deadline_us && !c->exited)
				t = c->deadline_us;
			if (c->exited)
				t = c->exited_us + DRAIN_GRACE_MS * 1000;
			if (t >= 0 && (wake < 0 || t < wake))
				wake = t;
		}
		int timeout = -1;
		if (wake >= 0)
			timeout = wake <= now ? 0 : (int)((wake - now + 999) / 1000);
		int r = poll(pf, (nfds_t)nf, timeout);
		if (r < 0 && errno != EINTR)
			return 3;
		if (r > 0) {
			if (pf[0].revents & POLLIN) {
				if (!read_port())
					usleep(100000); /* host not connected (yet, or any more) */
			} else if (pf[0].revents & (POLLHUP | POLLERR)) {
				usleep(100000);
			}
			if (pf[1].revents & POLLIN) {
				struct signalfd_siginfo si;
				while (read(sigfd, &si, sizeof si) > 0)
					;
			}
			for (int i = 2; i < nf; i++)
				if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
					forward(owner[i], which[i] == 1 ? &owner[i]->out : &owner[i]->err, which[i] == 1 ? '1' : '2');
		}
		reap();
		now = now_us();
		for (int i = 0; i < MAX_CMDS; i++) {
			struct cmd *c = &cmds[i];
			if (c->used && !c->exited && c->deadline_us && now >= c->deadline_us && !c->timed_out) {
				c->timed_out = 1;
				kill(-c->pid, SIGKILL);
				kill(c->pid, SIGKILL);
			}
			finish_if_done(c);
		}
	}
}
