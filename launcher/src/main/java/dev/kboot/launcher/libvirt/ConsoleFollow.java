package dev.kboot.launcher.libvirt;

import dev.kboot.launcher.KbootException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.libvirt.Domain;

/**
 * {@code kboot libvirt console NAME}: the domain's serial console log, from its start, then
 * followed as it grows until the domain stops (or kboot is interrupted). Read-only: it does not
 * take the console's pty, so it runs beside {@code virsh console} and a {@code kboot test}.
 */
public final class ConsoleFollow {
    private ConsoleFollow() {
    }

    /**
     * @param c      the connection (local: the log is a file on this host)
     * @param d      the domain
     * @param lines  receives each line (without its line ending)
     * @param follow whether to follow the log until the domain stops, or print what is there
     * @throws KbootException 69 when the domain logs no console or is on another host
     */
    public static void run(LibvirtConnection c, Domain d, Consumer<String> lines, boolean follow) throws IOException {
        Domains ds = new Domains(c);
        String name = ds.name(d);
        DomainXml.Facts f = DomainXml.read(ds.inactiveXml(d));
        if (f.consoleLog().isEmpty()) {
            throw KbootException.unavailable("domain " + name + " logs no serial console (<serial><log file=.../></serial>); try virsh console " + name);
        }
        if (!c.isLocal() || c.isTest()) {
            throw KbootException.unavailable("the console log of " + name + " is on the libvirt host of " + c.uri() + ", not here; try virsh -c "
                    + c.uri() + " console " + name);
        }
        try (LogFollower log = new LogFollower(f.consoleLog().get(), true)) {
            if (!follow || !ds.active(d)) {
                log.finish();
            } else {
                Thread watcher = new Thread(() -> {
                    try {
                        while (ds.active(d)) {
                            Thread.sleep(1000);
                        }
                    } catch (InterruptedException | KbootException e) {
                        // stop following
                    }
                    log.finish();
                }, "console-watch");
                watcher.setDaemon(true);
                watcher.start();
            }
            ByteBuffer buf = ByteBuffer.allocate(8192);
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (log.read(buf) >= 0) {
                for (int i = 0; i < buf.position(); i++) {
                    byte b = buf.get(i);
                    if (b == '\n') {
                        lines.accept(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    } else if (b != '\r') {
                        line.write(b);
                    }
                }
                buf.clear();
            }
            if (line.size() > 0) {
                lines.accept(line.toString(StandardCharsets.UTF_8));
            }
        }
    }
}
