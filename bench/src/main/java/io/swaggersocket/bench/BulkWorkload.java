package io.swaggersocket.bench;

import static io.swaggersocket.bench.Bench.log;
import static io.swaggersocket.bench.Callers.check;
import static io.swaggersocket.bench.Callers.drain;
import static io.swaggersocket.bench.Table.atLeast;
import static io.swaggersocket.bench.Table.below;
import static io.swaggersocket.bench.Table.fmt0;
import static io.swaggersocket.bench.Table.fmt2;
import static io.swaggersocket.bench.Table.mib;
import static io.swaggersocket.bench.Table.noise;
import static io.swaggersocket.bench.Table.ratio;
import static io.swaggersocket.bench.Table.row;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;

/**
 * Workload 4: 1 GiB each way, our raw client to the agent's Undertow directly against
 * {@code execute()} through the tunnel; MB/s (target >= 0.6x of direct), peak heap growth of each JVM
 * (target < 64 MiB) and the CPU both JVMs spent per GiB.
 */
final class BulkWorkload {
    static final long GIB = 1L << 30;
    static final double MIN_RATIO = 0.6;
    static final double MAX_HEAP_MIB = 64;

    /** One transfer: MB/s, peak heap growth of each JVM, and the CPU both JVMs spent per GiB (s). */
    private record Bulk(double mbps, long serverHeap, long agentHeap, double cpuPerGib) {
        Bulk(double mbps, long serverHeap, long agentHeap) {
            this(mbps, serverHeap, agentHeap, 0);
        }
    }

    interface Transfer {
        long run() throws Exception;
    }

    private final Rig rig;
    private final Settings settings;

    BulkWorkload(Rig rig, Settings settings) {
        this.rig = rig;
        this.settings = settings;
    }

    void run() throws Exception {
        log("workload 4: 1 GiB each way");
        int repeats = settings.repeats();
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
            settings.waitForQuiet();
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
        int directPort = rig.directPort();
        return new Transfer[] {
            () -> {
                try (RawHttpClient c = new RawHttpClient("127.0.0.1", directPort)) {
                    check(c.get(down));
                    return c.lastBodyLength;
                }
            },
            () -> {
                try (ClassicHttpResponse resp = rig.tunnel().execute(ClassicRequestBuilder.get(down).build())) {
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
                try (ClassicHttpResponse resp = rig.tunnel().execute(ClassicRequestBuilder.post("/sink")
                        .setEntity(new BenchHandler.BulkEntity(n)).build())) {
                    check(resp.getCode());
                    drain(resp.getEntity());
                    return n;
                }
            }};
    }

    private Bulk measureBulk(Transfer transfer) throws Exception {
        rig.agentCommand("HEAPRESET");
        HeapMonitor.reset();
        long cpu0 = rig.cpuNanosBothJvms();
        long start = System.nanoTime();
        long bytes = transfer.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        long cpu = rig.cpuNanosBothJvms() - cpu0;
        if (bytes != GIB) {
            throw new IOException("expected " + GIB + " bytes but moved " + bytes);
        }
        long serverHeap = HeapMonitor.peakGrowth();
        String[] agentPeak = rig.agentCommand("HEAPPEAK").split(" ");
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
        List<String[]> rows = settings.rows();
        double r = Stats.median(t) / Stats.median(d);
        rows.add(row("4", "1 GiB " + what + ", MB/s", fmt0(Stats.median(d)), fmt0(Stats.median(t)), ratio(r),
                atLeast(r, MIN_RATIO), noise(d) + " / " + noise(t)));
        rows.add(row("4", "  same, peak heap growth after GC, worst JVM and repeat (MiB)", mib(dHeap), mib(tHeap),
                "", below(tHeap / 1048576.0, MAX_HEAP_MIB, " MiB"), ""));
        double[] dc = new double[direct.length];
        double[] tc = new double[tunnelled.length];
        for (int i = 0; i < dc.length; i++) {
            dc[i] = direct[i].cpuPerGib;
            tc[i] = tunnelled[i].cpuPerGib;
        }
        rows.add(row("4", "  same, CPU of both JVMs per GiB (s)", fmt2(Stats.median(dc)), fmt2(Stats.median(tc)),
                ratio(Stats.median(tc) / Stats.median(dc)), "", noise(dc) + " / " + noise(tc)));
    }
}
