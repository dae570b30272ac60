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

    /** The target cell of a floor on a ratio: ">= 0.8x: met", or MISSED, from the measured ratio. */
    static String atLeast(double ratio, double min) {
        return status(">= " + num(min) + "x", ratio >= min, ratio);
    }

    /** The target cell of a ceiling: "<= 2x: met", or MISSED. */
    static String atMost(double value, double max, String unit) {
        return status("<= " + num(max) + unit, value <= max, value);
    }

    /** The target cell of a strict ceiling: "< 5 ms: met", or MISSED. */
    static String below(double value, double limit, String unit) {
        return status("< " + num(limit) + unit, value < limit, value);
    }

    private static String status(String target, boolean met, double measured) {
        if (Double.isNaN(measured) || Double.isInfinite(measured)) {
            return target + ": not measured";
        }
        return target + (met ? ": met" : ": MISSED");
    }

    private static String num(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
    }
}
