package io.swaggersocket.bench;

import java.util.Locale;

/** The cells of the harness's table: how each kind of figure is written (Locale.ROOT throughout). */
final class Table {
    private Table() {
    }

    static String[] row(String... cells) {
        return cells;
    }

    static String ratio(double r) {
        return String.format(Locale.ROOT, "%.2fx", r);
    }

    static String noise(double[] values) {
        return String.format(Locale.ROOT, "%.0f%%", Stats.spread(values) * 100);
    }

    static String fmt0(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    static String fmt1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String fmt2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
    }
}
