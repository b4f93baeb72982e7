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
 * Protocol version 2 (all integers big-endian). Every message is a frame:
 *   u8 type, u32 id, u32 length, then `length` bytes of payload (at most 1 MiB, MAX_FRAME).
 * A frame over the limit is skipped whole (its payload is read and dropped, so the stream stays
 * framed) and answered: an 'E' with an 'X' "could not start" (E2BIG), an 'I' with a closed 'A'.
 * Host to guest:
 *   'E' exec     u32 timeout_ms (0: none), u8 flags (1: stdin is fed by 'I' frames, else
 *                /dev/null; 2: run on a pty, stdout and stderr merged), u16 rows, u16 cols,
 *                then the command for /bin/sh -c
 *   'I' stdin    bytes for the command's stdin; an empty payload closes it. The host keeps at
 *                most STDIN_WINDOW (1 MiB) bytes per command unacknowledged (see 'A'), so the
 *                agent never holds more than that of a command's stdin.
 *   'K' kill     u32 signal, sent to the command's process group
 *   'W' winsize  u16 rows, u16 cols (pty commands)
 *   'P' ping     any payload, echoed back in a 'P' frame
 *   'Q' poweroff sync(2), then power the guest off (reboot(2) LINUX_REBOOT_CMD_POWER_OFF)
 * Guest to host:
 *   'H' hello    "kboot-agent <protocol version> <kernel release>", id 0, once per start (a
 *                second hello means the agent was restarted: what ran before is lost)
 *   '1' stdout   bytes, in order
 *   '2' stderr   bytes, in order
 *   'A' stdin    u32 bytes of stdin the command took since the last 'A', u8 1 when its stdin is
 *                closed (it stopped reading, or the host closed it): later 'I' frames are dropped
 *   'X' exit     u8 how (0 exited, 1 killed by a signal, 2 killed at its timeout, 3 could not
 *                start), i32 status or signal (errno for 3), u64 duration in microseconds; sent
 *                after the command's last output frame
 *   'P' pong     the ping's payload
 *   'L' log      a message from the agent itself (id of the command concerned, or 0)
 *
 * Nothing blocks the one event loop: the port is non-blocking and what it cannot take yet waits
 * in a queue (while that queue is over OUTQ_HIGH, commands' output is left in their pipes, so a
 * host that stops reading holds up the commands, never the agent: timeouts are still enforced and
 * 'K' frames still read); a command's stdin is written as the command reads it.
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
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PROTOCOL 2
#define MAX_FRAME (1u << 20)
#define STDIN_WINDOW (1u << 20)
#define ACK_EVERY (64u << 10)
#define OUTQ_HIGH (2u << 20)
#define MAX_CMDS 64
#define PIPE_SIZE (1 << 20)
#define DRAIN_GRACE_MS 100
#define CUT_MS 1000
#define LONG_COMMAND 100000

struct cmd {
	int used;
	uint32_t id;
	pid_t pid;
	int out, err, in;        /* pipe ends held by the agent, -1 when closed */
	unsigned char *pending;  /* stdin bytes the command has not read yet (written as it reads) */
	size_t plen, poff;
	uint32_t unacked;        /* stdin bytes taken by the command and not yet reported in an 'A' */
	int close_in;            /* close stdin once pending is written */
	int in_closed_told;      /* the host was told (an 'A' frame) that stdin is closed */
	int exited, status;      /* waitpid result */
	int timed_out;
	int killed;              /* its process group got SIGKILL at the deadline */
	int64_t start_us, deadline_us, exited_us, last_out_us;
};

static int port = -1;
static int sigfd = -1;
static sigset_t chld;
static struct cmd cmds[MAX_CMDS];
static unsigned char *rbuf;
static size_t rlen;
static uint32_t skip_left, skip_id; /* an oversized frame being skipped */
static unsigned char skip_type;
static int relay[2] = { -1, -1 };  /* a pipe only the agent writes (see send_relayed) */
static unsigned char *oq;           /* frames the port has not taken yet */
static size_t oq_len, oq_off, oq_cap;

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

static size_t queued(void)
{
	return oq_len - oq_off;
}

/* Makes room for n more bytes at the queue's end; returns where they go. */
static unsigned char *reserve(size_t n)
{
	if (oq_off > 0 && (oq_off == oq_len || oq_len + n > oq_cap)) {
		memmove(oq, oq + oq_off, oq_len - oq_off);
		oq_len -= oq_off;
		oq_off = 0;
	}
	if (oq_len + n > oq_cap) {
		size_t cap = oq_cap ? oq_cap : 65536;
		while (cap < oq_len + n)
			cap *= 2;
		unsigned char *grown = realloc(oq, cap);
		if (!grown) {
			/* Out of memory: no frame can be trusted to arrive whole any more. */
			_exit(4);
		}
		oq = grown;
		oq_cap = cap;
	}
	return oq + oq_len;
}

/* Writes what the port takes now; the rest waits for POLLOUT. Never blocks. */
static void flush_port(void)
{
	while (queued() > 0) {
		ssize_t w = write(port, oq + oq_off, queued());
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* EAGAIN: the host is not reading yet; anything else: nothing to tell it */
		oq_off += (size_t)w;
	}
	oq_off = oq_len = 0;
}

static void send_frame(char type, uint32_t id, const void *payload, uint32_t len)
{
	unsigned char *h = reserve(9 + (size_t)len);
	h[0] = (unsigned char)type;
	put32(h + 1, id);
	put32(h + 5, len);
	if (len)
		memcpy(h + 9, payload, len);
	oq_len += 9 + (size_t)len;
	flush_port();
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

static void send_exit(uint32_t id, unsigned how, uint32_t status, uint64_t duration_us)
{
	unsigned char x[13];
	x[0] = (unsigned char)how;
	put32(x + 1, status);
	put32(x + 5, (uint32_t)(duration_us >> 32));
	put32(x + 9, (uint32_t)duration_us);
	send_frame('X', id, x, sizeof x);
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
		send_exit(id, 3, EINVAL, 0);
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
	if (!c || !command || find_cmd(id)) {
		send_exit(id, 3, (uint32_t)(!command ? ENOMEM : c ? EEXIST : EAGAIN), 0);
		logf_(id, !command ? "out of memory" : c ? "duplicate command id %u" : "too many commands at once (%d)", c ? id : MAX_CMDS);
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
			int e = errno;
			send_exit(id, 3, (uint32_t)e, 0);
			logf_(id, "pipe: %s", strerror(e));
			close_fd(&out[0]); close_fd(&out[1]); close_fd(&err[0]); close_fd(&err[1]);
			free(command);
			return;
		}
		fcntl(out[0], F_SETPIPE_SZ, PIPE_SIZE);
		pid = fork();
	}
	if (pid == 0) {
		if (!(flags & 2)) {
			setsid();
			int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
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
		if (strlen(command) > LONG_COMMAND) {
			/* execve(2) takes at most 128 KiB in one argument (MAX_ARG_STRLEN): the shell reads
			 * a longer command from a memfd instead (`.` runs it in that same shell, as -c would). */
			int m = memfd_create("kboot-command", 0);
			size_t n = strlen(command), done = 0;
			while (m >= 0 && done < n) {
				ssize_t w = write(m, command + done, n - done);
				if (w <= 0)
					break;
				done += (size_t)w;
			}
			if (m >= 0 && done == n && lseek(m, 0, SEEK_SET) == 0) {
				char dot[64];
				snprintf(dot, sizeof dot, ". /proc/self/fd/%d", m);
				execl(shell(), "sh", "-c", dot, (char *)NULL);
			}
		}
		execl(shell(), "sh", "-c", command, (char *)NULL);
		dprintf(2, "kboot-agent: cannot run %s: %s\n", shell(), strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		int e = errno;
		send_exit(id, 3, (uint32_t)e, 0);
		logf_(id, "fork: %s", strerror(e));
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
	c->last_out_us = c->start_us;
	if (flags & 2) {
		c->out = master;
		c->in = dup(master);
		fcntl(c->in, F_SETFD, FD_CLOEXEC);
		fcntl(master, F_SETFD, FD_CLOEXEC);
		fcntl(c->in, F_SETFL, O_NONBLOCK);
	} else {
		close(out[1]);
		close(err[1]);
		c->out = out[0];
		c->err = err[0];
		if (flags & 1) {
			close(in[0]);
			c->in = in[1];
			fcntl(c->in, F_SETFL, O_NONBLOCK);
		}
	}
}

/* Tells the host how much stdin the command took (and whether its stdin is closed), so that it
 * can send more: the host keeps at most STDIN_WINDOW bytes unacknowledged. */
static void ack_stdin(struct cmd *c, int force)
{
	int closed = c->in < 0;
	if (closed && c->in_closed_told)
		return;
	if (!force && !closed && c->unacked < ACK_EVERY && c->poff < c->plen)
		return;
	if (c->unacked == 0 && !closed)
		return;
	unsigned char a[5];
	put32(a, c->unacked);
	a[4] = (unsigned char)closed;
	send_frame('A', c->id, a, sizeof a);
	c->unacked = 0;
	c->in_closed_told = closed;
}

static void drop_stdin(struct cmd *c)
{
	free(c->pending);
	c->pending = NULL;
	c->plen = c->poff = 0;
}

/* Writes what stdin has pending, as far as the command reads it. Never blocks: a blocking
 * write here would stop the agent forwarding the command's output, and a command that writes
 * before it reads would deadlock with it. */
static void flush_stdin(struct cmd *c)
{
	while (c->in >= 0 && c->poff < c->plen) {
		ssize_t w = write(c->in, c->pending + c->poff, c->plen - c->poff);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w <= 0) {
			close_fd(&c->in); /* the command stopped reading (EPIPE) */
			break;
		}
		c->poff += (size_t)w;
		c->unacked += (uint32_t)w;
	}
	if (c->in < 0 || c->poff == c->plen)
		drop_stdin(c);
	if (c->in >= 0 && c->close_in && c->plen == 0)
		close_fd(&c->in); /* for a pty this is a dup of the master: the command keeps its tty */
	ack_stdin(c, 0);
}

/* Bytes waiting in a pipe or pty, 0 when none or unknown. */
static int unread(int fd)
{
	int n = 0;
	if (fd < 0 || ioctl(fd, FIONREAD, &n) < 0)
		return 0;
	return n;
}

/* When the output of a command killed at its deadline stops being waited for: CUT_MS after the
 * kill or the exit, whichever is later (what its pipes hold by then is forwarded first). */
static int64_t cut_time(const struct cmd *c)
{
	return (c->deadline_us > c->exited_us ? c->deadline_us : c->exited_us) + CUT_MS * 1000;
}

static void finish_if_done(struct cmd *c)
{
	if (!c->used || !c->exited)
		return;
	if (c->out >= 0 || c->err >= 0) {
		/* The command exited; its output is forwarded to the last byte, but a process it left
		 * behind that holds the pipes open without writing does not hold up the answer: once
		 * the pipes are empty and DRAIN_GRACE_MS passed since the exit and the last output,
		 * they are closed. */
		int64_t now = now_us();
		int overdue = c->killed && now >= cut_time(c); /* past its timeout: cut what lingers */
		if ((unread(c->out) > 0 || unread(c->err) > 0) && !overdue)
			return;
		int64_t quiet_from = c->exited_us > c->last_out_us ? c->exited_us : c->last_out_us;
		if (!overdue && now - quiet_from < DRAIN_GRACE_MS * 1000)
			return;
		close_fd(&c->out);
		close_fd(&c->err);
	}
	close_fd(&c->in);
	drop_stdin(c);
	unsigned how;
	uint32_t status;
	if (c->timed_out) {
		how = 2;
		status = WIFSIGNALED(c->status) ? (uint32_t)WTERMSIG(c->status) : SIGKILL;
	} else if (WIFSIGNALED(c->status)) {
		how = 1;
		status = (uint32_t)WTERMSIG(c->status);
	} else {
		how = 0;
		status = (uint32_t)WEXITSTATUS(c->status);
	}
	send_exit(c->id, how, status, (uint64_t)(c->exited_us - c->start_us));
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

static void stdin_frame(struct cmd *c, const unsigned char *p, uint32_t len)
{
	if (c->in < 0) {
		ack_stdin(c, 1); /* tell the host (once) that its bytes go nowhere */
		return;
	}
	if (len == 0) {
		c->close_in = 1;
	} else if (c->plen - c->poff + len > 2 * STDIN_WINDOW) {
		/* The host ignored the window: refuse rather than grow without bound. */
		logf_(c->id, "stdin over the %u-byte window; closing it", STDIN_WINDOW);
		close_fd(&c->in);
	} else {
		if (c->poff > 0) {
			memmove(c->pending, c->pending + c->poff, c->plen - c->poff);
			c->plen -= c->poff;
			c->poff = 0;
		}
		unsigned char *grown = realloc(c->pending, c->plen + len);
		if (!grown) {
			logf_(c->id, "out of memory for %u bytes of stdin; closing it", len);
			close_fd(&c->in);
		} else {
			c->pending = grown;
			memcpy(c->pending + c->plen, p, len);
			c->plen += len;
		}
	}
	flush_stdin(c);
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
		if (c)
			stdin_frame(c, p, len);
		break;
	case 'K':
		c = find_cmd(id);
		if (c && !c->exited && len >= 4 && kill(-c->pid, (int)get32(p)) != 0)
			kill(c->pid, (int)get32(p));
		break;
	case 'W':
		c = find_cmd(id);
		if (c && len >= 4 && c->err < 0 && c->out >= 0) {
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

/* The whole of an oversized frame was skipped: answer it so that the host waits for nothing. */
static void skipped(void)
{
	logf_(skip_id, "a frame of type '%c' over the %u-byte limit was skipped", skip_type, MAX_FRAME);
	if (skip_type == 'E') {
		send_exit(skip_id, 3, E2BIG, 0);
	} else if (skip_type == 'I') {
		struct cmd *c = find_cmd(skip_id);
		if (c) {
			close_fd(&c->in);
			drop_stdin(c);
			ack_stdin(c, 1);
		}
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
	for (;;) {
		if (skip_left > 0) {
			size_t k = rlen - off < skip_left ? rlen - off : skip_left;
			off += k;
			skip_left -= (uint32_t)k;
			if (skip_left > 0)
				break;
			skipped();
			continue;
		}
		if (rlen - off < 9)
			break;
		uint32_t len = get32(rbuf + off + 5);
		if (len > MAX_FRAME) {
			/* Skip its payload as it arrives: the frame after it is read as a frame again. */
			skip_type = rbuf[off];
			skip_id = get32(rbuf + off + 1);
			skip_left = len;
			off += 9;
			continue;
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

/* Reads exactly n bytes that a pipe is known to hold into the queue, behind a header already
 * queued or written. */
static void copy_into_queue(struct cmd *c, int fd, size_t n)
{
	unsigned char *dst = reserve(n);
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, dst + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	int e = errno;
	if (got < n)
		memset(dst + got, 0, n - got); /* the header promised n bytes: keep the stream framed */
	oq_len += n;
	if (got < n)
		logf_(c->id, "read: %s; %zu bytes of output lost", strerror(e), n - got);
	flush_port();
}

/* Sends the n bytes the relay pipe holds as one frame: the header, then the bytes spliced to the
 * port without a copy through user space (virtio_console supports splice_write); what the port
 * does not take at once is read into the queue.
 *
 * Why a relay pipe, and not a splice from the command's pipe straight to the port: Linux's
 * virtio_console sizes its scatterlist by the pipe's buffer count but fills it only for the bytes
 * asked for, and the virtqueue walks it to its end mark; when the pipe holds more than is asked
 * for (the command keeps writing between FIONREAD and the splice) the device gets zero-sized
 * buffers and QEMU marks it broken ("virtio: zero sized buffers are not allowed"): the port is
 * dead. The relay is written by the agent alone and always spliced whole. */
static void send_relayed(struct cmd *c, char type, size_t n)
{
	unsigned char *h = reserve(9);
	h[0] = (unsigned char)type;
	put32(h + 1, c->id);
	put32(h + 5, (uint32_t)n);
	oq_len += 9;
	flush_port();
	size_t left = n;
	while (left > 0 && queued() == 0) {
		ssize_t k = splice(relay[0], NULL, port, NULL, left, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break; /* the port is full (EAGAIN), or splice is unsupported: copy the rest */
		left -= (size_t)k;
	}
	if (left > 0)
		copy_into_queue(c, relay[0], left);
	c->last_out_us = now_us();
}

static void forward(struct cmd *c, int *fd, char type)
{
	if (c->err >= 0 && relay[1] >= 0 && queued() == 0) {
		ssize_t n = splice(*fd, NULL, relay[1], NULL, MAX_FRAME, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			send_relayed(c, type, (size_t)n);
			return;
		}
		if (n == 0) {
			close_fd(fd); /* EOF */
			return;
		}
		if (errno == EAGAIN || errno == EINTR)
			return;
		/* splice unsupported here: copy */
	}
	unsigned char *h = reserve(9 + (size_t)MAX_FRAME);
	ssize_t n = read(*fd, h + 9, MAX_FRAME);
	if (n > 0) {
		h[0] = (unsigned char)type;
		put32(h + 1, c->id);
		put32(h + 5, (uint32_t)n);
		oq_len += 9 + (size_t)n;
		c->last_out_us = now_us();
		flush_port();
		return;
	}
	if (n == 0 || (errno != EINTR && errno != EAGAIN))
		close_fd(fd); /* EOF, or EIO: a pty whose last slave closed */
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
	port = open(dev, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (port < 0) {
		fprintf(stderr, "kboot-agent: %s: %s\n", dev, strerror(errno));
		return 2;
	}
	rbuf = malloc(MAX_FRAME + 9);
	if (pipe2(relay, O_CLOEXEC | O_NONBLOCK) == 0)
		fcntl(relay[1], F_SETPIPE_SZ, PIPE_SIZE);
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
		struct pollfd pf[2 + 3 * MAX_CMDS];
		struct cmd *owner[2 + 3 * MAX_CMDS];
		int which[2 + 3 * MAX_CMDS];
		int nf = 0;
		int64_t now = now_us(), wake = -1;
		/* While the host is behind, commands' output stays in their pipes (they block, the agent
		 * does not): only the queue's high mark of output waits in the agent. */
		int take_output = queued() < OUTQ_HIGH;
		pf[nf] = (struct pollfd){ .fd = port, .events = (short)(POLLIN | (queued() > 0 ? POLLOUT : 0)) };
		owner[nf++] = NULL;
		pf[nf] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		owner[nf++] = NULL;
		for (int i = 0; i < MAX_CMDS; i++) {
			struct cmd *c = &cmds[i];
			if (!c->used)
				continue;
			if (c->out >= 0 && take_output) {
				pf[nf] = (struct pollfd){ .fd = c->out, .events = POLLIN };
				owner[nf] = c; which[nf++] = 1;
			}
			if (c->err >= 0 && take_output) {
				pf[nf] = (struct pollfd){ .fd = c->err, .events = POLLIN };
				owner[nf] = c; which[nf++] = 2;
			}
			if (c->in >= 0 && c->poff < c->plen) {
				pf[nf] = (struct pollfd){ .fd = c->in, .events = POLLOUT };
				owner[nf] = c; which[nf++] = 3;
			}
			int64_t t = -1;
			if (c->deadline_us && !c->killed)
				t = c->deadline_us;
			if (c->exited) {
				int64_t g = (c->exited_us > c->last_out_us ? c->exited_us : c->last_out_us) + DRAIN_GRACE_MS * 1000;
				if (c->killed && cut_time(c) < g)
					g = cut_time(c);
				if (t < 0 || g < t)
					t = g;
			}
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
			if (pf[0].revents & POLLOUT)
				flush_port();
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
			for (int i = 2; i < nf; i++) {
				struct cmd *c = owner[i];
				if (!c->used)
					continue; /* finished while this round was handled */
				if (which[i] == 3) {
					if (pf[i].revents & (POLLOUT | POLLHUP | POLLERR))
						flush_stdin(c);
				} else if ((pf[i].revents & (POLLIN | POLLHUP | POLLERR)) && queued() < OUTQ_HIGH) {
					int *fd = which[i] == 1 ? &c->out : &c->err;
					if (*fd == pf[i].fd)
						forward(c, fd, which[i] == 1 ? '1' : '2');
				}
			}
		}
		reap();
		now = now_us();
		for (int i = 0; i < MAX_CMDS; i++) {
			struct cmd *c = &cmds[i];
			if (c->used && c->deadline_us && now >= c->deadline_us && !c->killed) {
				/* Past its timeout: its process group is killed; one that had exited (and only
				 * left processes behind) still counts as exited. */
				c->killed = 1;
				c->timed_out = !c->exited;
				kill(-c->pid, SIGKILL);
				if (!c->exited)
					kill(c->pid, SIGKILL);
			}
			finish_if_done(c);
		}
	}
}
