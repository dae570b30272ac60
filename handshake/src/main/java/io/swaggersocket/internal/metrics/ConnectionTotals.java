package io.swaggersocket.internal.metrics;

import io.swaggersocket.mux.SocketConnection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The connections open now and the byte totals of all of them, open and closed, for gauges and
 * counters read at scrape time. Thread-safe and lock-free; nothing is counted per frame here
 * (each connection counts its own bytes).
 *
 * <p>A connection's bytes move to the closed totals when it is {@link #gone}; a scrape between
 * its removal and that addition could see the sum dip, so the totals reported never go below the
 * last ones reported, keeping the counters monotonic as Prometheus requires.
 */
public final class ConnectionTotals {
    private final Set<SocketConnection> live = ConcurrentHashMap.newKeySet();
    private final LongAdder closedIn = new LongAdder();
    private final LongAdder closedOut = new LongAdder();
    private final AtomicLong reportedIn = new AtomicLong();
    private final AtomicLong reportedOut = new AtomicLong();

    /** {@code connection} is open: it counts from now until {@link #gone}. */
    public void opened(SocketConnection connection) {
        live.add(connection);
    }

    /** {@code connection} has closed: its bytes join the closed totals. Only the first call per connection counts. */
    public void gone(SocketConnection connection) {
        if (live.remove(connection)) {
            closedIn.add(connection.bytesIn());
            closedOut.add(connection.bytesOut());
        }
    }

    /** The connections open now. */
    public int connections() {
        return live.size();
    }

    /** Streams open now on all open connections, both directions. */
    public long streams() {
        long n = 0;
        for (SocketConnection c : live) {
            n += c.activeStreams();
        }
        return n;
    }

    /** Bytes received on all connections, open and closed; never less than the last value returned. */
    public long bytesIn() {
        long n = closedIn.sum();
        for (SocketConnection c : live) {
            n += c.bytesIn();
        }
        return reportedIn.accumulateAndGet(n, Math::max);
    }

    /** Bytes sent on all connections, open and closed; never less than the last value returned. */
    public long bytesOut() {
        long n = closedOut.sum();
        for (SocketConnection c : live) {
            n += c.bytesOut();
        }
        return reportedOut.accumulateAndGet(n, Math::max);
    }
}
