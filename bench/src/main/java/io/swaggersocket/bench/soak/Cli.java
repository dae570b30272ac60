package io.swaggersocket.bench.soak;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Starts {@code swaggersocket} commands from the CLI jar as users run them, each its own JVM, its
 * output appended to a log file (and each line handed to a watcher). Stateless.
 */
final class Cli {
    private Cli() {
    }

    /**
     * Starts {@code java OPTS -jar JAR ARGS} through perl, which sets SIGHUP back to its default first: a
     * SIGHUP ignored by whoever started the soak (nohup) would stay ignored in the child, and the server's
     * reload on SIGHUP could not be exercised. {@code exec} keeps the pid.
     */
    static Process start(Path jar, String jvmOpts, List<String> args, String token, Path log, Consumer<String> watcher)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("perl", "-e", "$SIG{HUP} = 'DEFAULT'; exec @ARGV or die $!"));
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String o : jvmOpts.trim().split("\\s+")) {
            if (!o.isEmpty()) {
                cmd.add(o);
            }
        }
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (token != null) {
            pb.environment().put("SWAGGERSOCKET_TOKEN", token); // never on the command line, where ps shows it
        }
        Process p = pb.start();
        Thread t = new Thread(() -> follow(p, log, watcher), "soak-out-" + log.getFileName());
        t.setDaemon(true);
        t.start();
        return p;
    }

    private static void follow(Process p, Path log, Consumer<String> watcher) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8,
                     StandardOpenOption.CREATE, StandardOpenOption.APPEND), true)) {
            out.println("---- pid " + p.pid() + " started");
            for (String line; (line = in.readLine()) != null; ) {
                out.println(line);
                watcher.accept(line);
            }
            out.println("---- pid " + p.pid() + " ended");
        } catch (IOException ignored) {
            // the process ended, or the log cannot be written: the soak goes on without it
        }
    }

    /** SIGKILL, and waits (up to 30 s) until the process is gone. */
    static void kill9(Process p) throws InterruptedException {
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("pid " + p.pid() + " still runs 30 s after SIGKILL");
        }
    }

    /** SIGTERM (a graceful drain), up to 40 s (the 30 s grace period and some), then SIGKILL. */
    static void stop(Process p) throws InterruptedException {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        if (!p.waitFor(40, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** {@code kill -SIGNAL pid}, waiting (up to 10 s) for kill itself. */
    static void signal(long pid, String signal) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
        if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed: "
                    + new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }
}
