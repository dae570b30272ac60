package io.swaggersocket.bench;

import static io.swaggersocket.bench.Bench.log;
import static io.swaggersocket.bench.Table.atLeast;
import static io.swaggersocket.bench.Table.atMost;
import static io.swaggersocket.bench.Table.fmt0;
import static io.swaggersocket.bench.Table.fmt1;
import static io.swaggersocket.bench.Table.noise;
import static io.swaggersocket.bench.Table.ratio;
import static io.swaggersocket.bench.Table.row;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;

/**
 * The callers of workloads 1, 2 and 5 (direct and through the tunnel, with our raw client, the
 * tunnel's {@code execute()} and the JDK HttpClient), timed trials of them, and the rows a trial
 * becomes.
 */
final class Callers {
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

    private final Rig rig;
    private final Settings settings;

    Callers(Rig rig, Settings settings) {
        this.rig = rig;
        this.settings = settings;
    }

    CallFactory rawDirect(String path) {
        return () -> {
            RawHttpClient c = new RawHttpClient("127.0.0.1", rig.directPort());
            return () -> check(c.get(path));
        };
    }

    CallFactory tunnelExecute(String path) {
        return () -> () -> {
            try (ClassicHttpResponse r = rig.tunnel().execute(ClassicRequestBuilder.get(path).build())) {
                check(r.getCode());
                drain(r.getEntity());
            }
        };
    }

    CallFactory jdkDirect(String path) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create("http://127.0.0.1:" + rig.directPort() + path);
        return () -> () -> check(client.send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofByteArray()).statusCode());
    }

    CallFactory jdkTunnel(String path) {
        HttpClient client = rig.tunnel().httpClient();
        URI uri = URI.create("http://" + Rig.AGENT + path);
        return () -> () -> check(client.send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofByteArray()).statusCode());
    }

    static void check(int status) throws IOException {
        if (status != 200) {
            throw new IOException("expected 200 but was " + status);
        }
    }

    static long drain(HttpEntity entity) throws IOException {
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
    Trial trial(CallFactory factory, int threads) throws Exception {
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
        window[0] = start + (long) (settings.warmSeconds() * 1e9);
        window[1] = window[0] + (long) (settings.measureSeconds() * 1e9);
        go.countDown();
        // CPU time of both JVMs over the measured window: a cost per call that foreign load on
        // the machine disturbs far less than it disturbs throughput and latency.
        sleepUntil(window[0]);
        long cpu0 = rig.cpuNanosBothJvms();
        sleepUntil(window[1]);
        long cpu1 = rig.cpuNanosBothJvms();
        for (Thread w : workers) {
            w.join();
        }
        if (failure.get() != null) {
            throw new IOException("a caller failed: " + failure.get(), failure.get());
        }
        long[] all = Stats.Longs.sortedUnion(samples);
        return new Trial(all.length / settings.measureSeconds(), Stats.percentile(all, 50), Stats.percentile(all, 99),
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
    Trial[][] alternate(int threads, CallFactory... variants) throws Exception {
        Trial[][] out = new Trial[variants.length][settings.repeats()];
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
        for (int r = 0; r < settings.repeats(); r++) {
            settings.waitForQuiet();
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

    /**
     * The rows of one direct/tunnel pair: req/s with its ratio checked against {@code minRatio}
     * (none if NaN), latency, and, if {@code maxP99Ratio} is not NaN, the tunnel's p99 over the
     * direct p99 checked against it; then CPU per call.
     */
    void addRateRows(String n, String what, Trial[] direct, Trial[] tunnelled, double minRatio, double maxP99Ratio) {
        double[] dr = col(direct, Trial::rps);
        double[] tr = col(tunnelled, Trial::rps);
        double d = Stats.median(dr);
        double tv = Stats.median(tr);
        List<String[]> rows = settings.rows();
        rows.add(row(n, what + ", req/s", fmt0(d), fmt0(tv), ratio(tv / d),
                Double.isNaN(minRatio) ? "(none set)" : atLeast(tv / d, minRatio), noise(dr) + " / " + noise(tr)));
        double[] d50 = col(direct, t -> t.p50 / 1000.0);
        double[] t50 = col(tunnelled, t -> t.p50 / 1000.0);
        double[] d99 = col(direct, t -> t.p99 / 1000.0);
        double[] t99 = col(tunnelled, t -> t.p99 / 1000.0);
        rows.add(row(n, "  same, latency p50 / p99 (us)",
                fmt0(Stats.median(d50)) + " / " + fmt0(Stats.median(d99)),
                fmt0(Stats.median(t50)) + " / " + fmt0(Stats.median(t99)), "", "", ""));
        if (!Double.isNaN(maxP99Ratio)) {
            double p99Ratio = Stats.median(t99) / Stats.median(d99);
            rows.add(row(n, "  same, p99 latency, tunnel over direct (us)", fmt0(Stats.median(d99)),
                    fmt0(Stats.median(t99)), ratio(p99Ratio), atMost(p99Ratio, maxP99Ratio, "x"),
                    noise(d99) + " / " + noise(t99)));
        }
        double[] dc = col(direct, Trial::cpuUsPerCall);
        double[] tc = col(tunnelled, Trial::cpuUsPerCall);
        rows.add(row(n, "  same, CPU per call, both JVMs (us)", fmt1(Stats.median(dc)), fmt1(Stats.median(tc)),
                ratio(Stats.median(tc) / Stats.median(dc)), "", noise(dc) + " / " + noise(tc)));
    }

    private static double[] col(Trial[] trials, java.util.function.ToDoubleFunction<Trial> f) {
        double[] out = new double[trials.length];
        for (int i = 0; i < trials.length; i++) {
            out[i] = f.applyAsDouble(trials[i]);
        }
        return out;
    }
}
