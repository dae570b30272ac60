package io.swaggersocket.server;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Counts how often each {@link ServerLimits} limit was hit, for {@code /metrics}, and logs a hit
 * at WARNING at most once per interval per limit (with how many came since), so that a flood of
 * refused requests cannot flood the log too. Thread-safe and lock-free.
 */
final class LimitHits {
    private static final System.Logger LOG = System.getLogger(LimitHits.class.getName());
    /** How often one limit is logged at most. */
    static final long LOG_INTERVAL_NANOS = 60_000_000_000L;

    /** The limits, as the metric's {@code limit} label names them. */
    enum Limit {
        /** {@link ServerLimits#maxIngressCalls()}: 503. */
        INGRESS_CALLS,
        /** {@link ServerLimits#maxPendingUpgrades()}: 503. */
        PENDING_UPGRADES,
        /** {@link ServerLimits#maxConnectionsPerPrincipal()}: 429. */
        CONNECTIONS_PER_PRINCIPAL,
        /** {@link ServerLimits#maxConnectionsPerAddress()}: 429. */
        CONNECTIONS_PER_ADDRESS,
        /** {@link ServerLimits#responseHeadTimeout()}: 504. */
        RESPONSE_HEAD_TIMEOUT,
        /** {@link ServerLimits#bodyIdleTimeout()}: a body cut. */
        BODY_IDLE_TIMEOUT;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<Limit, LongAdder> hits = new EnumMap<>(Limit.class);
    private final Map<Limit, AtomicLong> lastLogged = new EnumMap<>(Limit.class);
    private final Map<Limit, AtomicLong> sinceLogged = new EnumMap<>(Limit.class);
    private final LongSupplier nanoTime;

    LimitHits() {
        this(System::nanoTime);
    }

    LimitHits(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        for (Limit l : Limit.values()) {
            hits.put(l, new LongAdder());
            lastLogged.put(l, new AtomicLong(nanoTime.getAsLong() - LOG_INTERVAL_NANOS));
            sinceLogged.put(l, new AtomicLong());
        }
    }

    /**
     * Counts one hit of {@code limit}; logs it (with {@code detail}, which must hold no secret) if
     * that limit was not logged within the interval. Returns true if this hit was logged.
     */
    boolean hit(Limit limit, String detail) {
        hits.get(limit).increment();
        sinceLogged.get(limit).incrementAndGet();
        long now = nanoTime.getAsLong();
        AtomicLong last = lastLogged.get(limit);
        long was = last.get();
        if (now - was < LOG_INTERVAL_NANOS || !last.compareAndSet(was, now)) {
            return false;
        }
        long count = sinceLogged.get(limit).getAndSet(0);
        LOG.log(System.Logger.Level.WARNING, "limit {0} hit {1} time(s) since it was last logged; latest: {2}",
                limit.label(), String.valueOf(Math.max(1, count)), detail);
        return true;
    }

    /** How often {@code limit} was hit since the server started. */
    long count(Limit limit) {
        return hits.get(limit).sum();
    }
}
