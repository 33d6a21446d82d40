package dev.kstreams.bench.peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Process facts from /proc (Linux only; silently absent elsewhere). */
final class Proc {
    private Proc() {
    }

    /** VmHWM (peak resident set size) of this JVM in kB, or -1 when /proc is not readable. */
    static long peakRssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc not mounted
        }
        return -1;
    }

    /** Prints "kstreams-bench-peer: peak_rss_kb=N" (VmHWM) on stderr when it can be read. */
    static void printPeakRss() {
        long kb = peakRssKb();
        if (kb >= 0) {
            System.err.println("kstreams-bench-peer: peak_rss_kb=" + kb + " (VmHWM, " + (kb / 1024) + " MiB)");
            System.err.flush();
        }
    }
}
