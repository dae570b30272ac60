package io.swaggersocket.bench;

import static io.swaggersocket.bench.Bench.log;

import io.swaggersocket.bench.Callers.Trial;

/**
 * Workload 1: sequential round trips, one caller, a tiny GET; our raw keep-alive client to the
 * agent's Undertow directly against {@code execute()} through the tunnel (the target of issue 11:
 * >= 0.8x, p99 within 2x), and the JDK HttpClient direct against {@code connection.httpClient()}.
 */
final class SequentialWorkload {
    static final double MIN_RATIO = 0.8;
    static final double MAX_P99_RATIO = 2.0;

    private final Callers callers;

    SequentialWorkload(Callers callers) {
        this.callers = callers;
    }

    void run() throws Exception {
        log("workload 1: sequential round trips, one caller, tiny GET");
        Trial[][] t = callers.alternate(1, callers.rawDirect("/tiny"), callers.tunnelExecute("/tiny"),
                callers.jdkDirect("/tiny"), callers.jdkTunnel("/tiny"));
        callers.addRateRows("1", "sequential, 1 caller, tiny GET: raw-socket client direct vs execute()", t[0], t[1],
                MIN_RATIO, MAX_P99_RATIO);
        callers.addRateRows("1", "sequential, 1 caller, tiny GET: JDK HttpClient direct vs connection.httpClient()",
                t[2], t[3], Double.NaN, Double.NaN);
    }
}
