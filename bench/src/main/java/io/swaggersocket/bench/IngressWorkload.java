package io.swaggersocket.bench;

import static io.swaggersocket.bench.Bench.log;
import static io.swaggersocket.bench.Table.fmt0;
import static io.swaggersocket.bench.Table.noise;
import static io.swaggersocket.bench.Table.ratio;
import static io.swaggersocket.bench.Table.row;
import static io.swaggersocket.bench.Wrk.hasWrk;
import static io.swaggersocket.bench.Wrk.wrk;

import java.util.List;
import java.util.Locale;

/**
 * Workload 3: wrk on the harness server's ingress ({@code /agents/bench-agent/tiny}) against wrk on
 * the agent's Undertow directly. No target: workload 7 is the ingress users run.
 */
final class IngressWorkload {
    private final Rig rig;
    private final Settings settings;

    IngressWorkload(Rig rig, Settings settings) {
        this.rig = rig;
        this.settings = settings;
    }

    void run() throws Exception {
        log("workload 3: ingress under wrk");
        List<String[]> rows = settings.rows();
        String what = "ingress under wrk -t2 -c64, tiny GET: direct vs /agents/" + Rig.AGENT + "/tiny";
        if (!rig.ingressStatus().startsWith("enabled")) {
            rows.add(row("3", what, "-", "-", "PENDING", ">= (none set)", rig.ingressStatus()));
            return;
        }
        String ingressPath = "/agents/" + Rig.AGENT + "/tiny";
        int port = rig.server().port();
        try (RawHttpClient probe = new RawHttpClient("127.0.0.1", port)) {
            int status = probe.get(ingressPath);
            if (status != 200 || probe.lastBodyLength != BenchHandler.TINY.length) {
                rig.ingressStatus("pending: GET " + ingressPath + " answered " + status + " with "
                        + probe.lastBodyLength + " body bytes");
                rows.add(row("3", what, "-", "-", "PENDING", "", rig.ingressStatus()));
                return;
            }
        }
        if (!hasWrk()) {
            rows.add(row("3", what, "-", "-", "SKIPPED", "", "wrk is not installed (run.sh installs it)"));
            return;
        }
        int repeats = settings.repeats();
        int seconds = settings.quick() ? 3 : 10;
        double[] dr = new double[repeats];
        double[] ir = new double[repeats];
        double[] d99 = new double[repeats];
        double[] i99 = new double[repeats];
        String direct = "http://127.0.0.1:" + rig.directPort() + "/tiny";
        String ingress = "http://127.0.0.1:" + port + ingressPath;
        wrk(direct, 2); // warm-up, both
        wrk(ingress, 2);
        for (int r = 0; r < repeats; r++) {
            settings.waitForQuiet();
            double[] d = wrk(direct, seconds);
            double[] i = wrk(ingress, seconds);
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
}
