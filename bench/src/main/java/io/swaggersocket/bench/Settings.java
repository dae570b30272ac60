package io.swaggersocket.bench;

import java.util.List;

/**
 * How long and how often each workload measures, and the table it adds to: {@code rows} (cells as
 * {@link Table} writes them) and {@code notes} (lines under the table).
 */
record Settings(boolean quick, int repeats, double warmSeconds, double measureSeconds, List<String[]> rows,
        List<String> notes) {

    static Settings of(boolean quick, List<String[]> rows, List<String> notes) {
        return new Settings(quick, quick ? 3 : 5, quick ? 1 : 3, quick ? 2 : 5, rows, notes);
    }

    /**
     * Between repeats nothing is waited for: the load average would count this run's own JVMs.
     * run.sh waits for a quiet machine before it starts; the load at the start is in the table.
     */
    void waitForQuiet() {
    }
}
