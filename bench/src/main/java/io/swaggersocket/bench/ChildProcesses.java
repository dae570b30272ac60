package io.swaggersocket.bench;

import static io.swaggersocket.bench.Bench.log;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The harness's child processes: starting a child JVM and reading its answers, following a child's
 * output, stopping it, and the CPU a process (and its children) spent, from /proc/PID/stat.
 */
final class ChildProcesses {
    private ChildProcesses() {
    }

    static Process childJvm(Class<?> main, String jvmOpts, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xmx2g");
        String logging = System.getProperty("java.util.logging.config.file");
        if (logging != null) {
            cmd.add("-Djava.util.logging.config.file=" + logging);
        }
        for (String o : jvmOpts.trim().split("\\s+")) {
            if (!o.isEmpty()) {
                cmd.add(o);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** The next line a child JVM answered, skipping the JVM's own log lines ("[0.8s][info][jfr]..."). */
    static String reply(BufferedReader in) throws IOException {
        for (String line; (line = in.readLine()) != null; ) {
            if (!line.startsWith("[")) {
                return line;
            }
        }
        return null;
    }

    /** Ends a child: SIGTERM (a graceful close), up to 40 s, then SIGKILL. */
    static void stop(Process p) {
        try {
            if (p.isAlive()) {
                p.destroy();
                if (!p.waitFor(40, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** utime + stime of a process (all its threads), in clock ticks, from /proc/PID/stat. */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // fields after the command name in parentheses (which may hold spaces): state is field 3
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
    }

    /** The same for a process and its children (nginx: the master and its worker). */
    static long cpuTicksWithChildren(long pid) throws IOException {
        long ticks = cpuTicks(pid);
        for (ProcessHandle child : ProcessHandle.of(pid).map(h -> h.children().toList()).orElse(List.of())) {
            ticks += cpuTicks(child.pid());
        }
        return ticks;
    }

    private static long clockTicks;

    static synchronized long clockTicks() {
        if (clockTicks == 0) {
            clockTicks = 100; // Linux's USER_HZ nearly everywhere; getconf says for sure
            try {
                Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
                if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    clockTicks = Long.parseLong(out);
                }
            } catch (Exception ignored) {
                // keep 100
            }
        }
        return clockTicks;
    }

    /** A child's stdout, line by line: echoed to stderr and kept for {@link #await}. */
    static final class LineQueue {
        private static final String EOF = "\u0000EOF";
        private final String name;
        private final java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();

        LineQueue(String name) {
            this.name = name;
        }

        void follow(Process p) {
            Thread t = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        log("  " + name + ": " + line);
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the process ended
                } finally {
                    lines.add(EOF);
                }
            }, "w7-" + name + "-out");
            t.setDaemon(true);
            t.start();
        }

        /** The first line (from now on) that {@code match} accepts, waiting up to {@code seconds}. */
        String await(java.util.function.Predicate<String> match, int seconds) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            for (long left; (left = deadline - System.nanoTime()) > 0; ) {
                String line = lines.poll(left, TimeUnit.NANOSECONDS);
                if (line == null) {
                    break;
                }
                if (line.equals(EOF)) {
                    throw new IOException(name + " ended before it printed the line awaited");
                }
                if (match.test(line)) {
                    return line;
                }
            }
            throw new IOException(name + " did not print the line awaited within " + seconds + " s");
        }
    }
}
