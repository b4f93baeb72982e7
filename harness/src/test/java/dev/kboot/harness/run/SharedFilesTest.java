package dev.kboot.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.parse.BlktestsParser;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a guest writes to the writable share is read without following links and within bounds. */
class SharedFilesTest {
    @TempDir
    Path dir;

    @Test
    void symlinksAndSpecialFilesTheGuestMadeAreRemovedWithoutFollowingThem() throws Exception {
        Path secret = Files.writeString(dir.resolve("host-secret"), "root:$6$secret");
        Path hostDir = Files.createDirectories(dir.resolve("host-dir"));
        Files.writeString(hostDir.resolve("keep"), "host file");
        Path share = Files.createDirectories(dir.resolve("artifacts/fstests/results"));
        Files.writeString(share.resolve("check.log"), "generic/001 1s\n");
        Files.createSymbolicLink(share.resolve("shadow"), secret);
        Files.createSymbolicLink(share.resolve("dirlink"), hostDir);
        new ProcessBuilder("mkfifo", share.resolve("fifo").toString()).start().waitFor();
        List<String> removed = SharedFiles.removeLinks(dir.resolve("artifacts"));
        assertEquals(Set.of("fstests/results/shadow", "fstests/results/dirlink", "fstests/results/fifo"), Set.copyOf(removed));
        assertTrue(Files.exists(share.resolve("check.log")));
        assertTrue(Files.exists(secret) && Files.exists(hostDir.resolve("keep")), "nothing the links pointed at was touched");
        SharedFiles.clear(dir.resolve("artifacts"));
        assertFalse(Files.exists(dir.resolve("artifacts"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void blktestsArtifactsAreReadBoundedAndNeverThroughASymlink() throws Exception {
        Path secret = Files.writeString(dir.resolve("host-secret"), "root:$6$secret");
        Path test = Files.createDirectories(dir.resolve("results/nodev/block"));
        Files.writeString(test.resolve("001"), "status\tfail\ndescription\tstress\n");
        try (RandomAccessFile f = new RandomAccessFile(test.resolve("001.full").toFile(), "rw")) {
            f.setLength(64L << 20); // 64 MiB of log
            f.seek((64L << 20) - 9);
            f.write("last line".getBytes());
        }
        Files.writeString(test.resolve("002"), "status\tfail\n");
        Files.createSymbolicLink(test.resolve("002.dmesg"), secret);
        List<TestResult> rs = BlktestsParser.parse(dir.resolve("results"));
        TestResult r = rs.get(0);
        assertEquals("blktests/nodev/block/001", r.id().toString());
        assertTrue(r.excerpt().length() < 64 << 10, "bounded: " + r.excerpt().length());
        assertTrue(r.excerpt().contains("last line"), "the end of the log is what is kept");
        TestResult linked = rs.get(1);
        assertEquals("blktests/nodev/block/002", linked.id().toString());
        assertFalse(linked.excerpt().contains("$6$secret"), "a symlink is not followed: " + linked.excerpt());
        assertEquals(List.of(), linked.artifacts());
    }
}
