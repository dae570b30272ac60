package io.swaggersocket.bench;

import static io.swaggersocket.bench.ChildProcesses.childJvm;
import static io.swaggersocket.bench.ChildProcesses.reply;
import static io.swaggersocket.bench.Table.fmt0;
import static io.swaggersocket.bench.Table.fmt1;
import static io.swaggersocket.bench.Table.fmt2;
import static io.swaggersocket.bench.Table.mib;
import static io.swaggersocket.bench.Table.noise;
import static io.swaggersocket.bench.Table.ratio;
import static io.swaggersocket.bench.Table.row;
import static io.swaggersocket.bench.Wrk.hasWrk;
import static io.swaggersocket.bench.Wrk.wrk;

import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.server.ConnectionEvent;
import io.swaggersocket.server.SocketServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;

/**
 * The end-to-end harness: this JVM runs the {@link SocketServer} (default config) and every caller;
 * a second JVM ({@link AgentMain}) serves the same {@link BenchHandler} directly on Undertow and
 * through the tunnel; a third ({@link IdleAgents}) opens the idle connections of workload 6. Each
 * workload runs its direct baseline and its tunnel variant alternately, {@code repeats} times, and
 * the table shows medians, the ratio and the spread across repeats.
 *
 * <p>Args: {@code [--quick] [--only 1,2,...] [--jmh-csv FILE] [--out FILE]}. System properties, for
 * profiling and experiments only: {@code bench.agentJvmOpts} and {@code bench.idleJvmOpts} add JVM
 * options to the child JVMs (a JFR recording); {@code bench.tunnelOnly=true} skips the direct
 * variants of workloads 1 and 2; {@code bench.bulk=up|down} runs one direction of workload 4;
 * {@code bench.streamWindow}, {@code bench.connectionWindow}, {@code bench.maxFrameSize} replace the
 * default settings on both ends ({@link ExperimentConfig}; the table then says so).
 *
 * <p>Workload 7 runs the product as users run it: {@code swaggersocket server} and
 * {@code swaggersocket agent --forward} from {@code --cli-jar}, each in its own JVM, in front of the
 * nginx that run.sh started ({@code --nginx URL --nginx-pid FILE}); {@code bench.serverJvmOpts} adds
 * JVM options to that server JVM, {@code bench.agentJvmOpts} to its agent JVM; it is
 * {@link NginxIngressWorkload}.
 */
public final class Bench {
    private static final String AGENT = "bench-agent";
    private static final long GIB = 1L << 30;

    private boolean quick;
    private int repeats;
    private double warmSeconds;
    private double measureSeconds;
    private String only = "1,2,3,4,5,6,7";
    private String nginxUrl;
    private Path nginxPid;
    private Path cliJar;
    /** Workload 7, made once the options are read; its child processes are stopped by {@link #stop}. */
    private NginxIngressWorkload nginx;
    private Path jmhCsv;
    private Path out;

    private SocketServer server;
    private SocketConnection tunnel;
    private Process agent;
    private BufferedReader agentOut;
    private PrintWriter agentIn;
    private int directPort;
    private String ingressStatus = "not tried";
    private final List<String[]> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    /** The 1-minute load average as each workload started (this run's own JVMs count in it too). */
    private final StringBuilder loads = new StringBuilder();

    public static void main(String[] args) throws Exception {
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        Bench b = new Bench();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> b.quick = true;
                case "--only" -> b.only = args[++i];
                case "--jmh-csv" -> b.jmhCsv = Path.of(args[++i]);
                case "--out" -> b.out = Path.of(args[++i]);
                case "--nginx" -> b.nginxUrl = args[++i];
                case "--nginx-pid" -> b.nginxPid = Path.of(args[++i]);
                case "--cli-jar" -> b.cliJar = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        b.repeats = b.quick ? 3 : 5;
        b.warmSeconds = b.quick ? 1 : 3;
        b.measureSeconds = b.quick ? 2 : 5;
        b.nginx = new NginxIngressWorkload(b.quick, b.repeats, b.nginxUrl, b.nginxPid, b.cliJar, b.rows, b.notes,
                b::waitForQuiet);
        NginxIngressWorkload nginx = b.nginx;
        Runtime.getRuntime().addShutdownHook(new Thread(nginx::destroyChildren));
        try {
            b.run();
        } finally {
            b.stop();
        }
        System.exit(0);
    }

    private boolean selected(int workload) {
        return ("," + only + ",").contains("," + workload + ",");
    }

    private boolean runs(int workload) {
        boolean runs = selected(workload);
        if (runs) {
            loads.append(String.format(Locale.ROOT, " W%d %.2f", workload, load()));
        }
        return runs;
    }

    private void run() throws Exception {
        notes.add(String.format(Locale.ROOT, "1-minute load average at the start: %.2f (nproc %d)", load(),
                Runtime.getRuntime().availableProcessors()));
        boolean library = false;
        for (int w = 1; w <= 6; w++) {
            library |= selected(w);
        }
        if (library) { // workload 7 starts its own server and agent JVMs
            startServer();
            startAgent();
            log("agent up: direct port " + directPort + ", tunnel " + tunnel.id() + ", ingress: " + ingressStatus);
        }
        if (runs(1)) {
            sequential();
        }
        if (runs(2)) {
            concurrent();
        }
        if (runs(3)) {
            ingress();
        }
        if (runs(4)) {
            bulk();
        }
        if (runs(5)) {
            headOfLine();
        }
        if (runs(6)) {
            idle();
        }
        if (runs(7)) {
            nginx.run();
        }
        micro();
        printTable();
    }

    // ---------------------------------------------------------------------------------------------
    // Set-up

    private void startServer() throws Exception {
        SocketServer.Builder builder = SocketServer.builder().bind("127.0.0.1", 0);
        if (ExperimentConfig.isSet()) {
            builder.connectionConfig(ExperimentConfig.config());
            notes.add("EXPERIMENT, not the defaults: " + ExperimentConfig.describe());
        }
        enableIngress(builder);
        server = builder.build();
        server.start();
    }

    /**
     * Turns on the ingress if this SocketServer has one: a builder method {@code ingress} taking
     * nothing, a boolean (true) or a String (the prefix "/agents"). Found by reflection so that the
     * harness builds against a server with or without it; probed over HTTP before it is measured.
     */
    private void enableIngress(SocketServer.Builder builder) {
        for (Method m : SocketServer.Builder.class.getMethods()) {
            if (!m.getName().equals("ingress")) {
                continue;
            }
            try {
                Class<?>[] p = m.getParameterTypes();
                if (p.length == 0) {
                    m.invoke(builder);
                } else if (p.length == 1 && (p[0] == boolean.class || p[0] == Boolean.class)) {
                    m.invoke(builder, true);
                } else if (p.length == 1 && p[0] == String.class) {
                    m.invoke(builder, "/agents");
                } else {
                    ingressStatus = "pending: SocketServer.Builder." + m.getName() + " takes " + List.of(p)
                            + "; wire it in Bench.enableIngress";
                    continue;
                }
                ingressStatus = "enabled with SocketServer.Builder." + m.getName();
                return;
            } catch (ReflectiveOperationException e) {
                ingressStatus = "pending: SocketServer.Builder." + m.getName() + " failed: " + e.getCause();
            }
        }
        if (ingressStatus.equals("not tried")) {
            ingressStatus = "pending: SocketServer.Builder has no ingress option yet";
        }
    }

    private void startAgent() throws Exception {
        CompletableFuture<SocketConnection> received = new CompletableFuture<>();
        server.addListener(event -> {
            if (event.type() == ConnectionEvent.Type.RECEIVED && AGENT.equals(event.metadata().path("name").asText())) {
                received.complete(event.connection());
            }
        });
        agent = childJvm(AgentMain.class, System.getProperty("bench.agentJvmOpts", "") + " " + ExperimentConfig.jvmFlags(),
                server.uri().toString(), AGENT);
        agentOut = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
        agentIn = new PrintWriter(agent.getOutputStream(), true);
        String ready = reply(agentOut);
        if (ready == null || !ready.startsWith("READY ")) {
            throw new IOException("agent did not start: " + ready);
        }
        directPort = Integer.parseInt(ready.substring(6).trim());
        tunnel = received.get(30, TimeUnit.SECONDS);
    }

    private String agentCommand(String command) throws IOException {
        agentIn.println(command);
        String reply = reply(agentOut);
        if (reply == null || !reply.startsWith("OK")) {
            throw new IOException("agent answered " + command + " with " + reply);
        }
        return reply.substring(2).trim();
    }

    private void stop() {
        nginx.stop();
        try {
            if (agent != null && agent.isAlive()) {
                agentIn.println("QUIT");
                agent.waitFor(10, TimeUnit.SECONDS);
                agent.destroy();
            }
        } catch (Exception ignored) {
            // best effort
        }
        if (server != null) {
            server.close();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Callers

    /** One caller thread's way of making one call; made per thread. */
    interface Call {
        void call() throws Exception;
    }

    interface CallFactory {
        Call open() throws Exception;
    }

    /** One timed window: calls per second, latency percentiles (ns), and CPU per call (us) in both JVMs. */
    record Trial(double rps, long p50, long p99, long max, long count, double cpuUsPerCall) {
        Trial(double rps, long p50, long p99, long max, long count) {
            this(rps, p50, p99, max, count, Double.NaN);
        }
    }

    private CallFactory rawDirect(String path) {
        return () -> {
            RawHttpClient c = new RawHttpClient("127.0.0.1", directPort);
            return () -> check(c.get(path));
        };
    }

    private CallFactory tunnelExecute(String path) {
        return () -> () -> {
            try (ClassicHttpResponse r = tunnel.execute(ClassicRequestBuilder.get(path).build())) {
                check(r.getCode());
                drain(r.getEntity());
            }
        };
    }

    private CallFactory jdkDirect(String path) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create("http://127.0.0.1:" + directPort + path);
        return () -> () -> check(client.send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofByteArray()).statusCode());
    }

    private CallFactory jdkTunnel(String path) {
        HttpClient client = tunnel.httpClient();
        URI uri = URI.create("http://" + AGENT + path);
        return () -> () -> check(client.send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofByteArray()).statusCode());
    }

    private static void check(int status) throws IOException {
        if (status != 200) {
            throw new IOException("expected 200 but was " + status);
        }
    }

    private static long drain(HttpEntity entity) throws IOException {
        if (entity == null) {
            return 0;
        }
        long n = 0;
        byte[] buf = new byte[BenchHandler.CHUNK];
        try (InputStream in = entity.getContent()) {
            for (int k; (k = in.read(buf)) >= 0; ) {
                n += k;
            }
        }
        return n;
    }

    /** Runs {@code threads} callers: a warm-up, then a timed window whose calls are counted and timed. */
    private Trial trial(CallFactory factory, int threads) throws Exception {
        List<Stats.Longs> samples = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        long[] window = new long[2];
        for (int t = 0; t < threads; t++) {
            Stats.Longs mine = new Stats.Longs();
            samples.add(mine);
            Thread w = new Thread(() -> {
                try {
                    Call call = factory.open();
                    ready.countDown();
                    go.await();
                    long warmEnd = window[0];
                    long end = window[1];
                    long now = System.nanoTime();
                    while (now < end) {
                        call.call();
                        long after = System.nanoTime();
                        if (now >= warmEnd) {
                            mine.add(after - now);
                        }
                        now = after;
                    }
                    if (call instanceof AutoCloseable c) {
                        c.close();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    ready.countDown();
                }
            }, "caller-" + t);
            workers.add(w);
            w.start();
        }
        ready.await();
        long start = System.nanoTime();
        window[0] = start + (long) (warmSeconds * 1e9);
        window[1] = window[0] + (long) (measureSeconds * 1e9);
        go.countDown();
        // CPU time of both JVMs over the measured window: a cost per call that foreign load on
        // the machine disturbs far less than it disturbs throughput and latency.
        sleepUntil(window[0]);
        long cpu0 = HeapMonitor.processCpuNanos() + Long.parseLong(agentCommand("CPU"));
        sleepUntil(window[1]);
        long cpu1 = HeapMonitor.processCpuNanos() + Long.parseLong(agentCommand("CPU"));
        for (Thread w : workers) {
            w.join();
        }
        if (failure.get() != null) {
            throw new IOException("a caller failed: " + failure.get(), failure.get());
        }
        long[] all = Stats.Longs.sortedUnion(samples);
        return new Trial(all.length / measureSeconds, Stats.percentile(all, 50), Stats.percentile(all, 99),
                all.length == 0 ? 0 : all[all.length - 1], all.length,
                all.length == 0 ? Double.NaN : (cpu1 - cpu0) / 1e3 / all.length);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /** Runs the variants alternately, {@code repeats} times; returns [variant][repeat]. */
    private Trial[][] alternate(int threads, CallFactory... variants) throws Exception {
        Trial[][] out = new Trial[variants.length][repeats];
        if (Boolean.getBoolean("bench.tunnelOnly")) {
            // for profiling: the tunnel variants (odd positions) only, the direct ones read 0
            for (int v = 0; v < variants.length; v += 2) {
                variants[v] = null;
            }
        }
        for (CallFactory v : variants) {
            if (v != null) {
                trial(v, threads); // JIT warm-up of every variant before any repeat counts
            }
        }
        for (int r = 0; r < repeats; r++) {
            waitForQuiet();
            for (int v = 0; v < variants.length; v++) {
                if (variants[v] == null) {
                    out[v][r] = new Trial(1, 0, 0, 0, 0, 1);
                    continue;
                }
                out[v][r] = trial(variants[v], threads);
                log(String.format(Locale.ROOT, "  repeat %d variant %d: %.0f/s p50 %d us p99 %d us, CPU %.1f us/call",
                        r + 1, v + 1, out[v][r].rps, out[v][r].p50 / 1000, out[v][r].p99 / 1000, out[v][r].cpuUsPerCall));
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // Workloads

    private void sequential() throws Exception {
        log("workload 1: sequential round trips, one caller, tiny GET");
        Trial[][] t = alternate(1, rawDirect("/tiny"), tunnelExecute("/tiny"), jdkDirect("/tiny"), jdkTunnel("/tiny"));
        addRateRows("1", "sequential, 1 caller, tiny GET: raw-socket client direct vs execute()", t[0], t[1], ">= 0.7x");
        addRateRows("1", "sequential, 1 caller, tiny GET: JDK HttpClient direct vs connection.httpClient()", t[2], t[3],
                ">= 0.7x");
    }

    private void concurrent() throws Exception {
        log("workload 2: 64 concurrent callers, tiny GET");
        Trial[][] t = alternate(64, rawDirect("/tiny"), tunnelExecute("/tiny"));
        addRateRows("2", "64 callers, tiny GET: 64 raw keep-alive connections vs execute() on one socket", t[0], t[1],
                ">= 0.6x");
    }

    private void addRateRows(String n, String what, Trial[] direct, Trial[] tunnelled, String target) {
        double[] dr = rates(direct);
        double[] tr = rates(tunnelled);
        double d = Stats.median(dr);
        double tv = Stats.median(tr);
        rows.add(row(n, what + ", req/s", fmt0(d), fmt0(tv), ratio(tv / d), target,
                noise(dr) + " / " + noise(tr)));
        rows.add(row(n, "  same, latency p50 / p99 (us)",
                medUs(direct, true) + " / " + medUs(direct, false),
                medUs(tunnelled, true) + " / " + medUs(tunnelled, false), "", "", ""));
        double[] dc = cpu(direct);
        double[] tc = cpu(tunnelled);
        rows.add(row(n, "  same, CPU per call, both JVMs (us)", fmt1(Stats.median(dc)), fmt1(Stats.median(tc)),
                ratio(Stats.median(tc) / Stats.median(dc)), "", noise(dc) + " / " + noise(tc)));
    }

    private static double[] cpu(Trial[] trials) {
        double[] out = new double[trials.length];
        for (int i = 0; i < trials.length; i++) {
            out[i] = trials[i].cpuUsPerCall;
        }
        return out;
    }

    private static double[] rates(Trial[] trials) {
        double[] out = new double[trials.length];
        for (int i = 0; i < trials.length; i++) {
            out[i] = trials[i].rps;
        }
        return out;
    }

    private static String medUs(Trial[] trials, boolean p50) {
        double[] v = new double[trials.length];
        for (int i = 0; i < trials.length; i++) {
            v[i] = (p50 ? trials[i].p50 : trials[i].p99) / 1000.0;
        }
        return fmt0(Stats.median(v));
    }

    // Workload 3 ---------------------------------------------------------------------------------

    private void ingress() throws Exception {
        log("workload 3: ingress under wrk");
        String what = "ingress under wrk -t2 -c64, tiny GET: direct vs /agents/" + AGENT + "/tiny";
        if (!ingressStatus.startsWith("enabled")) {
            rows.add(row("3", what, "-", "-", "PENDING", ">= (none set)", ingressStatus));
            return;
        }
        String ingressPath = "/agents/" + AGENT + "/tiny";
        try (RawHttpClient probe = new RawHttpClient("127.0.0.1", server.port())) {
            int status = probe.get(ingressPath);
            if (status != 200 || probe.lastBodyLength != BenchHandler.TINY.length) {
                ingressStatus = "pending: GET " + ingressPath + " answered " + status + " with "
                        + probe.lastBodyLength + " body bytes";
                rows.add(row("3", what, "-", "-", "PENDING", "", ingressStatus));
                return;
            }
        }
        if (!hasWrk()) {
            rows.add(row("3", what, "-", "-", "SKIPPED", "", "wrk is not installed (run.sh installs it)"));
            return;
        }
        int seconds = quick ? 3 : 10;
        double[] dr = new double[repeats];
        double[] ir = new double[repeats];
        double[] d99 = new double[repeats];
        double[] i99 = new double[repeats];
        wrk("http://127.0.0.1:" + directPort + "/tiny", 2); // warm-up, both
        wrk("http://127.0.0.1:" + server.port() + ingressPath, 2);
        for (int r = 0; r < repeats; r++) {
            waitForQuiet();
            double[] d = wrk("http://127.0.0.1:" + directPort + "/tiny", seconds);
            double[] i = wrk("http://127.0.0.1:" + server.port() + ingressPath, seconds);
            dr[r] = d[0];
            d99[r] = d[2];
            ir[r] = i[0];
            i99[r] = i[2];
            log(String.format(Locale.ROOT, "  repeat %d: direct %.0f/s, ingress %.0f/s", r + 1, d[0], i[0]));
        }
        rows.add(row("3", what + ", req/s", fmt0(Stats.median(dr)), fmt0(Stats.median(ir)),
                ratio(Stats.median(ir) / Stats.median(dr)), "(none set)", noise(dr) + " / " + noise(ir)));
        rows.add(row("3", "  same, latency p99 (us)", fmt0(Stats.median(d99)), fmt0(Stats.median(i99)), "", "", ""));
    }

    // Workload 4 ---------------------------------------------------------------------------------

    /** One transfer: MB/s, peak heap growth of each JVM, and the CPU both JVMs spent per GiB (s). */
    private record Bulk(double mbps, long serverHeap, long agentHeap, double cpuPerGib) {
        Bulk(double mbps, long serverHeap, long agentHeap) {
            this(mbps, serverHeap, agentHeap, 0);
        }
    }

    private void bulk() throws Exception {
        log("workload 4: 1 GiB each way");
        Bulk[][] res = new Bulk[4][repeats];
        // -Dbench.bulk=down or up runs one direction only (for profiling); the other reads 0
        String direction = System.getProperty("bench.bulk", "both");
        boolean[] runs = {!direction.equals("up"), !direction.equals("up"), !direction.equals("down"),
            !direction.equals("down")};
        Transfer[] warm = transfers(GIB / 4);
        for (int v = 0; v < 4; v++) {
            if (runs[v]) {
                warm[v].run(); // JIT warm-up: the first transfers of a JVM run far slower
            }
        }
        Transfer[] measured = transfers(GIB);
        Bulk none = new Bulk(0, 0, 0);
        for (int r = 0; r < repeats; r++) {
            waitForQuiet();
            for (int v = 0; v < 4; v++) {
                res[v][r] = runs[v] ? measureBulk(measured[v]) : none;
                log(String.format(Locale.ROOT, "  repeat %d variant %d: %.0f MB/s, CPU %.2f s/GiB, heap growth server %s"
                        + " agent %s", r + 1, v + 1, res[v][r].mbps, res[v][r].cpuPerGib, mib(res[v][r].serverHeap),
                        mib(res[v][r].agentHeap)));
            }
        }
        addBulkRows("agent->server (server GETs 1 GiB from the agent's handler)", res[0], res[1]);
        addBulkRows("server->agent (server POSTs 1 GiB to the agent's handler)", res[2], res[3]);
    }

    /** The four transfers of {@code n} bytes: down direct, down tunnel, up direct, up tunnel. */
    private Transfer[] transfers(long n) {
        String down = "/bytes?n=" + n;
        return new Transfer[] {
            () -> {
                try (RawHttpClient c = new RawHttpClient("127.0.0.1", directPort)) {
                    check(c.get(down));
                    return c.lastBodyLength;
                }
            },
            () -> {
                try (ClassicHttpResponse resp = tunnel.execute(ClassicRequestBuilder.get(down).build())) {
                    check(resp.getCode());
                    return drain(resp.getEntity());
                }
            },
            () -> {
                try (RawHttpClient c = new RawHttpClient("127.0.0.1", directPort)) {
                    check(c.post("/sink", n));
                    return n;
                }
            },
            () -> {
                try (ClassicHttpResponse resp = tunnel.execute(ClassicRequestBuilder.post("/sink")
                        .setEntity(new BenchHandler.BulkEntity(n)).build())) {
                    check(resp.getCode());
                    drain(resp.getEntity());
                    return n;
                }
            }};
    }

    interface Transfer {
        long run() throws Exception;
    }

    private Bulk measureBulk(Transfer transfer) throws Exception {
        agentCommand("HEAPRESET");
        HeapMonitor.reset();
        long cpu0 = HeapMonitor.processCpuNanos() + Long.parseLong(agentCommand("CPU"));
        long start = System.nanoTime();
        long bytes = transfer.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        long cpu = HeapMonitor.processCpuNanos() + Long.parseLong(agentCommand("CPU")) - cpu0;
        if (bytes != GIB) {
            throw new IOException("expected " + GIB + " bytes but moved " + bytes);
        }
        long serverHeap = HeapMonitor.peakGrowth();
        String[] agentPeak = agentCommand("HEAPPEAK").split(" ");
        long agentHeap = Long.parseLong(agentPeak[0]);
        log(String.format(Locale.ROOT, "    %.1f s; garbage collections seen: server %d, agent %s", seconds,
                HeapMonitor.gcCount(), agentPeak[1]));
        return new Bulk(bytes / seconds / 1e6, serverHeap, agentHeap, cpu / 1e9 / (bytes / (double) GIB));
    }

    private void addBulkRows(String what, Bulk[] direct, Bulk[] tunnelled) {
        double[] d = new double[direct.length];
        double[] t = new double[tunnelled.length];
        long dHeap = 0;
        long tHeap = 0;
        for (int i = 0; i < d.length; i++) {
            d[i] = direct[i].mbps;
            t[i] = tunnelled[i].mbps;
            dHeap = Math.max(dHeap, Math.max(direct[i].serverHeap, direct[i].agentHeap));
            tHeap = Math.max(tHeap, Math.max(tunnelled[i].serverHeap, tunnelled[i].agentHeap));
        }
        rows.add(row("4", "1 GiB " + what + ", MB/s", fmt0(Stats.median(d)), fmt0(Stats.median(t)),
                ratio(Stats.median(t) / Stats.median(d)), ">= 0.5x", noise(d) + " / " + noise(t)));
        rows.add(row("4", "  same, peak heap growth after GC, worst JVM and repeat (MiB)", mib(dHeap), mib(tHeap),
                "", "< 64 MiB", ""));
        double[] dc = new double[direct.length];
        double[] tc = new double[tunnelled.length];
        for (int i = 0; i < dc.length; i++) {
            dc[i] = direct[i].cpuPerGib;
            tc[i] = tunnelled[i].cpuPerGib;
        }
        rows.add(row("4", "  same, CPU of both JVMs per GiB (s)", fmt2(Stats.median(dc)), fmt2(Stats.median(tc)),
                ratio(Stats.median(tc) / Stats.median(dc)), "", noise(dc) + " / " + noise(tc)));
    }

    // Workload 5 ---------------------------------------------------------------------------------

    private void headOfLine() throws Exception {
        log("workload 5: small calls during a 1 GiB transfer");
        String down = "/bytes?n=" + GIB;
        double[][] p99 = new double[4][repeats];
        double[][] p50 = new double[4][repeats];
        for (int r = 0; r < repeats; r++) {
            waitForQuiet();
            Trial[] t = {
                duringTransfer(rawSmall(), () -> {
                    try (RawHttpClient c = new RawHttpClient("127.0.0.1", directPort)) {
                        check(c.get(down));
                    }
                }),
                duringTransfer(tunnelSmall(), () -> {
                    try (ClassicHttpResponse resp = tunnel.execute(ClassicRequestBuilder.get(down).build())) {
                        drain(resp.getEntity());
                    }
                }),
                duringTransfer(rawSmall(), () -> {
                    try (RawHttpClient c = new RawHttpClient("127.0.0.1", directPort)) {
                        check(c.post("/sink", GIB));
                    }
                }),
                duringTransfer(tunnelSmall(), () -> {
                    try (ClassicHttpResponse resp = tunnel.execute(ClassicRequestBuilder.post("/sink")
                            .setEntity(new BenchHandler.BulkEntity(GIB)).build())) {
                        drain(resp.getEntity());
                    }
                })};
            for (int v = 0; v < 4; v++) {
                p99[v][r] = t[v].p99 / 1e6;
                p50[v][r] = t[v].p50 / 1e6;
                log(String.format(Locale.ROOT, "  repeat %d variant %d: %d calls, p50 %.2f ms p99 %.2f ms max %.2f ms",
                        r + 1, v + 1, t[v].count, t[v].p50 / 1e6, t[v].p99 / 1e6, t[v].max / 1e6));
            }
        }
        rows.add(row("5", "small GETs during 1 GiB agent->server, p99 ms (direct: another connection)",
                fmt2(Stats.median(p99[0])), fmt2(Stats.median(p99[1])), "", "< 5 ms", noise(p99[0]) + " / "
                        + noise(p99[1])));
        rows.add(row("5", "  same, p50 ms", fmt2(Stats.median(p50[0])), fmt2(Stats.median(p50[1])), "", "", ""));
        rows.add(row("5", "small GETs during 1 GiB server->agent, p99 ms (direct: another connection)",
                fmt2(Stats.median(p99[2])), fmt2(Stats.median(p99[3])), "", "< 5 ms", noise(p99[2]) + " / "
                        + noise(p99[3])));
        rows.add(row("5", "  same, p50 ms", fmt2(Stats.median(p50[2])), fmt2(Stats.median(p50[3])), "", "", ""));
    }

    private Call rawSmall() throws Exception {
        return rawDirect("/tiny").open();
    }

    private Call tunnelSmall() throws Exception {
        return tunnelExecute("/tiny").open();
    }

    interface Task {
        void run() throws Exception;
    }

    /** Sequential small calls on this thread while {@code transfer} runs on another; times the calls. */
    private static Trial duringTransfer(Call small, Task transfer) throws Exception {
        for (int i = 0; i < 200; i++) {
            small.call(); // warm, before the transfer starts
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread bulk = new Thread(() -> {
            try {
                transfer.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "bulk");
        bulk.start();
        Thread.sleep(100); // let the transfer fill the pipes
        Stats.Longs samples = new Stats.Longs();
        while (bulk.isAlive()) {
            long t0 = System.nanoTime();
            small.call();
            samples.add(System.nanoTime() - t0);
        }
        bulk.join();
        if (failure.get() != null) {
            throw new IOException("transfer failed: " + failure.get(), failure.get());
        }
        long[] all = Stats.Longs.sortedUnion(List.of(samples));
        return new Trial(0, Stats.percentile(all, 50), Stats.percentile(all, 99), all.length == 0 ? 0 : all[all.length - 1],
                all.length);
    }

    // Workload 6 ---------------------------------------------------------------------------------

    private void idle() throws Exception {
        int count = 10_000;
        int seconds = quick ? 15 : 60;
        log("workload 6: " + count + " idle agents, CPU over " + seconds + " s");
        idleRun(count, seconds, null, "default heartbeat (ping after 10 s silence, dead after 20 s)");
        if (!quick) {
            // 1 s / 3 s loses most of 10,000 connections here: 20,000 ticks and 10,000 pings a second on
            // the agents' one timer thread while they are still connecting. Twice the default rate:
            idleRun(count, seconds, new long[] {5000, 15000}, "short heartbeat (5 s / 15 s, proposed by the agents)");
        }
    }

    private void idleRun(int count, int seconds, long[] heartbeat, String label) throws Exception {
        waitForQuiet();
        int before = server.activeConnections().size();
        long heapBefore = HeapMonitor.fullGcUsed();
        List<String> args = new ArrayList<>(List.of(server.uri().toString(), Integer.toString(count)));
        if (heartbeat != null) {
            args.add(Long.toString(heartbeat[0]));
            args.add(Long.toString(heartbeat[1]));
        }
        Process idle = childJvm(IdleAgents.class, "-Xmx3g " + System.getProperty("bench.idleJvmOpts", ""),
                args.toArray(String[]::new));
        BufferedReader idleOut = new BufferedReader(new InputStreamReader(idle.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter idleIn = new PrintWriter(idle.getOutputStream(), true);
        try {
            String connected = reply(idleOut);
            if (connected == null || !connected.startsWith("CONNECTED ")) {
                throw new IOException("idle agents did not connect: " + connected);
            }
            String[] parts = connected.split(" ");
            int ok = Integer.parseInt(parts[1]);
            log("  " + ok + " agents connected in " + parts[2] + " ms");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (server.activeConnections().size() < before + ok && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            int registered = server.activeConnections().size() - before;
            Thread.sleep(2000);
            long heapAfter = HeapMonitor.fullGcUsed();
            double perConn = (heapAfter - heapBefore) / (double) registered;
            // Settle first: the first wave of pings (10 s after the connects) makes the JIT compile
            // the heartbeat path, which is start-up cost, not the steady cost being measured.
            Thread.sleep(settleSeconds() * 1000L);
            long cpu0 = HeapMonitor.processCpuNanos();
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long cpu = HeapMonitor.processCpuNanos() - cpu0;
            double wall = (System.nanoTime() - t0) / 1e9;
            idleIn.println("ALIVE");
            String alive = reply(idleOut);
            int stillOpen = server.activeConnections().size() - before;
            if (registered < count * 0.99 || stillOpen < registered * 0.99) {
                notes.add("Workload 6 (" + label + "): only " + registered + " of " + count
                        + " agents registered and " + stillOpen + " were still open at the end.");
            }
            log(String.format(Locale.ROOT, "  %d registered, %.0f bytes each; CPU %.2f s in %.0f s; %s open at the end"
                    + " (agents say %s)", registered, perConn, cpu / 1e9, wall, stillOpen, alive));
            rows.add(row("6", registered + " idle agents, " + label + ": server heap per connection after GC",
                    "-", fmt1(perConn / 1024) + " KiB", "", "< 50 KiB", ""));
            rows.add(row("6", "  same, server process CPU over " + fmt0(wall) + " s after " + settleSeconds()
                    + " s settling (all threads)", "-",
                    String.format(Locale.ROOT, "%.2f s (%.1f%% of a core)", cpu / 1e9, cpu / 1e9 / wall * 100),
                    "", "", stillOpen + " still open"));
        } finally {
            idleIn.println("QUIT");
            idle.waitFor(20, TimeUnit.SECONDS);
            idle.destroyForcibly();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (server.activeConnections().size() > before && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        }
    }

    private int settleSeconds() {
        return quick ? 10 : 25;
    }

    // ---------------------------------------------------------------------------------------------
    // JMH results and the table

    private void micro() throws IOException {
        if (jmhCsv == null || !Files.exists(jmhCsv)) {
            return;
        }
        List<String> lines = Files.readAllLines(jmhCsv);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            if (f.length < 7) {
                continue;
            }
            String name = unquote(f[0]).replace("io.swaggersocket.", "");
            double score = Double.parseDouble(unquote(f[4]));
            String error = unquote(f[5]);
            String unit = unquote(f[6]);
            rows.add(row("micro", "JMH " + name + " (" + unquote(f[1]) + ")", "",
                    String.format(Locale.ROOT, "%.3f %s", score, unit), "", "",
                    error.equals("NaN") ? "" : String.format(Locale.ROOT, "+- %.3f", Double.parseDouble(error))));
        }
    }

    private static String unquote(String s) {
        return s.replace("\"", "").trim();
    }

    private void printTable() throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("| # | workload | direct | tunnel | ratio | target | noise (spread across repeats, direct / tunnel) |\n");
        sb.append("| --- | --- | --- | --- | --- | --- | --- |\n");
        for (String[] r : rows) {
            sb.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        sb.append('\n').append(String.format(Locale.ROOT,
                "%s run: %d repeats (medians shown), %.1f s warm-up + %.1f s measured per trial; spread = (max-min)/median.%n",
                quick ? "quick" : "full", repeats, warmSeconds, measureSeconds));
        if (!ingressStatus.equals("not tried")) { // workloads 1-6 only: workload 7 runs the server command
            sb.append("Ingress: ").append(ingressStatus).append('\n');
        }
        sb.append("1-minute load average as each workload started (includes this run's own JVMs):")
                .append(loads).append('\n');
        for (String n : notes) {
            sb.append(n).append('\n');
        }
        System.out.println();
        System.out.print(sb);
        if (out != null) {
            Files.writeString(out, sb.toString());
        }
    }

    /**
     * Between repeats nothing is waited for: the load average would count this run's own JVMs.
     * run.sh waits for a quiet machine before it starts; the load at the start is in the table.
     */
    private void waitForQuiet() {
    }

    private static double load() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    static void log(String message) {
        System.err.println("[bench] " + message);
    }
}
