package io.swaggersocket.bench;

import static io.swaggersocket.bench.Bench.log;
import static io.swaggersocket.bench.ChildProcesses.clockTicks;
import static io.swaggersocket.bench.ChildProcesses.cpuTicks;
import static io.swaggersocket.bench.Table.fmt0;
import static io.swaggersocket.bench.Table.noise;
import static io.swaggersocket.bench.Table.ratio;
import static io.swaggersocket.bench.Table.row;

import io.swaggersocket.bench.ChildProcesses.LineQueue;
import io.undertow.Undertow;
import io.undertow.util.Headers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Workload 8: start-up and warm-up of the CLI jar, as users start it: {@code swaggersocket server}
 * and then {@code swaggersocket agent --forward} (to a 6-byte upstream on Undertow in this JVM), each a new JVM,
 * the ingress polled until it answers 200 (time to first call, from the server's process start);
 * then a fixed load of {@link #CALLERS} keep-alive callers on the ingress, counted in 1-second slices,
 * until the rate stays within 10 % of its final rate for 3 slices (time to steady state). Each repeat
 * starts both JVMs once without and once with the jar's class-data-sharing archive
 * ({@code -XX:SharedArchiveFile}), alternating.
 */
final class StartupWorkload {
    /** The load of the warm-up phase: a few sequential callers, each on its own keep-alive connection. */
    static final int CALLERS = 4;
    /** Steady: 3 consecutive 1-second slices within 10 % of the final rate (the mean of the last 3). */
    static final int STEADY_SLICES = 3;
    static final double STEADY_TOLERANCE = 0.10;
    /** Bound on each start: the server listening, then the first 200 through the tunnel. */
    static final int START_TIMEOUT_SECONDS = 60;
    /** Bound on one poll or one loaded call. */
    static final int CALL_TIMEOUT_MILLIS = 10_000;

    private static final String AGENT = "startup";
    private static final String FILE = "/tiny.txt";
    private static final byte[] BODY = "hello\n".getBytes(StandardCharsets.US_ASCII);

    private final Settings settings;
    private final Path cliJar;
    private final Path archive;
    private final ChildGroup children = new ChildGroup();

    /** {@code archive}: the CDS archive to try, or null for {@code swaggersocket.jsa} beside {@code cliJar}. */
    StartupWorkload(Settings settings, Path cliJar, Path archive) {
        this.settings = settings;
        this.cliJar = cliJar;
        this.archive = archive != null ? archive : cliJar == null ? null : cliJar.resolveSibling("swaggersocket.jsa");
    }

    /** One start: milliseconds to the server's listening line and to the first 200, CPU, the warm-up. */
    private record Start(double listenMs, double firstCallMs, double cpuToFirstCallMs, double steadyMs, boolean steady,
            double firstSliceRps, double finalRps) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "listening %.0f ms, first call %.0f ms (CPU %.0f ms), steady %s%.0f ms,"
                    + " first slice %.0f/s, final %.0f/s", listenMs, firstCallMs, cpuToFirstCallMs, steady ? "" : ">= ", steadyMs,
                    firstSliceRps, finalRps);
        }
    }

    void run() throws Exception {
        String what = "start-up of the CLI jar: server + agent --forward JVMs";
        log("workload 8: " + what);
        if (cliJar == null || !Files.isRegularFile(cliJar)) {
            settings.rows().add(row("8", what, "-", "-", "SKIPPED", "(none set)",
                    "no CLI jar " + cliJar + " (mvn package -pl cli -am)"));
            return;
        }
        String archiveProblem = archiveProblem();
        Undertow upstream = upstream();
        try {
            String upstreamUrl = "http://127.0.0.1:"
                    + ((InetSocketAddress) upstream.getListenerInfo().get(0).getAddress()).getPort();
            List<String> with = List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto");
            int seconds = settings.quick() ? 30 : 60;
            // one start of each, not counted: the jar and the archive in the page cache, as for a second launch
            start(List.of(), upstreamUrl, 3);
            if (archiveProblem == null) {
                start(with, upstreamUrl, 3);
            }
            int repeats = settings.repeats();
            Start[] without = new Start[repeats];
            Start[] withCds = new Start[repeats];
            for (int r = 0; r < repeats; r++) {
                settings.waitForQuiet();
                without[r] = start(List.of(), upstreamUrl, seconds);
                log("  repeat " + (r + 1) + " without the archive: " + without[r]);
                if (archiveProblem == null) {
                    withCds[r] = start(with, upstreamUrl, seconds);
                    log("  repeat " + (r + 1) + " with the archive: " + withCds[r]);
                }
            }
            addRows(what, without, archiveProblem == null ? withCds : null, archiveProblem, seconds);
        } finally {
            upstream.stop();
        }
    }

    /** Why the archive cannot be measured (missing, older than the jar, or refused with -Xshare:on), or null. */
    private String archiveProblem() throws Exception {
        if (archive == null || !Files.isRegularFile(archive)) {
            return "no CDS archive " + archive + " (mvn package -pl cli makes it)";
        }
        if (Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(cliJar)) < 0) {
            return "the CDS archive " + archive + " is older than the jar";
        }
        // -Xshare:on makes a JVM that cannot map the archive exit instead of running without it
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx2g", "-XX:SharedArchiveFile=" + archive, "-Xshare:on",
                "-jar", cliJar.toString(), "--help"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            return "the JVM refused the CDS archive " + archive + ": " + out.lines().findFirst().orElse("");
        }
        return null;
    }

    private void addRows(String what, Start[] without, Start[] with, String archiveProblem, int seconds) {
        List<String[]> rows = settings.rows();
        pairRow(rows, what + ", process start to first 200 through the ingress (ms): without vs with the CDS archive",
                without, with, Start::firstCallMs, archiveProblem == null ? "" : archiveProblem);
        pairRow(rows, "  same, of which the server's start to its listening line (ms)", without, with, Start::listenMs, "");
        pairRow(rows, "  same, CPU of both JVMs until the first call (ms)", without, with, Start::cpuToFirstCallMs, "");
        pairRow(rows, "  time to steady state: " + CALLERS + " callers on the ingress from the first call, 1-s slices within "
                + Math.round(STEADY_TOLERANCE * 100) + " % of the final rate for " + STEADY_SLICES
                + " slices (ms from process start)", without, with, Start::steadyMs, notSteady(without, with, seconds));
        pairRow(rows, "  same, req/s in the first slice", without, with, Start::firstSliceRps, "");
        pairRow(rows, "  same, final req/s (mean of the last " + STEADY_SLICES + " of " + seconds + " slices)", without, with,
                Start::finalRps, "");
        settings.notes().add("Workload 8: `swaggersocket server` then `swaggersocket agent --forward` (" + cliJar.getFileName()
                + ", -Xmx2g), new JVMs each start, the upstream a 6-byte answer from Undertow in the harness; direct column = without"
                + " the CDS archive (the JDK's own default CDS still on), tunnel column = with -XX:SharedArchiveFile="
                + (archive == null ? "-" : archive.getFileName()) + " on both JVMs; ratio = with / without; a steady time"
                + " that never held within the " + seconds + " slices counts as their end (a lower bound)."
                + (with == null ? " The archive was not measured." : ""));
    }

    private static String notSteady(Start[] without, Start[] with, int seconds) {
        long a = java.util.Arrays.stream(without).filter(x -> !x.steady()).count();
        long b = with == null ? 0 : java.util.Arrays.stream(with).filter(x -> !x.steady()).count();
        return a + b == 0 ? "" : "not steady within " + seconds + " s: " + a + " / " + b + " repeats";
    }

    private static void pairRow(List<String[]> rows, String what, Start[] without, Start[] with, ToDoubleFunction<Start> f,
            String note) {
        double[] a = col(without, f);
        if (with == null) {
            rows.add(row("8", what, fmt0(Stats.median(a)), "-", "", "(none set)", noise(a) + (note.isEmpty() ? "" : "; " + note)));
            return;
        }
        double[] b = col(with, f);
        rows.add(row("8", what, fmt0(Stats.median(a)), fmt0(Stats.median(b)), ratio(Stats.median(b) / Stats.median(a)),
                "(none set)", noise(a) + " / " + noise(b) + (note.isEmpty() ? "" : "; " + note)));
    }

    private static double[] col(Start[] starts, ToDoubleFunction<Start> f) {
        double[] out = new double[starts.length];
        for (int i = 0; i < starts.length; i++) {
            out[i] = f.applyAsDouble(starts[i]);
        }
        return out;
    }

    /**
     * Starts the server and the agent (with {@code jvmOpts}), times the first call, runs the load for
     * {@code seconds} 1-second slices, and stops both.
     */
    private Start start(List<String> jvmOpts, String upstreamUrl, int seconds) throws Exception {
        String token = newToken();
        LineQueue serverOut = new LineQueue("w8-server");
        long t0 = System.nanoTime();
        Process srv = cliJvm(jvmOpts, System.getProperty("bench.serverJvmOpts", ""), token, serverOut,
                "server", "--listen", "127.0.0.1:0");
        Process agt = null;
        try {
            String listening = serverOut.await(l -> l.startsWith("swaggersocket server listening:"), START_TIMEOUT_SECONDS);
            double listenMs = (System.nanoTime() - t0) / 1e6;
            Matcher m = Pattern.compile("ingress http://127\\.0\\.0\\.1:(\\d+)/agents/").matcher(listening);
            if (!m.find()) {
                throw new IOException("cannot read the port from: " + listening);
            }
            int port = Integer.parseInt(m.group(1));
            agt = cliJvm(jvmOpts, System.getProperty("bench.agentJvmOpts", ""), token, new LineQueue("w8-agent"),
                    "agent", "--server", "ws://127.0.0.1:" + port + "/tunnel", "--name", AGENT, "--forward", upstreamUrl);
            String path = "/agents/" + AGENT + FILE;
            String auth = "Authorization: Bearer " + token;
            pollUntilOk(port, path, auth, t0, agt);
            double firstCallMs = (System.nanoTime() - t0) / 1e6;
            double cpuMs = (cpuTicks(srv.pid()) + cpuTicks(agt.pid())) * 1000.0 / clockTicks();
            double[] slices = load(port, path, auth, seconds);
            double finalRps = 0;
            for (int i = slices.length - STEADY_SLICES; i < slices.length; i++) {
                finalRps += slices[i] / STEADY_SLICES;
            }
            int steady = steadySlice(slices, finalRps);
            StringBuilder trace = new StringBuilder();
            for (double x : slices) {
                trace.append(' ').append(Math.round(x));
            }
            log("    req/s per 1-s slice from the first call:" + trace);
            // not steady within the window: counted as the window's end, a lower bound (the row says how often)
            return new Start(listenMs, firstCallMs, cpuMs, firstCallMs + (steady < 0 ? seconds : steady) * 1000.0,
                    steady >= 0, slices[0], finalRps);
        } finally {
            if (agt != null) {
                children.stop(agt);
            }
            children.stop(srv);
        }
    }

    /** The first slice from which {@link #STEADY_SLICES} in a row are within the tolerance of {@code finalRps}, or -1. */
    static int steadySlice(double[] slices, double finalRps) {
        for (int i = 0; i + STEADY_SLICES <= slices.length; i++) {
            boolean steady = true;
            for (int k = i; k < i + STEADY_SLICES; k++) {
                steady &= Math.abs(slices[k] - finalRps) <= STEADY_TOLERANCE * finalRps;
            }
            if (steady) {
                return i;
            }
        }
        return -1;
    }

    /**
     * GETs the ingress until it answers 200 with the upstream's body: before the agent has registered
     * it answers 404 (or 502/503), before the server listens the connect fails. Bounded by
     * {@link #START_TIMEOUT_SECONDS} from {@code t0}; a 5 ms pause between tries leaves the CPU to
     * the JVMs being timed.
     */
    private static void pollUntilOk(int port, String path, String auth, long t0, Process agent) throws Exception {
        long deadline = t0 + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        String last = "nothing";
        while (System.nanoTime() < deadline) {
            if (!agent.isAlive()) {
                throw new IOException("the agent exited with " + agent.exitValue() + " before the first call");
            }
            try (RawHttpClient c = new RawHttpClient("127.0.0.1", port).readTimeout(CALL_TIMEOUT_MILLIS)) {
                int status = c.get(path, auth);
                if (status == 200 && c.lastBodyLength == BODY.length) {
                    return;
                }
                last = status + " with " + c.lastBodyLength + " bytes";
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(5);
        }
        throw new IOException("no 200 from the ingress within " + START_TIMEOUT_SECONDS + " s; last answer: " + last);
    }

    /** {@link #CALLERS} callers for {@code seconds}; returns the calls completed in each 1-second slice, per second. */
    private static double[] load(int port, String path, String auth, int seconds) throws Exception {
        AtomicLong calls = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < CALLERS; t++) {
            Thread th = new Thread(() -> {
                try (RawHttpClient c = new RawHttpClient("127.0.0.1", port).readTimeout(CALL_TIMEOUT_MILLIS)) {
                    while (System.nanoTime() < end) {
                        int status = c.get(path, auth);
                        if (status != 200 || c.lastBodyLength != BODY.length) {
                            throw new IOException("expected 200 with " + BODY.length + " bytes but was " + status
                                    + " with " + c.lastBodyLength);
                        }
                        calls.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "w8-caller-" + t);
            threads.add(th);
            th.start();
        }
        double[] slices = new double[seconds];
        long previous = 0;
        for (int i = 0; i < seconds; i++) {
            long sliceEnd = start + TimeUnit.SECONDS.toNanos(i + 1);
            for (long left; (left = sliceEnd - System.nanoTime()) > 0; ) {
                TimeUnit.NANOSECONDS.sleep(left);
            }
            long now = calls.get();
            slices[i] = now - previous;
            previous = now;
        }
        for (Thread th : threads) {
            th.join(CALL_TIMEOUT_MILLIS + 1000L); // a caller ends after its call in flight, which is bounded
        }
        if (failure.get() != null) {
            throw new IOException("a caller failed: " + failure.get(), failure.get());
        }
        return slices;
    }

    /**
     * The upstream the agents forward to: 6 bytes on GET /tiny.txt, on a loopback port, answered on
     * Undertow's I/O thread in one write. (The JDK's HttpServer writes head and body apart without
     * TCP_NODELAY: Nagle and delayed ACKs then add 40 ms to every call.)
     */
    private static Undertow upstream() {
        Undertow u = Undertow.builder().addHttpListener(0, "127.0.0.1").setIoThreads(1).setWorkerThreads(1)
                .setHandler(exchange -> {
                    if (exchange.getRequestPath().equals(FILE)) {
                        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
                        exchange.getResponseSender().send(ByteBuffer.wrap(BODY));
                    } else {
                        exchange.setStatusCode(404).endExchange();
                    }
                })
                .build();
        u.start();
        return u;
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** Starts the CLI jar in a new JVM with the token in SWAGGERSOCKET_TOKEN, as users run it. */
    private Process cliJvm(List<String> cdsOpts, String jvmOpts, String token, LineQueue out, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx2g"));
        cmd.addAll(cdsOpts);
        for (String o : jvmOpts.trim().split("\\s+")) {
            if (!o.isEmpty()) {
                cmd.add(o);
            }
        }
        cmd.add("-jar");
        cmd.add(cliJar.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("SWAGGERSOCKET_TOKEN", token);
        Process p = pb.start();
        children.add(p);
        out.follow(p);
        return p;
    }

    private static String newToken() {
        byte[] b = new byte[24];
        new java.security.SecureRandom().nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    /** Stops the children still running (SIGTERM, then SIGKILL after 40 s each). */
    void stop() {
        children.stopAll();
    }

    /** Kills the children still running, at once: for a shutdown hook. */
    void destroyChildren() {
        children.destroyAll();
    }

}
