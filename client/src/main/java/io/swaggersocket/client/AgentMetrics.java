package io.swaggersocket.client;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.swaggersocket.internal.metrics.ConnectionTotals;
import io.swaggersocket.internal.metrics.MeterSetup;
import io.swaggersocket.mux.SocketConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An agent's meters ({@code swaggersocket_client_*}: connection state, reconnects, streams,
 * bytes, calls served by status class) and, when asked for, the endpoint that serves them.
 * Thread-safe. Every meter is registered once when the client is built; a served call costs one
 * increment of a counter picked by arithmetic on its status.
 */
final class AgentMetrics implements AutoCloseable {
    private final MeterSetup setup;
    private final ConnectionTotals totals = new ConnectionTotals();
    private final AtomicBoolean connectedOnce = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Counter reconnects;
    /** Index 0 to 4: 1xx to 5xx. */
    private final Counter[] byClass = new Counter[5];
    private final MetricsEndpoint endpoint;

    /**
     * Registers the meters in {@code registry} (a private Prometheus registry when {@code null})
     * and, with an {@code address}, serves them there.
     *
     * @throws UncheckedIOException if the endpoint cannot bind {@code address}
     */
    AgentMetrics(MeterRegistry registry, InetSocketAddress address) {
        setup = MeterSetup.of(registry);
        MeterRegistry r = setup.registry();
        setup.add(Gauge.builder("swaggersocket.client.connected", () -> totals.connections() > 0 ? 1 : 0)
                .description("1 while the agent has a connection to the server open, else 0.").register(r));
        reconnects = setup.add(Counter.builder("swaggersocket.client.reconnects")
                .description("Connections opened after the first one: each a recovery from a loss or a drain.")
                .register(r));
        setup.add(Gauge.builder("swaggersocket.client.streams", totals::streams)
                .description("Streams open now on the agent's connection, both directions.").register(r));
        setup.add(FunctionCounter.builder("swaggersocket.client.received.bytes", totals, ConnectionTotals::bytesIn)
                .description("Bytes of frames received from the server, on all connections so far.").register(r));
        setup.add(FunctionCounter.builder("swaggersocket.client.sent.bytes", totals, ConnectionTotals::bytesOut)
                .description("Bytes of frames sent to the server, on all connections so far.").register(r));
        for (int i = 0; i < byClass.length; i++) {
            byClass[i] = setup.add(Counter.builder("swaggersocket.client.requests")
                    .description("Calls from the server the agent answered, by the class of the status sent.")
                    .tag("code", (i + 1) + "xx").register(r));
        }
        MetricsEndpoint served = null;
        if (address != null) {
            try {
                served = MetricsEndpoint.start(address, setup);
            } catch (IOException e) {
                setup.close();
                throw new UncheckedIOException("serveMetrics: cannot serve metrics on " + address + ": " + e.getMessage(), e);
            }
        }
        endpoint = served;
    }

    /** {@code connection} is the agent's now: counted until it closes. */
    void opened(SocketConnection connection) {
        if (!connectedOnce.compareAndSet(false, true)) {
            reconnects.increment();
        }
        totals.opened(connection);
        connection.closeFuture().whenComplete((ignored, failure) -> totals.gone(connection));
    }

    /** A call was answered with {@code status}; 0 or another value out of range counts nowhere. */
    void answered(int status) {
        if (status >= 100 && status < 600) {
            byClass[status / 100 - 1].increment();
        }
    }

    /** Where the endpoint listens (the real port when 0 was asked for), if it was asked for. */
    Optional<InetSocketAddress> address() {
        return endpoint == null ? Optional.empty() : Optional.of(endpoint.address());
    }

    /** Stops the endpoint, then removes the meters from the user's registry or closes the private one; once. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (endpoint != null) {
            endpoint.stop();
        }
        setup.close();
    }
}
