package io.swaggersocket.server;

import io.swaggersocket.mux.SocketConnection;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * A server's counters, gauges and the ingress latency histogram, written in the Prometheus text
 * exposition format 0.0.4. Thread-safe: recording is lock-free; a scrape reads the live
 * connections at that moment.
 *
 * <p>Byte counters add the totals of closed connections to those of the live ones. A connection
 * leaves the registry a moment before its totals are added, so a scrape in between could see the
 * sum dip; the value written never goes below the last one written, so the counters stay
 * monotonic as Prometheus requires.
 */
final class ServerMetrics {
    /** Upper bounds of the latency buckets, in seconds: 5 ms to 2 min, for calls and long downloads. */
    private static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};

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

    private final Supplier<Collection<SocketConnection>> live;
    /** Each limit of {@link ServerLimits} hit: counted here, logged at most once a minute each. */
    final LimitHits limits = new LimitHits();

    private final LongAdder closedBytesIn = new LongAdder();
    private final LongAdder closedBytesOut = new LongAdder();
    private final AtomicLong reportedBytesIn = new AtomicLong();
    private final AtomicLong reportedBytesOut = new AtomicLong();
    private final Map<ConnectionEvent.Type, LongAdder> events = new EnumMap<>(ConnectionEvent.Type.class);
    private final Map<HttpGuard.Endpoint, LongAdder> authFailures = new EnumMap<>(HttpGuard.Endpoint.class);
    private final Map<IngressError, LongAdder> ingressErrors = new EnumMap<>(IngressError.class);
    /** Index 0 to 4: 1xx to 5xx. */
    private final LongAdder[] ingressByClass = new LongAdder[5];
    private final AtomicLong ingressInFlight = new AtomicLong();
    /** Not cumulative: one count per bucket, the last one for +Inf; summed when written. */
    private final LongAdder[] latencyBuckets = new LongAdder[BUCKETS.length + 1];
    private final DoubleAdder latencySum = new DoubleAdder();

    ServerMetrics(Supplier<Collection<SocketConnection>> live) {
        this.live = live;
        for (ConnectionEvent.Type t : ConnectionEvent.Type.values()) {
            events.put(t, new LongAdder());
        }
        for (HttpGuard.Endpoint e : HttpGuard.Endpoint.values()) {
            authFailures.put(e, new LongAdder());
        }
        for (IngressError e : IngressError.values()) {
            ingressErrors.put(e, new LongAdder());
        }
        for (int i = 0; i < ingressByClass.length; i++) {
            ingressByClass[i] = new LongAdder();
        }
        for (int i = 0; i < latencyBuckets.length; i++) {
            latencyBuckets[i] = new LongAdder();
        }
    }

    void connectionEvent(ConnectionEvent.Type type) {
        events.get(type).increment();
    }

    /** Called once a connection has left the registry: its traffic moves to the closed totals. */
    void connectionGone(SocketConnection connection) {
        closedBytesIn.add(connection.bytesIn());
        closedBytesOut.add(connection.bytesOut());
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
        double seconds = nanos / 1e9;
        latencySum.add(seconds);
        int i = 0;
        while (i < BUCKETS.length && seconds > BUCKETS[i]) {
            i++;
        }
        latencyBuckets[i].increment();
    }

    /** The exposition text of every metric, as of now. */
    String scrape() {
        return scrape(name -> true, true);
    }

    /**
     * The exposition text as one caller may see it: the per-agent series of the agents whose
     * names {@code visible} accepts (a {@code null} name: agents without one), and, with
     * {@code global}, the server-wide series too.
     */
    String scrape(Predicate<String> visible, boolean global) {
        StringBuilder out = new StringBuilder(4096);
        if (global) {
            global(out);
        }
        perAgent(out, visible);
        return out.toString();
    }

    private void perAgent(StringBuilder out, Predicate<String> visible) {
        Map<String, long[]> byAgent = new TreeMap<>();
        for (SocketConnection c : live.get()) {
            String name = AgentPool.nameOf(c);
            if (visible.test(name)) {
                long[] v = byAgent.computeIfAbsent(name == null ? "" : name, k -> new long[4]);
                v[0]++;
                v[1] += c.activeStreams();
                v[2] += c.bytesIn();
                v[3] += c.bytesOut();
            }
        }
        String[][] families = {
            {"swaggersocket_agent_connections", "Open connections of each agent name (\"\" for agents without one)."},
            {"swaggersocket_agent_streams", "Streams open now on each agent name's connections."},
            {"swaggersocket_agent_received_bytes", "Bytes received on each agent name's open connections."},
            {"swaggersocket_agent_sent_bytes", "Bytes sent on each agent name's open connections."}};
        for (int i = 0; i < families.length; i++) {
            family(out, families[i][0], "gauge", families[i][1]);
            for (Map.Entry<String, long[]> e : byAgent.entrySet()) {
                sample(out, families[i][0], "{agent=\"" + escape(e.getKey()) + "\"}", e.getValue()[i]);
            }
        }
    }

    /** A label value as the text format wants it: backslash, quote and line feed escaped. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private void global(StringBuilder out) {
        long connections = 0;
        long streams = 0;
        long liveIn = 0;
        long liveOut = 0;
        for (SocketConnection c : live.get()) {
            connections++;
            streams += c.activeStreams();
            liveIn += c.bytesIn();
            liveOut += c.bytesOut();
        }
        long bytesIn = reportedBytesIn.accumulateAndGet(liveIn + closedBytesIn.sum(), Math::max);
        long bytesOut = reportedBytesOut.accumulateAndGet(liveOut + closedBytesOut.sum(), Math::max);

        family(out, "swaggersocket_connections", "gauge", "Agent connections open now.");
        sample(out, "swaggersocket_connections", "", connections);
        family(out, "swaggersocket_streams", "gauge", "Streams open now on all connections, both directions.");
        sample(out, "swaggersocket_streams", "", streams);
        family(out, "swaggersocket_received_bytes_total", "counter",
                "Bytes of frames received from agents, on open and closed connections.");
        sample(out, "swaggersocket_received_bytes_total", "", bytesIn);
        family(out, "swaggersocket_sent_bytes_total", "counter",
                "Bytes of frames sent to agents, on open and closed connections.");
        sample(out, "swaggersocket_sent_bytes_total", "", bytesOut);
        family(out, "swaggersocket_connection_events_total", "counter",
                "Connections received (handshake done), closed in order, and failed.");
        events.forEach((type, n) -> sample(out, "swaggersocket_connection_events_total",
                label("type", type.name().toLowerCase(Locale.ROOT)), n.sum()));
        family(out, "swaggersocket_auth_failures_total", "counter",
                "Requests refused or failed by the authenticator, by endpoint.");
        authFailures.forEach((endpoint, n) -> sample(out, "swaggersocket_auth_failures_total",
                label("endpoint", endpoint.label()), n.sum()));
        family(out, "swaggersocket_ingress_requests_total", "counter",
                "Ingress calls answered, by the class of the status sent.");
        for (int i = 0; i < ingressByClass.length; i++) {
            sample(out, "swaggersocket_ingress_requests_total", label("code", (i + 1) + "xx"), ingressByClass[i].sum());
        }
        family(out, "swaggersocket_ingress_errors_total", "counter",
                "Ingress calls that did not get an agent's answer through, by reason.");
        ingressErrors.forEach((error, n) -> sample(out, "swaggersocket_ingress_errors_total",
                label("reason", error.label()), n.sum()));
        family(out, "swaggersocket_limit_hits_total", "counter",
                "Requests refused or cut by a limit of the server (see ServerLimits), by limit.");
        for (LimitHits.Limit l : LimitHits.Limit.values()) {
            sample(out, "swaggersocket_limit_hits_total", label("limit", l.label()), limits.count(l));
        }
        family(out, "swaggersocket_ingress_in_flight", "gauge", "Ingress calls in progress now.");
        sample(out, "swaggersocket_ingress_in_flight", "", ingressInFlight.get());
        family(out, "swaggersocket_ingress_duration_seconds", "histogram",
                "Ingress call latency, from the request to the end of the response body.");
        long cumulative = 0;
        for (int i = 0; i < latencyBuckets.length; i++) {
            cumulative += latencyBuckets[i].sum();
            String le = i < BUCKETS.length ? Double.toString(BUCKETS[i]) : "+Inf";
            sample(out, "swaggersocket_ingress_duration_seconds_bucket", label("le", le), cumulative);
        }
        out.append("swaggersocket_ingress_duration_seconds_sum ").append(latencySum.sum()).append('\n');
        sample(out, "swaggersocket_ingress_duration_seconds_count", "", cumulative);
    }

    private static void family(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, String labels, long value) {
        out.append(name).append(labels).append(' ').append(value).append('\n');
    }

    /** Label values here are fixed words, never user input: no escaping needed. */
    private static String label(String name, String value) {
        return "{" + name + "=\"" + value + "\"}";
    }
}
