package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The swaggersocket command as a real process: a JVM of its own running {@link Main} on this
 * test's class path (the classes the jar is shaded from), output and error merged and read line by
 * line. Every wait is bounded; {@link #close} destroys the process (SIGTERM, then SIGKILL).
 */
final class CliProcess implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> unread = new LinkedBlockingQueue<>();
    private final List<String> all = new CopyOnWriteArrayList<>();

    private CliProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    all.add(line);
                    unread.add(line);
                }
            } catch (IOException ended) {
                // the process ended
            }
        }, "cli-process-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code swaggersocket ARGS} with {@code env} added to (and SWAGGERSOCKET_* removed from) this one's. */
    static CliProcess start(Map<String, String> env, String... args) throws IOException {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith(Settings.ENV_PREFIX));
        builder.environment().putAll(env);
        return new CliProcess(builder.start());
    }

    /** Runs {@code command} (a launcher script, say) with {@code env} added to (and SWAGGERSOCKET_* removed from) this one's. */
    static CliProcess exec(Map<String, String> env, List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith(Settings.ENV_PREFIX));
        builder.environment().putAll(env);
        return new CliProcess(builder.start());
    }

    /** Skips lines until one matches; fails if none comes within {@code seconds}. */
    String await(Predicate<String> match, String what, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            String line = unread.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("no line " + what + " within " + seconds + " s; the process printed " + all);
            }
            if (match.test(line)) {
                return line;
            }
        }
    }

    String awaitContaining(String part) throws InterruptedException {
        return await(l -> l.contains(part), "containing \"" + part + "\"", 30);
    }

    /** Waits for the exit (at most {@code seconds}) and returns the status. */
    int exit(int seconds) throws InterruptedException {
        assertTrue(process.waitFor(seconds, TimeUnit.SECONDS), "the process ended within " + seconds + " s: " + all);
        return process.exitValue();
    }

    /** SIGTERM, as systemd and docker stop send it. */
    void terminate() {
        process.destroy();
    }

    List<String> lines() {
        return List.copyOf(all);
    }

    String output() {
        return String.join("\n", all);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
