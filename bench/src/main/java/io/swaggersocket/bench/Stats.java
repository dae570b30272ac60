package io.swaggersocket.bench;

import java.util.Arrays;

/** Small statistics helpers: medians across repeats, spreads, percentiles of latency samples. */
final class Stats {
    private Stats() {
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** (max - min) / median across repeats, as a fraction: how noisy a figure is. */
    static double spread(double[] values) {
        double m = median(values);
        if (m == 0) {
            return 0;
        }
        return (Arrays.stream(values).max().orElse(0) - Arrays.stream(values).min().orElse(0)) / m;
    }

    static double max(double[] values) {
        return Arrays.stream(values).max().orElse(0);
    }

    /** The p-th percentile (0..100) of sorted samples. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /** A growable array of longs. */
    static final class Longs {
        long[] a = new long[1024];
        int n;

        void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        static long[] sortedUnion(Iterable<Longs> all) {
            int total = 0;
            for (Longs l : all) {
                total += l.n;
            }
            long[] out = new long[total];
            int k = 0;
            for (Longs l : all) {
                System.arraycopy(l.a, 0, out, k, l.n);
                k += l.n;
            }
            Arrays.sort(out);
            return out;
        }
    }
}
