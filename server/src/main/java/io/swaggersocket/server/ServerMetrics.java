package io.swaggersocket.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.swaggersocket.internal.metrics.ConnectionTotals;
import io.swaggersocket.internal.metrics.MeterSetup;
import io.swaggersocket.mux.SocketConnection;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A server's meters on Micrometer: counters, gauges and the ingress latency histogram, all
 * registered once when the server is built, so that recording on the hot path is an increment
 * of a meter held in a field (no lookup by name or tag). Thread-safe. What {@code /metrics}
 * serves is the Prometheus registry of {@link #setup()}; the names, types and labels are those
 * of the README's metrics section.
 */
final class ServerMetrics implements AutoCloseable {
    /** Upper bounds of the latency buckets: 5 ms to 2 min, for calls and long downloads. */
    private static final Duration[] BUCKETS = seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120);

    /** Why an ingress call did not get the agent's answer through; the label of the error counter. */
    enum IngressError {
        /** Bad ingress path: no agent name (404), or a dot segment (400). */
        BAD_PATH,
        /** The client's body framing is refused or its chunked body is malformed (400, or an abort once answering). */
        BAD_BODY,
        /** No connected agent has the name (404). */
        NO_AGENT,
        /** The agent's connection was lost, or it reset the stream (502). */
        AGENT_LOST,
        /** An upgrade (WebSocket) to an agent whose version cannot carry upgrades through the tunnel (502). */
        NO_UPGRADE,
        /** The agent's response head is not valid HTTP: a header name or value it may not hold (502). */
        BAD_RESPONSE,
        /** The agent refused the stream: too many in flight, or draining (503). */
        AGENT_BUSY,
        /** No response head within the request timeout (504). */
        TIMEOUT,
        /** The request head is larger than the agent accepts (431). */
        HEAD_TOO_LARGE,
        /** The agent was lost after the response had started: the client connection was aborted. */
        RESPONSE_ABORTED,
        /** The calling client went away or failed while sending its body or reading the answer. */
        CLIENT_ABORTED,
        /** The server is shutting down (503). */
        SHUTTING_DOWN,
        /** The caller may not call this agent (403), or its signed body did not match (401). */
        FORBIDDEN,
        /** {@link ServerLimits#maxIngressCalls()} calls were in flight (503). */
        OVERLOADED;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterSetup setup;
    /** Each limit of {@link ServerLimits} hit: counted here, logged at most once a minute each. */
    final LimitHits limits = new LimitHits();
    private final ConnectionTotals totals = new ConnectionTotals();
    private final AgentSeries agents;
    /** The event hub's meters. */
    final EventMetrics hub;
    private final Map<ConnectionEvent.Type, Counter> events = new EnumMap<>(ConnectionEvent.Type.class);
    private final Map<HttpGuard.Endpoint, Counter> authFailures = new EnumMap<>(HttpGuard.Endpoint.class);
    private final Map<IngressError, Counter> ingressErrors = new EnumMap<>(IngressError.class);
    /** Index 0 to 4: 1xx to 5xx, looked up by arithmetic on the status. */
    private final Counter[] ingressByClass = new Counter[5];
    private final AtomicLong ingressInFlight = new AtomicLong();
    private final Timer ingressDuration;

    /** Registers every meter in {@code setup}'s registry. */
    ServerMetrics(MeterSetup setup) {
        this.setup = setup;
        MeterRegistry r = setup.registry();
        agents = new AgentSeries(setup);
        hub = new EventMetrics(setup);
        setup.add(Gauge.builder("swaggersocket.connections", totals::connections)
                .description("Agent connections open now.").register(r));
        setup.add(Gauge.builder("swaggersocket.streams", totals::streams)
                .description("Streams open now on all connections, both directions.").register(r));
        setup.add(FunctionCounter.builder("swaggersocket.received.bytes", totals, ConnectionTotals::bytesIn)
                .description("Bytes of frames received from agents, on open and closed connections.").register(r));
        setup.add(FunctionCounter.builder("swaggersocket.sent.bytes", totals, ConnectionTotals::bytesOut)
                .description("Bytes of frames sent to agents, on open and closed connections.").register(r));
        for (ConnectionEvent.Type t : ConnectionEvent.Type.values()) {
            events.put(t, setup.add(Counter.builder("swaggersocket.connection.events")
                    .description("Connections received (handshake done), closed in order, and failed.")
                    .tag("type", t.name().toLowerCase(Locale.ROOT)).register(r)));
        }
        for (HttpGuard.Endpoint e : HttpGuard.Endpoint.values()) {
            authFailures.put(e, setup.add(Counter.builder("swaggersocket.auth.failures")
                    .description("Requests refused or failed by the authenticator, by endpoint.")
                    .tag("endpoint", e.label()).register(r)));
        }
        for (int i = 0; i < ingressByClass.length; i++) {
            ingressByClass[i] = setup.add(Counter.builder("swaggersocket.ingress.requests")
                    .description("Ingress calls answered, by the class of the status sent.")
                    .tag("code", (i + 1) + "xx").register(r));
        }
        for (IngressError e : IngressError.values()) {
            ingressErrors.put(e, setup.add(Counter.builder("swaggersocket.ingress.errors")
                    .description("Ingress calls that did not get an agent's answer through, by reason.")
                    .tag("reason", e.label()).register(r)));
        }
        for (LimitHits.Limit l : LimitHits.Limit.values()) {
            setup.add(FunctionCounter.builder("swaggersocket.limit.hits", limits, h -> h.count(l))
                    .description("Requests refused or cut by a limit of the server (see ServerLimits), by limit.")
                    .tag("limit", l.label()).register(r));
        }
        setup.add(Gauge.builder("swaggersocket.ingress.in.flight", ingressInFlight, AtomicLong::get)
                .description("Ingress calls in progress now.").register(r));
        ingressDuration = setup.add(Timer.builder("swaggersocket.ingress.duration")
                .description("Ingress call latency, from the request to the end of the response body.")
                .serviceLevelObjectives(BUCKETS).register(r));
    }

    private static Duration[] seconds(double... bounds) {
        Duration[] out = new Duration[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            out[i] = Duration.ofNanos(Math.round(bounds[i] * 1e9));
        }
        return out;
    }

    /** The registries: where the meters are, and what {@code /metrics} reads. */
    MeterSetup setup() {
        return setup;
    }

    void connectionEvent(ConnectionEvent.Type type) {
        events.get(type).increment();
    }

    /** {@code connection} is live (in the registry): its traffic and its agent name's series count from now. */
    void connectionOpened(SocketConnection connection) {
        totals.opened(connection);
        agents.opened(connection);
    }

    /** Called once a connection has left the registry: its traffic moves to the closed totals. */
    void connectionGone(SocketConnection connection) {
        totals.gone(connection);
        agents.gone(connection);
    }

    void authFailed(HttpGuard.Endpoint endpoint) {
        authFailures.get(endpoint).increment();
    }

    void ingressStarted() {
        ingressInFlight.incrementAndGet();
    }

    void ingressError(IngressError error) {
        ingressErrors.get(error).increment();
    }

    /** One ingress call has ended with {@code status} (0 when nothing could be sent) after {@code nanos}. */
    void ingressFinished(int status, long nanos) {
        ingressInFlight.decrementAndGet();
        if (status >= 100 && status < 600) {
            ingressByClass[status / 100 - 1].increment();
        }
        ingressDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Removes the meters from a registry of the user's, or closes the private one. */
    @Override
    public void close() {
        setup.close();
    }
}
