package io.swaggersocket.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.swaggersocket.internal.metrics.MeterSetup;
import java.util.concurrent.atomic.AtomicInteger;

/** The event hub's meters (README, Metrics): registered once, incremented on the hot path. Thread-safe. */
final class EventMetrics {
    private final Counter published;
    private final Counter delivered;
    private final Counter historyGaps;
    private final Counter slowGaps;
    private final Counter restartGaps;
    private final Counter unavailableGaps;
    private final Counter closedSlow;
    private final AtomicInteger subscribers = new AtomicInteger();

    EventMetrics(MeterSetup setup) {
        MeterRegistry r = setup.registry();
        published = setup.add(Counter.builder("swaggersocket.events.published")
                .description("Events published on the server's event hub (built-in, application and agent events).")
                .register(r));
        delivered = setup.add(Counter.builder("swaggersocket.events.delivered")
                .description("Events sent to /events subscribers, one per subscriber that received it.").register(r));
        historyGaps = setup.add(Counter.builder("swaggersocket.events.gaps")
                .description("Gap events sent to /events subscribers, by reason.").tag("reason", "history").register(r));
        slowGaps = setup.add(Counter.builder("swaggersocket.events.gaps")
                .description("Gap events sent to /events subscribers, by reason.").tag("reason", "slow").register(r));
        restartGaps = setup.add(Counter.builder("swaggersocket.events.gaps")
                .description("Gap events sent to /events subscribers, by reason.").tag("reason", "restart").register(r));
        unavailableGaps = setup.add(Counter.builder("swaggersocket.events.gaps")
                .description("Gap events sent to /events subscribers, by reason.").tag("reason", "unavailable")
                .register(r));
        closedSlow = setup.add(Counter.builder("swaggersocket.events.subscribers.closed.slow")
                .description("/events subscribers closed because their socket took no byte for the write timeout.")
                .register(r));
        setup.add(Gauge.builder("swaggersocket.events.subscribers", subscribers, AtomicInteger::get)
                .description("/events subscribers connected now.").register(r));
    }

    void published() {
        published.increment();
    }

    void delivered() {
        delivered.increment();
    }

    void gap(String reason) {
        switch (reason) {
            case "slow" -> slowGaps.increment();
            case "restart" -> restartGaps.increment();
            case "unavailable" -> unavailableGaps.increment();
            default -> historyGaps.increment();
        }
    }

    void closedSlow() {
        closedSlow.increment();
    }

    void subscribers(int now) {
        subscribers.set(now);
    }

    double count(String what) {
        return switch (what) {
            case "published" -> published.count();
            case "delivered" -> delivered.count();
            case "history" -> historyGaps.count();
            case "slow" -> slowGaps.count();
            case "restart" -> restartGaps.count();
            case "closedSlow" -> closedSlow.count();
            default -> subscribers.get();
        };
    }
}
