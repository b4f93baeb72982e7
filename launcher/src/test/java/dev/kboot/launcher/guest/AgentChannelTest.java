package dev.kboot.launcher.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.ExitCode;
import dev.kboot.launcher.KbootException;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host side of the agent protocol against a scripted peer on a real unix socket: what the
 * real agent never sends (short and oversized frames, another version, a second hello) and what
 * kboot's own side can get wrong (a listener that throws, output past the limit, a peer that
 * stops reading). The real agent's side is tested in a guest by GuestIT and AgentFaultIT.
 */
class AgentChannelTest {
    static final Duration T = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    ServerSocketChannel server;
    SocketChannel peer;
    AgentChannel channel;
    final List<String> notices = new CopyOnWriteArrayList<>();

    @BeforeEach
    void connect() throws Exception {
        Path sock = dir.resolve("agent.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
        SocketChannel host = SocketChannel.open(StandardProtocolFamily.UNIX);
        host.connect(UnixDomainSocketAddress.of(sock));
        peer = server.accept();
        channel = new AgentChannel(host, notices::add);
    }

    @AfterEach
    void close() throws Exception {
        channel.close();
        peer.close();
        server.close();
    }

    void frame(char type, int id, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(9 + payload.length).put((byte) type).putInt(id).putInt(payload.length).put(payload).flip();
        while (b.hasRemaining()) {
            peer.write(b);
        }
    }

    void hello() throws Exception {
        frame('H', 0, ("kboot-agent " + AgentChannel.PROTOCOL + " 6.1.0-test").getBytes(StandardCharsets.US_ASCII));
        assertEquals("kboot-agent 2 6.1.0-test", channel.hello().get(10, TimeUnit.SECONDS));
    }

    static byte[] exit(int status) {
        return ByteBuffer.allocate(13).put((byte) 0).putInt(status).putLong(1234).array();
    }

    /** Reads the host's next frame: {type, id, payload}. */
    Object[] hostFrame(DataInputStream in) throws IOException {
        char type = (char) in.readUnsignedByte();
        int id = in.readInt();
        byte[] p = new byte[in.readInt()];
        in.readFully(p);
        return new Object[] {type, id, p};
    }

    @Test
    void anotherProtocolVersionIsRefusedAtHello() throws Exception {
        frame('H', 0, "kboot-agent 1 6.1.0-old".getBytes(StandardCharsets.US_ASCII));
        ExecutionException e = assertThrows(ExecutionException.class, () -> channel.hello().get(10, TimeUnit.SECONDS));
        AgentException a = assertInstanceOf(AgentException.class, e.getCause());
        assertEquals(AgentException.Kind.PROTOCOL, a.kind());
        assertTrue(a.getMessage().contains("speaks protocol 1 and this kboot speaks 2"), a.getMessage());
    }

    @Test
    void aShortExitFrameFailsItsCommandAndTheStreamGoesOn() throws Exception {
        hello();
        Execution a = channel.start("a", null, false, false, 0, 0, null, 1 << 20);
        Execution b = channel.start("b", null, false, false, 0, 0, null, 1 << 20);
        frame('X', a.id(), new byte[5]);
        AgentException ex = assertThrows(AgentException.class, () -> a.await(T));
        assertEquals(AgentException.Kind.PROTOCOL, ex.kind());
        assertTrue(ex.getMessage().contains("exit frame of 5 bytes"), ex.getMessage());
        frame('1', b.id(), "out".getBytes(StandardCharsets.US_ASCII));
        frame('X', b.id(), exit(3));
        ExecResult r = b.await(T).orElseThrow();
        assertEquals("out", r.out());
        assertEquals(3, r.status());
    }

    @Test
    void anOversizedFrameFromTheAgentFailsEveryCommandAsAProtocolError() throws Exception {
        hello();
        Execution a = channel.start("a", null, false, false, 0, 0, null, 1 << 20);
        peer.write(ByteBuffer.allocate(9).put((byte) '1').putInt(a.id()).putInt((1 << 20) + 1).flip());
        AgentException ex = assertThrows(AgentException.class, () -> a.await(T));
        assertEquals(AgentException.Kind.PROTOCOL, ex.kind());
        assertTrue(ex.getMessage().contains("a frame of 1048577 bytes"), ex.getMessage());
        assertTrue(channel.isClosed());
        assertThrows(AgentException.class, () -> channel.start("c", null, false, false, 0, 0, null, 1 << 20));
    }

    @Test
    void aSecondHelloMeansTheAgentRestartedAndFailsWhatRan() throws Exception {
        hello();
        Execution a = channel.start("sleep 100", null, false, false, 0, 0, null, 1 << 20);
        frame('H', 0, "kboot-agent 2 6.1.0-test".getBytes(StandardCharsets.US_ASCII));
        AgentException ex = assertThrows(AgentException.class, () -> a.await(T));
        assertEquals(AgentException.Kind.RESTARTED, ex.kind());
        Execution b = channel.start("true", null, false, false, 0, 0, null, 1 << 20);
        frame('X', b.id(), exit(0));
        assertTrue(b.await(T).orElseThrow().succeeded(), "the restarted agent is used");
    }

    @Test
    void aListenerThatThrowsFailsItsCommandAsKbootsOwnFailureOnly() throws Exception {
        hello();
        Execution bad = channel.start("bad", null, false, false, 0, 0, new OutputListener() {
            @Override
            public void stdout(byte[] data) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void stderr(byte[] data) {
            }
        }, 1 << 20);
        Execution good = channel.start("good", null, false, false, 0, 0, null, 1 << 20);
        frame('1', bad.id(), "x".getBytes(StandardCharsets.US_ASCII));
        KbootException k = assertThrows(KbootException.class, () -> bad.await(T));
        assertEquals(ExitCode.INTERNAL, k.exitCode());
        assertTrue(k.getMessage().contains("listener bug"), k.getMessage());
        DataInputStream in = new DataInputStream(Channels.newInputStream(peer));
        hostFrame(in); // E bad
        hostFrame(in); // E good
        Object[] kill = hostFrame(in);
        assertEquals('K', kill[0], "the abandoned command is killed in the guest");
        assertEquals(bad.id(), kill[1]);
        frame('X', good.id(), exit(0));
        assertTrue(good.await(T).orElseThrow().succeeded(), "the other command is unaffected");
    }

    @Test
    void anErrorOnTheReaderIsAHostFailureNotTheGuestGoingAway() throws Exception {
        hello();
        Execution oom = channel.start("oom", null, false, false, 0, 0, new OutputListener() {
            @Override
            public void stdout(byte[] data) {
                throw new OutOfMemoryError("Java heap space (test)");
            }

            @Override
            public void stderr(byte[] data) {
            }
        }, 1 << 20);
        Execution other = channel.start("other", null, false, false, 0, 0, null, 1 << 20);
        frame('1', oom.id(), "x".getBytes(StandardCharsets.US_ASCII));
        for (Execution e : List.of(oom, other)) {
            KbootException k = assertThrows(KbootException.class, () -> e.await(T));
            assertEquals(ExitCode.INTERNAL, k.exitCode());
            assertTrue(k.getMessage().contains("OutOfMemoryError"), k.getMessage());
            assertFalse(k instanceof GuestException);
        }
    }

    @Test
    void collectedOutputPastTheLimitIsAClearErrorAndTheCommandIsKilled() throws Exception {
        hello();
        Execution e = channel.start("head -c 3G /dev/zero", null, false, false, 0, 0, null, 3 << 20);
        byte[] mib = new byte[1 << 20];
        for (int i = 0; i < 4; i++) {
            frame('1', e.id(), mib);
        }
        OutputLimitException ex = assertThrows(OutputLimitException.class, () -> e.await(T));
        assertTrue(ex.getMessage().contains("more than 3 MiB of output"), ex.getMessage());
        DataInputStream in = new DataInputStream(Channels.newInputStream(peer));
        assertEquals('E', hostFrame(in)[0]);
        assertEquals('K', hostFrame(in)[0]);
    }

    @Test
    void nothingTheHostSendsBlocksWhenTheAgentStopsReading() throws Exception {
        hello();
        // Nobody reads the peer: the socket's buffer fills, and still every call returns at once.
        Execution e = channel.start("cat", null, true, false, 0, 0, null, 1 << 20);
        long t0 = System.nanoTime();
        for (int i = 0; i < 64; i++) {
            channel.start("x".repeat(AgentChannel.MAX_FRAME - 9), null, false, false, 0, 0, null, 1 << 20);
        }
        e.kill(9);
        channel.ping();
        e.resize(24, 80);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "no call blocked");
    }

    @Test
    void stdinIsFlowControlledByTheAgentsAcknowledgements() throws Exception {
        hello();
        Execution e = channel.start("cat", null, true, false, 0, 0, null, 1 << 20);
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
            try {
                e.write(new byte[3 << 20]);
            } catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
        });
        DataInputStream in = new DataInputStream(Channels.newInputStream(peer));
        assertEquals('E', hostFrame(in)[0]);
        long got = 0;
        while (got < AgentChannel.STDIN_WINDOW) {
            Object[] f = hostFrame(in);
            assertEquals('I', f[0]);
            got += ((byte[]) f[2]).length;
        }
        Thread.sleep(300);
        assertFalse(writing.isDone(), "a full window holds the writer");
        assertEquals(0, in.available(), "nothing past the window was sent");
        frame('A', e.id(), ByteBuffer.allocate(5).putInt(AgentChannel.STDIN_WINDOW).put((byte) 0).array());
        while (got < 2L * AgentChannel.STDIN_WINDOW) {
            got += ((byte[]) hostFrame(in)[2]).length;
        }
        frame('A', e.id(), ByteBuffer.allocate(5).putInt(0).put((byte) 1).array());
        ExecutionException ex = assertThrows(ExecutionException.class, () -> writing.get(10, TimeUnit.SECONDS));
        assertTrue(ex.getCause().getMessage().contains("closed its stdin"), ex.getCause().getMessage());
    }

    @Test
    void aCommandLineLongerThanAFrameIsRefusedBeforeAnythingIsSent() throws Exception {
        hello();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> channel.start("x".repeat(2 << 20), null, false, false, 0, 0, null, 1 << 20));
        assertTrue(e.getMessage().contains("2097152 bytes"), e.getMessage());
        Execution ok = channel.start("true", null, false, false, 0, 0, null, 1 << 20);
        DataInputStream in = new DataInputStream(Channels.newInputStream(peer));
        Object[] f = hostFrame(in);
        assertEquals('E', f[0]);
        assertEquals(ok.id(), f[1]);
        assertArrayEquals("true".getBytes(StandardCharsets.US_ASCII), java.util.Arrays.copyOfRange((byte[]) f[2], 9, 13));
    }

    @Test
    void aPowerOffIsOnThePortWhenTheChannelIsClosedRightAfter() throws Exception {
        // kboot libvirt stop does exactly this: connect, power off, close (the request was lost
        // in the writer thread's queue, and the domain destroyed after its timeout)
        for (int i = 0; i < 50; i++) {
            channel.ping(); // frames before it go out first
        }
        channel.powerOff();
        channel.close();
        DataInputStream in = new DataInputStream(Channels.newInputStream(peer));
        Object[] f;
        do {
            f = hostFrame(in);
        } while ((char) f[0] == 'P');
        assertEquals('Q', f[0]);
    }
}
