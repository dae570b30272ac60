package io.swaggersocket.bench;

import static io.swaggersocket.bench.Bench.log;
import static io.swaggersocket.bench.ChildProcesses.clockTicks;
import static io.swaggersocket.bench.ChildProcesses.cpuTicks;
import static io.swaggersocket.bench.ChildProcesses.cpuTicksWithChildren;
import static io.swaggersocket.bench.Table.fmt0;
import static io.swaggersocket.bench.Table.fmt1;
import static io.swaggersocket.bench.Table.noise;
import static io.swaggersocket.bench.Table.ratio;
import static io.swaggersocket.bench.Table.row;
import static io.swaggersocket.bench.Wrk.hasWrk;
import static io.swaggersocket.bench.Wrk.wrk;

import io.swaggersocket.bench.ChildProcesses.LineQueue;
import java.io.IOException;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Workload 7 of {@link Bench}: the product as users run it, {@code swaggersocket server} and
 * {@code swaggersocket agent --forward} from the CLI jar, each in its own JVM, in front of the nginx
 * that run.sh started, and that nginx's reverse proxy to itself, the reference of one extra hop in C.
 * Adds its rows and note to the harness's table.
 */
final class NginxIngressWorkload {
    /** Issue 11's target: through the tunnel at least half of nginx served directly. */
    static final double MIN_RATIO = 0.5;

    private final boolean quick;
    private final int repeats;
    private final String nginxUrl;
    /** run.sh's second server block: proxy_pass to the first (null: that variant is not measured). */
    private final String nginxProxyUrl;
    private final Path nginxPid;
    private final Path cliJar;
    private final List<String[]> rows;
    private final List<String> notes;
    private final Runnable waitForQuiet;
    /** The child processes, destroyed by {@link #stop} and by {@link #destroyChildren} (a shutdown hook). */
    private final ChildGroup children = new ChildGroup();

    /**
     * {@code quick}, {@code repeats} and {@code waitForQuiet} as the harness runs every workload;
     * {@code nginxUrl}, {@code nginxProxyUrl}, {@code nginxPid} and {@code cliJar} from its options (null:
     * skipped);
     * {@code rows} and {@code notes} are the harness's table, added to.
     */
    NginxIngressWorkload(boolean quick, int repeats, String nginxUrl, String nginxProxyUrl, Path nginxPid, Path cliJar,
            List<String[]> rows, List<String> notes, Runnable waitForQuiet) {
        this.quick = quick;
        this.repeats = repeats;
        this.nginxUrl = nginxUrl;
        this.nginxProxyUrl = nginxProxyUrl;
        this.nginxPid = nginxPid;
        this.cliJar = cliJar;
        this.rows = rows;
        this.notes = notes;
        this.waitForQuiet = waitForQuiet;
    }

    private static final String NGINX_AGENT = "nginx";
    private static final String NGINX_FILE = "/tiny.txt";
    private static final byte[] NGINX_BODY = "hello\n".getBytes(StandardCharsets.US_ASCII);

    /** One wrk run of workload 7 with the CPU (us per call) each process spent over it. */
    private record WrkRun(double rps, long requests, double p50, double p99, double serverCpu, double agentCpu,
            double nginxCpu) {
    }

    /**
     * The first target of "Fast where users feel it": wrk through the ingress of a
     * {@code swaggersocket server} JVM, a bearer token on every call, to a
     * {@code swaggersocket agent --forward} JVM ({@code ForwardingHandler}) in front of nginx serving
     * a 6-byte file, against wrk on that nginx directly, at 16 and 64 connections, alternating, in
     * the same run, and wrk on nginx's reverse proxy to itself (one extra hop in C) alternating with both;
     * CPU per call of each process from /proc/PID/stat over each wrk run.
     */
    void run() throws Exception {
        String what = "ingress -> agent --forward -> nginx, 6-byte file";
        log("workload 7: " + what);
        String skipped = nginxUrl == null || nginxPid == null ? "no nginx (run.sh starts one)"
                : cliJar == null || !Files.isRegularFile(cliJar) ? "no CLI jar " + cliJar + " (mvn package -pl cli -am)"
                : !hasWrk() ? "wrk is not installed (run.sh installs it)" : null;
        if (skipped != null) {
            rows.add(row("7", what, "-", "-", "SKIPPED", ">= " + MIN_RATIO + "x", skipped));
            return;
        }
        String token = newToken();
        LineQueue serverOut = new LineQueue("server");
        Process srv = cliJvm(System.getProperty("bench.serverJvmOpts", ""), token, serverOut,
                "server", "--listen", "127.0.0.1:0");
        Process agt = null;
        try {
            String listening = serverOut.await(l -> l.startsWith("swaggersocket server listening:"), 60);
            Matcher m = Pattern.compile("ingress http://127\\.0\\.0\\.1:(\\d+)/agents/").matcher(listening);
            if (!m.find()) {
                throw new IOException("cannot read the port from: " + listening);
            }
            int port = Integer.parseInt(m.group(1));
            agt = cliJvm(System.getProperty("bench.agentJvmOpts", ""), token, new LineQueue("agent"),
                    "agent", "--server", "ws://127.0.0.1:" + port + "/tunnel", "--name", NGINX_AGENT, "--forward", nginxUrl);
            serverOut.await(l -> l.startsWith("agent " + NGINX_AGENT + " (") && l.contains(" connected from "), 60);
            String direct = nginxUrl + NGINX_FILE;
            String ingress = "http://127.0.0.1:" + port + "/agents/" + NGINX_AGENT + NGINX_FILE;
            String proxied = nginxProxyUrl == null ? null : nginxProxyUrl + NGINX_FILE;
            probe(direct, null, 200);
            if (proxied != null) {
                probe(proxied, null, 200);
            }
            probe(ingress, token, 200);
            int without = probe(ingress, null, -1);
            if (without == 200) {
                throw new IOException("the ingress answered 200 without a token: the workload must be authenticated");
            }
            log("  server pid " + srv.pid() + " port " + port + ", agent pid " + agt.pid() + ", nginx " + nginxUrl
                    + (proxied == null ? "" : ", nginx proxy " + nginxProxyUrl) + "; without a token the ingress answers "
                    + without);
            long nginxMaster = Long.parseLong(Files.readString(nginxPid).trim());
            String auth = "Authorization: Bearer " + token;
            int seconds = quick ? 3 : 10;
            int warm = quick ? 3 : 5;
            for (int c : new int[] {16, 64}) {
                wrk(direct, c, warm, null); // warm-up of both paths, JIT included, before any repeat counts
                wrk(ingress, c, warm, auth);
                if (proxied != null) {
                    wrk(proxied, c, warm, null);
                }
                WrkRun[] d = new WrkRun[repeats];
                WrkRun[] t = new WrkRun[repeats];
                WrkRun[] p = new WrkRun[repeats];
                for (int r = 0; r < repeats; r++) {
                    waitForQuiet.run();
                    d[r] = measuredWrk(direct, c, seconds, null, srv, agt, nginxMaster);
                    t[r] = measuredWrk(ingress, c, seconds, auth, srv, agt, nginxMaster);
                    if (proxied != null) {
                        p[r] = measuredWrk(proxied, c, seconds, null, srv, agt, nginxMaster);
                    }
                    log(String.format(Locale.ROOT, "  c=%d repeat %d: direct %.0f/s (nginx %.1f us/call), tunnel %.0f/s"
                            + " (server %.1f, agent %.1f, nginx %.1f us/call)", c, r + 1, d[r].rps, d[r].nginxCpu,
                            t[r].rps, t[r].serverCpu, t[r].agentCpu, t[r].nginxCpu)
                            + (proxied == null ? "" : String.format(Locale.ROOT, ", nginx proxy %.0f/s (nginx %.1f us/call)",
                                    p[r].rps, p[r].nginxCpu)));
                }
                double[] dr = col(d, WrkRun::rps);
                double[] tr = col(t, WrkRun::rps);
                double r = Stats.median(tr) / Stats.median(dr);
                rows.add(row("7", what + ", wrk -t2 -c" + c + ", bearer token: nginx direct vs /agents/" + NGINX_AGENT
                        + NGINX_FILE + ", req/s", fmt0(Stats.median(dr)), fmt0(Stats.median(tr)),
                        ratio(r), Table.atLeast(r, MIN_RATIO), noise(dr) + " / " + noise(tr)));
                rows.add(row("7", "  same, latency p50 / p99 (us)",
                        fmt0(Stats.median(col(d, WrkRun::p50))) + " / " + fmt0(Stats.median(col(d, WrkRun::p99))),
                        fmt0(Stats.median(col(t, WrkRun::p50))) + " / " + fmt0(Stats.median(col(t, WrkRun::p99))),
                        "", "", ""));
                double[] sc = col(t, WrkRun::serverCpu);
                double[] ac = col(t, WrkRun::agentCpu);
                rows.add(row("7", "  same, CPU per call (us): server JVM / agent JVM", "-",
                        fmt1(Stats.median(sc)) + " / " + fmt1(Stats.median(ac)), "", "", noise(sc) + " / " + noise(ac)));
                double[] dn = col(d, WrkRun::nginxCpu);
                double[] tn = col(t, WrkRun::nginxCpu);
                rows.add(row("7", "  same, nginx CPU per call (us)", fmt1(Stats.median(dn)), fmt1(Stats.median(tn)),
                        ratio(Stats.median(tn) / Stats.median(dn)), "", noise(dn) + " / " + noise(tn)));
                if (proxied != null) {
                    double[] pr = col(p, WrkRun::rps);
                    rows.add(row("7", "  reference, one extra hop in C: nginx direct vs nginx proxy_pass (upstream keepalive"
                            + " 64) -> same nginx, wrk -t2 -c" + c + ", req/s", fmt0(Stats.median(dr)),
                            fmt0(Stats.median(pr)), ratio(Stats.median(pr) / Stats.median(dr)), "",
                            noise(dr) + " / " + noise(pr)));
                    rows.add(row("7", "  reference, latency p50 / p99 (us)",
                            fmt0(Stats.median(col(d, WrkRun::p50))) + " / " + fmt0(Stats.median(col(d, WrkRun::p99))),
                            fmt0(Stats.median(col(p, WrkRun::p50))) + " / " + fmt0(Stats.median(col(p, WrkRun::p99))),
                            "", "", ""));
                    double[] pn = col(p, WrkRun::nginxCpu);
                    rows.add(row("7", "  reference, nginx CPU per call (us), both server blocks", fmt1(Stats.median(dn)),
                            fmt1(Stats.median(pn)), ratio(Stats.median(pn) / Stats.median(dn)), "",
                            noise(dn) + " / " + noise(pn)));
                    rows.add(row("7", "  tunnel vs one nginx proxy hop, req/s (columns: nginx proxy / tunnel)",
                            fmt0(Stats.median(pr)), fmt0(Stats.median(tr)), ratio(Stats.median(tr) / Stats.median(pr)),
                            "", noise(pr) + " / " + noise(tr)));
                }
            }
            notes.add("Workload 7: `swaggersocket server --listen 127.0.0.1:0` and `swaggersocket agent --forward "
                    + nginxUrl + "` (" + cliJar.getFileName() + ", -Xmx2g, token from SWAGGERSOCKET_TOKEN), each its own"
                    + " JVM; nginx worker_processes 1 (run.sh); CPU per call = utime+stime from /proc/PID/stat over"
                    + " each wrk run / its requests (nginx: master and worker)."
                    + (proxied == null ? "" : " Reference: wrk on " + nginxProxyUrl + ", a second server block of the"
                            + " same nginx proxying to the first (upstream keepalive 64, proxy_http_version 1.1, no"
                            + " Connection header), alternating with the other two variants."));
        } finally {
            if (agt != null) {
                children.stop(agt);
            }
            children.stop(srv);
        }
    }

    private static double[] col(WrkRun[] runs, java.util.function.ToDoubleFunction<WrkRun> f) {
        double[] out = new double[runs.length];
        for (int i = 0; i < runs.length; i++) {
            out[i] = f.applyAsDouble(runs[i]);
        }
        return out;
    }

    private WrkRun measuredWrk(String url, int connections, int seconds, String header, Process srv, Process agt,
            long nginxMaster) throws Exception {
        long s0 = cpuTicks(srv.pid());
        long a0 = cpuTicks(agt.pid());
        long n0 = cpuTicksWithChildren(nginxMaster);
        double[] w = wrk(url, connections, seconds, header);
        long s1 = cpuTicks(srv.pid());
        long a1 = cpuTicks(agt.pid());
        long n1 = cpuTicksWithChildren(nginxMaster);
        double requests = w[3];
        double usPerTick = 1e6 / clockTicks();
        return new WrkRun(w[0], (long) requests, w[1], w[2], (s1 - s0) * usPerTick / requests,
                (a1 - a0) * usPerTick / requests, (n1 - n0) * usPerTick / requests);
    }

    private static String newToken() {
        byte[] b = new byte[24];
        new java.security.SecureRandom().nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    /** GET {@code url} (with the token if not null); checks the status if {@code expect} >= 0; returns it. */
    private static int probe(String url, String token, int expect) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(java.time.Duration.ofSeconds(10)).build();
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).timeout(java.time.Duration.ofSeconds(10));
        if (token != null) {
            req.header("Authorization", "Bearer " + token);
        }
        HttpResponse<byte[]> resp = client.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (expect >= 0 && (resp.statusCode() != expect || expect == 200 && !java.util.Arrays.equals(resp.body(), NGINX_BODY))) {
            throw new IOException("GET " + url + " answered " + resp.statusCode() + " with " + resp.body().length + " bytes");
        }
        return resp.statusCode();
    }

    /** Starts the CLI jar in its own JVM, as users run it, with the token in SWAGGERSOCKET_TOKEN. */
    private Process cliJvm(String jvmOpts, String token, LineQueue out, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xmx2g");
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

    /** Stops the children still running (SIGTERM, then SIGKILL after 40 s each). */
    void stop() {
        children.stopAll();
    }

    /** Kills the children still running, at once: for a shutdown hook. */
    void destroyChildren() {
        children.destroyAll();
    }
}
