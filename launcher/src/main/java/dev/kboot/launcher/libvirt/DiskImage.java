package dev.kboot.launcher.libvirt;

import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.bootspec.Closure;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The read-only disk image a domain boots from, found from what the user named, with its format
 * and virtual size.
 *
 * <p>RESULT may be: the image file itself ({@code *.qcow2}, or a raw {@code *.img}/{@code *.raw});
 * an image output directory holding one image (NixOS's make-disk-image leaves
 * {@code nixos.qcow2} in {@code $out}); or a NixOS toplevel (it has {@code boot.json}) whose
 * image output is beside it, as {@code <RESULT>-image} (e.g. {@code result} and
 * {@code result-image}). Symlinks are resolved, so the overlay's backing file is the store path
 * itself.
 *
 * @param path        the image, absolute and real
 * @param format      "qcow2" or "raw"
 * @param virtualSize the disk's size as the guest sees it, in bytes
 * @param closure     the toplevel it was found from, if any (for the label and toplevel)
 */
public record DiskImage(Path path, String format, long virtualSize, Optional<Closure> closure) {
    private static final int QCOW_MAGIC = 0x514649fb; // "QFI\xfb", QEMU docs/interop/qcow2.txt

    /**
     * @param result what the user named
     * @return the image
     * @throws KbootException 66 when nothing is there or no image is found (saying where kboot
     *                        looked), 65 when a file is neither qcow2 nor a raw disk
     */
    public static DiskImage find(Path result) {
        if (!Files.exists(result)) {
            throw KbootException.missing("image or closure", result);
        }
        Optional<Closure> closure = Optional.empty();
        Path image = result;
        if (Files.isDirectory(result)) {
            Optional<Path> inside = single(result);
            if (inside.isEmpty() && Files.exists(result.resolve("boot.json"))) {
                closure = Optional.of(Closure.resolve(result, null, null));
                Path beside = result.resolveSibling(result.getFileName() + "-image");
                inside = Files.isDirectory(beside) ? single(beside) : Optional.empty();
                if (inside.isEmpty()) {
                    throw KbootException.missing("disk image of the toplevel " + result
                            + " (looked for " + beside + "/*.qcow2, the image output beside it; or name the image itself, or use --imageless)", beside);
                }
            } else if (inside.isEmpty()) {
                throw KbootException.missing("disk image (*.qcow2, *.img or *.raw) in the directory", result);
            }
            image = inside.get();
        }
        try {
            image = image.toRealPath();
        } catch (IOException e) {
            throw KbootException.missing("disk image", image);
        }
        return inspect(image, closure);
    }

    private static Optional<Path> single(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> images = s.filter(p -> {
                String n = p.getFileName().toString();
                return Files.isRegularFile(p) && (n.endsWith(".qcow2") || n.endsWith(".img") || n.endsWith(".raw"));
            }).sorted().toList();
            return images.size() == 1 ? Optional.of(images.get(0)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Reads the format and virtual size: a qcow2 header (magic, version 2 or 3, size at byte 24,
     * big-endian; QEMU docs/interop/qcow2.txt), else a raw disk whose size is its length.
     */
    static DiskImage inspect(Path image, Optional<Closure> closure) {
        try (InputStream in = Files.newInputStream(image)) {
            byte[] h = in.readNBytes(32);
            ByteBuffer b = ByteBuffer.wrap(h);
            if (h.length >= 32 && b.getInt(0) == QCOW_MAGIC) {
                int version = b.getInt(4);
                if (version != 2 && version != 3) {
                    throw KbootException.badInput(image, null, "a qcow2 image of version 2 or 3, found version " + version);
                }
                return new DiskImage(image, "qcow2", b.getLong(24), closure);
            }
            String n = image.getFileName().toString();
            if (n.endsWith(".qcow2")) {
                throw KbootException.badInput(image, null, "a qcow2 image (magic QFI\\xfb), found something else");
            }
            long size = Files.size(image);
            if (size == 0 || size % 512 != 0) {
                throw KbootException.badInput(image, null, "a raw disk image (a multiple of 512 bytes), found " + size + " bytes");
            }
            return new DiskImage(image, "raw", size, closure);
        } catch (IOException e) {
            throw KbootException.missing("readable disk image (" + e.getMessage() + ")", image);
        }
    }
}
