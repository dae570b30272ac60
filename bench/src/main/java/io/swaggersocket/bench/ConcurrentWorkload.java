package io.swaggersocket.bench;

import static io.swaggersocket.bench.Bench.log;

import io.swaggersocket.bench.Callers.Trial;

/** Workload 2: 64 concurrent callers, a tiny GET; 64 raw keep-alive connections against one tunnel. */
final class ConcurrentWorkload {
    static final double MIN_RATIO = 0.6;

    private final Callers callers;

    ConcurrentWorkload(Callers callers) {
        this.callers = callers;
    }

    void run() throws Exception {
        log("workload 2: 64 concurrent callers, tiny GET");
        Trial[][] t = callers.alternate(64, callers.rawDirect("/tiny"), callers.tunnelExecute("/tiny"));
        callers.addRateRows("2", "64 callers, tiny GET: 64 raw keep-alive connections vs execute() on one socket",
                t[0], t[1], MIN_RATIO, Double.NaN);
    }
}
