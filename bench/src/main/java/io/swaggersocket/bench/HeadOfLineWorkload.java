package io.swaggersocket.bench;

import static io.swaggersocket.bench.Bench.log;
import static io.swaggersocket.bench.BulkWorkload.GIB;
import static io.swaggersocket.bench.Callers.check;
import static io.swaggersocket.bench.Callers.drain;
import static io.swaggersocket.bench.Table.below;
import static io.swaggersocket.bench.Table.fmt2;
import static io.swaggersocket.bench.Table.noise;
import static io.swaggersocket.bench.Table.row;

import io.swaggersocket.bench.Callers.Call;
import io.swaggersocket.bench.Callers.Trial;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;

/**
 * Workload 5: sequential small calls while a 1 GiB transfer runs, each way; through the tunnel both
 * share one socket (target: small-call p99 < 5 ms), direct the small calls take another connection.
 */
final class HeadOfLineWorkload {
    static final double MAX_P99_MS = 5;

    interface Task {
        void run() throws Exception;
    }

    private final Rig rig;
    private final Callers callers;
    private final Settings settings;

    HeadOfLineWorkload(Rig rig, Callers callers, Settings settings) {
        this.rig = rig;
        this.callers = callers;
        this.settings = settings;
    }

    void run() throws Exception {
        log("workload 5: small calls during a 1 GiB transfer");
        String down = "/bytes?n=" + GIB;
        int repeats = settings.repeats();
        int directPort = rig.directPort();
        double[][] p99 = new double[4][repeats];
        double[][] p50 = new double[4][repeats];
        for (int r = 0; r < repeats; r++) {
            settings.waitForQuiet();
            Trial[] t = {
                duringTransfer(rawSmall(), () -> {
                    try (RawHttpClient c = new RawHttpClient("127.0.0.1", directPort)) {
                        check(c.get(down));
                    }
                }),
                duringTransfer(tunnelSmall(), () -> {
                    try (ClassicHttpResponse resp = rig.tunnel().execute(ClassicRequestBuilder.get(down).build())) {
                        drain(resp.getEntity());
                    }
                }),
                duringTransfer(rawSmall(), () -> {
                    try (RawHttpClient c = new RawHttpClient("127.0.0.1", directPort)) {
                        check(c.post("/sink", GIB));
                    }
                }),
                duringTransfer(tunnelSmall(), () -> {
                    try (ClassicHttpResponse resp = rig.tunnel().execute(ClassicRequestBuilder.post("/sink")
                            .setEntity(new BenchHandler.BulkEntity(GIB)).build())) {
                        drain(resp.getEntity());
                    }
                })};
            for (int v = 0; v < 4; v++) {
                p99[v][r] = t[v].p99() / 1e6;
                p50[v][r] = t[v].p50() / 1e6;
                log(String.format(Locale.ROOT, "  repeat %d variant %d: %d calls, p50 %.2f ms p99 %.2f ms max %.2f ms",
                        r + 1, v + 1, t[v].count(), t[v].p50() / 1e6, t[v].p99() / 1e6, t[v].max() / 1e6));
            }
        }
        addRows("small GETs during 1 GiB agent->server, p99 ms (direct: another connection)", p99[0], p99[1], p50[0],
                p50[1]);
        addRows("small GETs during 1 GiB server->agent, p99 ms (direct: another connection)", p99[2], p99[3], p50[2],
                p50[3]);
    }

    private void addRows(String what, double[] d99, double[] t99, double[] d50, double[] t50) {
        List<String[]> rows = settings.rows();
        rows.add(row("5", what, fmt2(Stats.median(d99)), fmt2(Stats.median(t99)), "",
                below(Stats.median(t99), MAX_P99_MS, " ms"), noise(d99) + " / " + noise(t99)));
        rows.add(row("5", "  same, p50 ms", fmt2(Stats.median(d50)), fmt2(Stats.median(t50)), "", "", ""));
    }

    private Call rawSmall() throws Exception {
        return callers.rawDirect("/tiny").open();
    }

    private Call tunnelSmall() throws Exception {
        return callers.tunnelExecute("/tiny").open();
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
}
