package dev.kboot.launcher.console;

/**
 * One line of guest console output.
 *
 * @param index     0-based position in the merged console stream
 * @param source    which console it came from: {@code ttyS0} (serial) or {@code hvc0} (virtio console)
 * @param elapsedMs when it started arriving, in ms since the run started
 * @param text      the line without its line ending, decoded as UTF-8 (invalid bytes replaced)
 */
public record ConsoleLine(long index, String source, long elapsedMs, String text) {
}
