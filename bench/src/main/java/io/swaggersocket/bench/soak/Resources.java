package io.swaggersocket.bench.soak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Immutable: one process's heap after a full GC, threads and file descriptors. The heap comes from
 * {@code jcmd PID GC.class_histogram} (which runs a full GC first and totals the live objects), the
 * rest from {@code /proc/PID}.
 *
 * @param heap    live bytes after a full GC, or -1 when jcmd could not say
 * @param threads the {@code Threads:} line of {@code /proc/PID/status}
 * @param fds     the entries of {@code /proc/PID/fd}
 */
record Resources(long heap, int threads, int fds) {
    /** Bound on one jcmd. */
    private static final int JCMD_SECONDS = 60;

    static Resources of(long pid, boolean withHeap) throws IOException, InterruptedException {
        long heap = withHeap ? liveHeap(pid) : -1;
        int threads = 0;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Threads:")) {
                threads = Integer.parseInt(line.substring(8).trim());
            }
        }
        int fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds = (int) s.count();
        }
        return new Resources(heap, threads, fds);
    }

    private static long liveHeap(long pid) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("jcmd", Long.toString(pid), "GC.class_histogram").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(JCMD_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        // the last line: "Total   INSTANCES   BYTES"
        java.util.List<String> lines = out.lines().toList();
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i);
            if (line.startsWith("Total")) {
                String[] f = line.trim().split("\\s+");
                return Long.parseLong(f[2]);
            }
        }
        return -1;
    }

    /** The sum of two samples (threads and fds of several agents; heap -1 unless both have one). */
    Resources plus(Resources o) {
        return new Resources(heap < 0 || o.heap < 0 ? -1 : heap + o.heap, threads + o.threads, fds + o.fds);
    }

    /**
     * What grew more than 10 % above {@code base}, or "" if nothing did. An allowance of 1 MiB of heap,
     * 2 threads and 2 descriptors keeps single transient objects (a thread between two tasks, an ingress
     * keep-alive connection not yet timed out) from deciding a 1-minute run alone.
     */
    String growthOver(Resources base, String who) {
        StringBuilder b = new StringBuilder();
        if (heap >= 0 && base.heap >= 0 && heap > base.heap * 1.10 + (1 << 20)) {
            b.append(String.format(Locale.ROOT, "%s heap after GC %.1f MiB > 110 %% of %.1f MiB; ", who,
                    heap / 1048576.0, base.heap / 1048576.0));
        }
        if (threads > base.threads * 1.10 + 2) {
            b.append(who).append(" threads ").append(threads).append(" > 110 % of ").append(base.threads).append("; ");
        }
        if (fds > base.fds * 1.10 + 2) {
            b.append(who).append(" file descriptors ").append(fds).append(" > 110 % of ").append(base.fds).append("; ");
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "heap %s, %d threads, %d fds",
                heap < 0 ? "-" : String.format(Locale.ROOT, "%.1f MiB", heap / 1048576.0), threads, fds);
    }
}
