package dev.kboot.launcher.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kboot.launcher.kernel.KernelImage;
import dev.kboot.launcher.kernel.KernelInspector;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kconfig preflight on the real Debian kernel of the sample closure (its config, modules
 * directory and the closure's initrd), and on configs and initrds made from them in the test.
 */
class KernelPreflightIT {
    static final Path SAMPLE = Paths.get(System.getProperty("kboot.sample", "../.cache/sample/result"));
    static Path kernelPackage;
    static Path initrd;
    static KernelImage image;

    @TempDir
    Path dir;

    @BeforeAll
    static void sample() throws Exception {
        assertTrue(Files.exists(SAMPLE.resolve("boot.json")), "the sample closure is built (sample/build-closure.sh): " + SAMPLE);
        Path store = SAMPLE.toRealPath().getParent();
        kernelPackage = store.resolve(Path.of(Files.readSymbolicLink(SAMPLE.resolve("kernel")).toString()).getParent().getFileName());
        initrd = store.resolve(Path.of(Files.readSymbolicLink(SAMPLE.resolve("initrd")).toString()).getParent().getFileName()).resolve("initrd");
        image = KernelInspector.inspect(kernelPackage.resolve("bzImage"));
    }

    private static Map<String, Check> byName(List<Check> checks) {
        return checks.stream().collect(Collectors.toMap(Check::name, c -> c, (a, b) -> a));
    }

    @Test
    void theDebianKernelWithTheSampleInitrdPasses() {
        List<Check> checks = KernelPreflight.check(image, kernelPackage.resolve("lib/modules"), initrd);
        assertEquals(List.of(), checks.stream().filter(c -> c.level() != Check.Level.OK).toList(), checks.toString());
        Map<String, Check> c = byName(checks);
        assertTrue(c.get("kernel config").detail().contains(kernelPackage.resolve("config").toString()), c.get("kernel config").toString());
        assertEquals("=m: virtiofs.ko is in the initrd", c.get("CONFIG_VIRTIO_FS").detail(), "Debian builds virtiofs as a module");
        assertEquals("=m: virtio_pci.ko is in the initrd", c.get("CONFIG_VIRTIO_PCI").detail());
        assertEquals("=y: built in", c.get("CONFIG_SERIAL_8250_CONSOLE").detail());
    }

    @Test
    void aConfigLackingVirtioFsFailsNamingTheOption() throws Exception {
        Files.copy(kernelPackage.resolve("bzImage"), dir.resolve("bzImage"));
        String config = Files.readString(kernelPackage.resolve("config"));
        assertTrue(config.contains("\nCONFIG_VIRTIO_FS=m\n"));
        Files.writeString(dir.resolve("config-" + image.release()), config.replace("\nCONFIG_VIRTIO_FS=m\n", "\n# CONFIG_VIRTIO_FS is not set\n"));
        List<Check> checks = KernelPreflight.check(KernelInspector.inspect(dir.resolve("bzImage")), kernelPackage.resolve("lib/modules"), initrd);
        Check fs = byName(checks).get("CONFIG_VIRTIO_FS");
        assertEquals(Check.Level.FAIL, fs.level(), checks.toString());
        assertEquals(List.of("CONFIG_VIRTIO_FS is not set: needed for the store and modules shares"), KernelPreflight.failures(checks));
        assertEquals("set CONFIG_VIRTIO_FS=y", fs.fix());
        assertTrue(byName(checks).get("kernel config").detail().contains("config-" + image.release()), "the file beside the kernel is read first");
    }

    /** The Debian config with some lines replaced: what a kernel built without those options would have. */
    private List<Check> checkConfigWith(Map<String, String> replacements, dev.kboot.launcher.qemu.Machine machine) throws Exception {
        String config = Files.readString(kernelPackage.resolve("config"));
        for (Map.Entry<String, String> e : replacements.entrySet()) {
            assertTrue(config.contains("\n" + e.getKey() + "\n"), e.getKey());
            config = config.replace("\n" + e.getKey() + "\n", "\n" + e.getValue() + "\n");
        }
        return KernelPreflight.check(image.release(), KernelConfig.parse(config, "test"), ModulesIndex.read(kernelPackage.resolve("lib/modules"), image.release()),
                InitrdModules.read(initrd), machine);
    }

    @Test
    void microvmNeedsAcpiForItsPciHostBridgeAndQ35DoesNot() throws Exception {
        Map<String, String> noAcpi = Map.of("CONFIG_ACPI=y", "# CONFIG_ACPI is not set", "CONFIG_PCI_MMCONFIG=y", "# CONFIG_PCI_MMCONFIG is not set");
        List<Check> microvm = checkConfigWith(noAcpi, dev.kboot.launcher.qemu.Machine.MICROVM);
        assertEquals(List.of("CONFIG_ACPI is not set: needed for microvm's PCIe host bridge, described only in ACPI tables",
                "CONFIG_PCI_MMCONFIG is not set: needed for microvm's PCI config space (ECAM, from ACPI's MCFG; microvm has no 0xCF8 ports)"),
                KernelPreflight.failures(microvm));
        assertEquals("set CONFIG_ACPI=y, or boot with --machine q35", byName(microvm).get("CONFIG_ACPI").fix());
        List<Check> q35 = checkConfigWith(noAcpi, dev.kboot.launcher.qemu.Machine.Q35);
        assertEquals(List.of(), KernelPreflight.failures(q35), "q35 finds PCI through its 0xCF8 ports");
        assertEquals(null, byName(q35).get("CONFIG_ACPI"));
        assertEquals(Check.Level.OK, byName(KernelPreflight.check(image, kernelPackage.resolve("lib/modules"), initrd, dev.kboot.launcher.qemu.Machine.MICROVM))
                .get("CONFIG_ACPI").level(), "the Debian kernel has ACPI");
    }

    @Test
    void virtioMmioDoesNotStandInForVirtioPci() throws Exception {
        List<Check> checks = checkConfigWith(Map.of("CONFIG_VIRTIO_PCI=m", "# CONFIG_VIRTIO_PCI is not set", "CONFIG_VIRTIO_MMIO=m", "CONFIG_VIRTIO_MMIO=y"),
                dev.kboot.launcher.qemu.Machine.MICROVM);
        Check pci = byName(checks).get("CONFIG_VIRTIO_PCI");
        assertEquals(Check.Level.FAIL, pci.level());
        assertTrue(pci.fix().contains("CONFIG_VIRTIO_MMIO does not serve: kboot's devices are virtio-pci on microvm too"), pci.fix());
    }

    @Test
    void whatTheGuestAgentNeedsIsChecked() throws Exception {
        List<Check> checks = checkConfigWith(Map.of("CONFIG_SYSFS=y", "# CONFIG_SYSFS is not set", "CONFIG_MEMFD_CREATE=y", "# CONFIG_MEMFD_CREATE is not set",
                "CONFIG_SIGNALFD=y", "# CONFIG_SIGNALFD is not set"), null);
        Map<String, Check> c = byName(checks);
        assertEquals(Check.Level.FAIL, c.get("CONFIG_SYSFS").level());
        assertTrue(c.get("CONFIG_SYSFS").detail().contains("/sys/class/virtio-ports"), c.get("CONFIG_SYSFS").detail());
        assertEquals(Check.Level.FAIL, c.get("CONFIG_SIGNALFD").level());
        assertEquals(Check.Level.WARN, c.get("CONFIG_MEMFD_CREATE").level(), "only commands over 128 KiB need it");
        for (String option : List.of("CONFIG_VIRTIO_CONSOLE", "CONFIG_UNIX98_PTYS", "CONFIG_PROC_FS")) {
            assertEquals(Check.Level.OK, c.get(option).level(), option);
        }
    }

    @Test
    void aModuleTheInitrdDoesNotHoldFailsWithItsDependencies() throws Exception {
        Path without = dir.resolve("initrd");
        rewriteWithout(initrd, without, "virtio_ring.ko");
        List<Check> checks = KernelPreflight.check(image, kernelPackage.resolve("lib/modules"), without);
        List<String> failures = KernelPreflight.failures(checks);
        assertTrue(failures.contains("CONFIG_VIRTIO_FS=m, but the closure's initrd lacks virtio_ring.ko: needed in stage 1 for the store and modules shares"),
                "virtiofs needs virtio_ring (modules.dep): " + failures);
        assertTrue(failures.stream().anyMatch(f -> f.startsWith("CONFIG_VIRTIO_PCI=m")), failures.toString());
    }

    @Test
    void anotherKernelReleaseCannotUseTheClosuresInitrdModules() {
        String release = "6.1.999-kboot-test";
        KernelConfig config = KernelConfig.parse("CONFIG_VIRTIO_PCI=m\nCONFIG_FUSE_FS=y\nCONFIG_VIRTIO_FS=m\n", "test");
        List<Check> checks = KernelPreflight.check(release, config, ModulesIndex.none(), InitrdModules.read(initrd));
        Check fs = byName(checks).get("CONFIG_VIRTIO_FS");
        assertEquals(Check.Level.FAIL, fs.level());
        assertTrue(fs.detail().contains("it holds virtiofs.ko for " + image.release() + ", not " + release), "read from the module's vermagic: " + fs.detail());
        assertEquals("=y: built in", byName(checks).get("CONFIG_FUSE_FS").detail());
    }

    @Test
    void theInitrdsModulesAreListedWithTheirRelease() {
        InitrdModules m = InitrdModules.read(initrd);
        assertEquals("", m.note());
        for (String mod : List.of("virtio", "virtio_ring", "virtio_pci", "virtio_console", "fuse", "virtiofs")) {
            assertEquals(Optional.of(image.release()), m.releaseOf(mod), mod);
        }
    }

    @Test
    void withoutAConfigTheModulesDirectoryDecides() {
        ModulesIndex index = ModulesIndex.read(kernelPackage.resolve("lib/modules"), image.release());
        List<Check> checks = KernelPreflight.check(image.release(), null, index, InitrdModules.read(initrd));
        Map<String, Check> c = byName(checks);
        assertEquals(Check.Level.OK, c.get("CONFIG_VIRTIO_FS").level(), "virtiofs is in modules.dep and the initrd");
        assertEquals(Check.Level.WARN, c.get("CONFIG_TMPFS").level(), "a bool option is unknown without a config");
        assertTrue(index.withDependencies("virtiofs").containsAll(List.of("fuse", "virtio", "virtio_ring", "virtiofs")), index.withDependencies("virtiofs").toString());
    }

    @Test
    void anEmbeddedIkconfigIsFound() throws Exception {
        // kernel/configs.c: "IKCFG_ST" + the gzipped .config + "IKCFG_ED", somewhere in the kernel.
        String config = Files.readString(kernelPackage.resolve("config"));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(gz)) {
            o.write(config.getBytes(StandardCharsets.ISO_8859_1));
        }
        ByteArrayOutputStream kernel = new ByteArrayOutputStream();
        kernel.write(Files.readAllBytes(kernelPackage.resolve("bzImage")), 0, 100_000);
        kernel.write("IKCFG_ST".getBytes(StandardCharsets.US_ASCII));
        kernel.write(gz.toByteArray());
        kernel.write("IKCFG_ED".getBytes(StandardCharsets.US_ASCII));
        kernel.write(new byte[4096]);
        Optional<String> found = KernelConfig.extractIkconfig(new ByteArrayInputStream(kernel.toByteArray()));
        assertEquals(Optional.of(config), found);
        assertEquals("m", KernelConfig.parse(found.get(), "x").value("VIRTIO_FS"));
        assertEquals(Optional.empty(), KernelConfig.extractIkconfig(new ByteArrayInputStream(config.getBytes(StandardCharsets.ISO_8859_1))));
        assertEquals(Optional.empty(), KernelConfig.embedded(image), "Debian's kernel has CONFIG_IKCONFIG unset: " + image.path());
    }

    /** Copies a gzipped newc initrd without the entries whose name ends with {@code suffix}. */
    static void rewriteWithout(Path from, Path to, String suffix) throws Exception {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(from));
             CpioArchiveInputStream cin = new CpioArchiveInputStream(in);
             CpioArchiveOutputStream cout = new CpioArchiveOutputStream(new GZIPOutputStream(Files.newOutputStream(to)))) {
            for (CpioArchiveEntry e; (e = cin.getNextCPIOEntry()) != null; ) {
                if (e.getName().endsWith(suffix)) {
                    continue;
                }
                byte[] data = cin.readAllBytes();
                cout.putArchiveEntry(e);
                cout.write(data);
                cout.closeArchiveEntry();
            }
        }
        try (Stream<Path> s = Stream.of(to)) {
            assertTrue(s.allMatch(Files::isRegularFile));
        }
    }
}
