package dev.kboot.launcher;

/**
 * Every exit status the {@code kboot} command can end with, decided in this one place. The
 * README's table of exit codes is generated from the same meanings and is the contract with
 * scripts and CI; the numbers follow sysexits(3) for input and environment faults, timeout(1)
 * for 124, and kci-dev/tuxrun for the test verdicts 0, 1 and 2.
 */
public enum ExitCode {
    /** The guest powered off (kboot run) or no regression/failure (kboot test). */
    OK(0, "success: the guest powered off, or the verdict found no regression"),
    /** kboot test: a regression, or without a baseline any failure; kboot doctor: a check failed. */
    FAILED(1, "kboot test: a regression (with --baseline) or a failure (without); kboot doctor: a check failed"),
    /** kboot test: the run is incomplete (boot failure, crash, tests never reached). */
    INCOMPLETE(2, "kboot test: incomplete run (boot failure, crash, tests never reached, a suite that produced nothing)"),
    /** Bad command line: unknown option, bad value, missing argument. */
    USAGE(64, "usage error: unknown option, bad value or missing argument"),
    /** A malformed input file or field (boot.json, expunges, results). */
    DATA(65, "malformed input: boot.json, an expunge file or a results file (the message names file, key and what was expected)"),
    /** A named input file does not exist or cannot be read. */
    NO_INPUT(66, "a named input (closure, kernel, initrd, modules, image; a libvirt domain, network, pool or volume) is missing or unreadable"),
    /** qemu, virtiofsd, libvirt (or the accelerator asked for) is missing or unusable. */
    UNAVAILABLE(69, "qemu, virtiofsd, libvirt (daemon, connection, network) or the requested accelerator is missing or unusable"),
    /** The results cannot be written: --results unwritable, or its disk full (what was written is kept). */
    CANT_CREATE(73, "the results cannot be written (--results unwritable or its disk full); what was written before is kept"),
    /** libvirt refused a definition or an operation. */
    REFUSED(78, "libvirt refused a definition or operation (a name held by another UUID, XML or a setting it does not support); the message names libvirt's error code"),
    /** The run hit --timeout (kboot run) ; the last console lines are printed. */
    TIMEOUT(124, "the run hit --timeout; the last 50 console lines are printed"),
    /** kboot's own failure (a bug or an unexpected host error). */
    INTERNAL(125, "kboot's own failure (a bug or an unexpected host error)"),
    /** Interrupted by SIGINT (Ctrl-C) or SIGTERM; everything started was stopped. */
    INTERRUPTED(130, "interrupted by Ctrl-C or SIGTERM; everything kboot started was stopped first"),
    /** The guest kernel panicked or the guest died unexpectedly. */
    GUEST_CRASH(255, "kernel panic or the guest dying unexpectedly; the panic excerpt is printed");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    /** @return the numeric process exit status, 0-255 */
    public int code() {
        return code;
    }

    /** @return one line describing when kboot ends with this status */
    public String meaning() {
        return meaning;
    }
}
