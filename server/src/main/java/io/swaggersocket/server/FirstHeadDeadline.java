package io.swaggersocket.server;

import io.undertow.server.AbstractServerConnection;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;

/**
 * Closes a connection that has not delivered its first whole request head within
 * {@link ServerLimits#requestHeadTimeout()} of being accepted (a TLS handshake included). Undertow
 * alone cannot: its parse timeout ({@code REQUEST_PARSE_TIMEOUT}) starts at a head's first bytes,
 * and a connection that sends nothing waits its keep-alive timeout ({@code NO_REQUEST_TIMEOUT},
 * our {@link ServerLimits#idleTimeout()}). Thread-safe: the deadline and the first request of one
 * connection both run on its I/O thread, and the table is concurrent.
 *
 * <p>Sits in front of Undertow's open listener ({@link #handleEvent}) and at the root of its handler
 * chain ({@link #root}). A connection the client closes early stays in the table until its deadline
 * passes, so the table holds at most the connections accepted within one timeout.
 */
final class FirstHeadDeadline implements ChannelListener<StreamConnection> {
    private static final System.Logger LOG = System.getLogger(FirstHeadDeadline.class.getName());

    private final ChannelListener<? super StreamConnection> next;
    private final long timeoutNanos;
    /** Accepted connections whose first request head has not arrived, with their deadline task. */
    private final Map<StreamConnection, XnioExecutor.Key> waiting = new ConcurrentHashMap<>();

    FirstHeadDeadline(ChannelListener<? super StreamConnection> next, Duration timeout) {
        this.next = next;
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public void handleEvent(StreamConnection connection) {
        // Armed before Undertow sees the connection: it may parse a head already received, at once.
        waiting.put(connection, connection.getIoThread().executeAfter(() -> expire(connection), timeoutNanos,
                TimeUnit.NANOSECONDS));
        next.handleEvent(connection);
    }

    /** {@code handler}, first ending the deadline of the connection whose first request this is. */
    HttpHandler root(HttpHandler handler) {
        return exchange -> {
            started(exchange);
            handler.handleRequest(exchange);
        };
    }

    private void started(HttpServerExchange exchange) {
        if (exchange.getConnection() instanceof AbstractServerConnection c) {
            XnioExecutor.Key deadline = waiting.remove(c.getChannel());
            if (deadline != null) {
                deadline.remove();
            }
        }
    }

    private void expire(StreamConnection connection) {
        if (waiting.remove(connection) != null && connection.isOpen()) {
            // No 408: nothing was asked yet, and a client that sent half a head reads no answer anyway.
            LOG.log(System.Logger.Level.DEBUG, "closing the connection from {0}: no whole request head within {1}",
                    connection.getPeerAddress(), Duration.ofNanos(timeoutNanos));
            IoUtils.safeClose(connection);
        }
    }
}
