package dev.kboot.launcher.doctor;

import dev.kboot.launcher.kernel.KernelImage;
import dev.kboot.launcher.kernel.VmlinuxCache;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * A kernel's build configuration (Kconfig's {@code .config} format: {@code CONFIG_X=y}, {@code =m},
 * {@code ="text"}, {@code # CONFIG_X is not set}) and where it was found.
 *
 * <p>Looked for, in order: the config embedded in the kernel image (CONFIG_IKCONFIG: a gzip stream
 * between the markers {@code IKCFG_ST} and {@code IKCFG_ED}, kernel/configs.c, as
 * scripts/extract-ikconfig finds it; in a bzImage it is inside the compressed payload);
 * {@code config-RELEASE} or {@code config} beside the image (a distribution's /boot, a NixOS-style
 * kernel package), {@code ../boot/config-RELEASE}; the build tree's {@code .config} (beside a
 * vmlinux, or three levels above {@code arch/x86/boot/bzImage}).
 *
 * @param options option name ({@code CONFIG_VIRTIO_FS}) to value ({@code y}, {@code m}, a number or
 *                a quoted string); options that are "not set" are absent
 * @param source  where it was read from, for messages ({@code /boot/config-6.1.0-57-amd64},
 *                {@code IKCONFIG in bzImage})
 */
public record KernelConfig(Map<String, String> options, String source) {
    private static final byte[] START = "IKCFG_ST".getBytes(StandardCharsets.US_ASCII);

    /** Copies the map. */
    public KernelConfig {
        options = Map.copyOf(options);
    }

    /**
     * @param option {@code VIRTIO_FS} or {@code CONFIG_VIRTIO_FS}
     * @return {@code y}, {@code m}, another value, or {@code n} when not set
     */
    public String value(String option) {
        return options.getOrDefault(option.startsWith("CONFIG_") ? option : "CONFIG_" + option, "n");
    }

    /**
     * Parses a {@code .config} text. Lines that are neither assignments nor "is not set" comments
     * are ignored.
     *
     * @param text   the config
     * @param source where it came from
     * @return the config
     */
    public static KernelConfig parse(String text, String source) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.startsWith("CONFIG_") && l.indexOf('=') > 0) {
                String value = l.substring(l.indexOf('=') + 1);
                if (!value.equals("n")) {
                    m.put(l.substring(0, l.indexOf('=')), value);
                }
            }
        }
        return new KernelConfig(m, source);
    }

    /**
     * Finds the configuration of a kernel image (see the class comment for where).
     *
     * @param image the inspected kernel image
     * @return the config, or empty when none of the places has one
     */
    public static Optional<KernelConfig> find(KernelImage image) {
        Optional<String> embedded = embedded(image);
        if (embedded.isPresent()) {
            return Optional.of(parse(embedded.get(), "IKCONFIG in " + image.path()));
        }
        for (Path p : candidates(image.path(), image.release())) {
            if (Files.isRegularFile(p)) {
                try {
                    String text = Files.readString(p, StandardCharsets.ISO_8859_1);
                    if (text.contains("CONFIG_")) {
                        return Optional.of(parse(text, p.toString()));
                    }
                } catch (IOException e) {
                    // unreadable: try the next place
                }
            }
        }
        return Optional.empty();
    }

    /** @return the files that may hold the config of the kernel at {@code kernel}, in order */
    static List<Path> candidates(Path kernel, String release) {
        Path abs = kernel.toAbsolutePath();
        Path dir = abs.getParent();
        List<Path> out = new ArrayList<>();
        out.add(dir.resolve("config-" + release));
        out.add(dir.resolve("config"));
        if (dir.getParent() != null) {
            out.add(dir.getParent().resolve("boot").resolve("config-" + release));
        }
        out.add(dir.resolve(".config"));
        if (dir.endsWith(Path.of("arch/x86/boot")) && dir.getParent().getParent().getParent() != null) {
            out.add(dir.getParent().getParent().getParent().resolve(".config"));
        }
        return out;
    }

    /** @return the IKCONFIG text embedded in the image, or empty */
    static Optional<String> embedded(KernelImage image) {
        Optional<Path> elf = new VmlinuxCache(dev.kboot.launcher.ToolProbe.cacheDir().resolve("vmlinux")).cached(image);
        try (InputStream in = elf.isPresent() ? Files.newInputStream(elf.get()) : VmlinuxCache.openUncompressed(image)) {
            return in == null ? Optional.empty() : extractIkconfig(in);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Finds {@code IKCFG_ST} in an uncompressed kernel (or a {@code configs.ko}) and inflates the gzip
     * stream that follows it (kernel/configs.c; scripts/extract-ikconfig).
     *
     * @param in the bytes, read once
     * @return the config text, or empty when there is no marker or no gzip stream after it
     * @throws IOException when reading fails
     */
    public static Optional<String> extractIkconfig(InputStream in) throws IOException {
        InputStream b = new BufferedInputStream(in, 1 << 16);
        int matched = 0;
        for (int c; (c = b.read()) >= 0; ) {
            if (c == START[matched]) {
                matched++;
                if (matched == START.length) {
                    try {
                        ByteArrayOutputStream out = new ByteArrayOutputStream();
                        new GZIPInputStream(b).transferTo(out);
                        return Optional.of(out.toString(StandardCharsets.ISO_8859_1));
                    } catch (IOException e) {
                        // "IKCFG_ST" in some other text (the markers' own definition): keep looking
                        matched = 0;
                    }
                }
            } else {
                matched = c == START[0] ? 1 : 0;
            }
        }
        return Optional.empty();
    }
}
