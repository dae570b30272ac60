package io.swaggersocket.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.swaggersocket.mux.SocketConnection;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Waits for the first live connection whose metadata matches a filter: the server's own RECEIVED
 * events wake it, never a poll. One waiter serves one call of {@link SocketServer#awaitConnection}.
 */
final class ConnectionWaiter {
    private ConnectionWaiter() {
    }

    /**
     * The listener is registered before the registry is read, so a connection received between
     * the two is seen by one or the other (perhaps both: the future keeps the first).
     */
    static SocketConnection await(SocketServer server, EventDispatcher events, Predicate<JsonNode> filter,
            Duration timeout) throws TimeoutException, InterruptedException {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout: expected zero or more but was " + timeout);
        }
        if (events.isEventThread()) {
            // the events that would wake us are delivered by this very thread, after we return
            throw new IllegalStateException("awaitConnection: called from a ConnectionListener, which would wait"
                    + " for its own events; hand the wait to another thread");
        }
        CompletableFuture<SocketConnection> found = new CompletableFuture<>();
        ConnectionListener listener = event -> {
            if (event.type() == ConnectionEvent.Type.RECEIVED && !found.isDone()) {
                offer(found, event.connection(), filter);
            }
        };
        server.addListener(listener);
        try {
            for (SocketConnection live : server.activeConnections()) {
                if (offer(found, live, filter)) {
                    break;
                }
            }
            return found.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) { // the filter threw: the caller's mistake, handed back as it was
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("awaitConnection: the filter failed", e.getCause());
        } catch (TimeoutException e) {
            TimeoutException t = new TimeoutException(
                    "awaitConnection: no matching agent connected within " + timeout);
            t.initCause(e);
            throw t;
        } finally {
            server.removeListener(listener);
        }
    }

    /** Completes {@code found} with {@code connection} if it is still open and matches; true if it did. */
    private static boolean offer(CompletableFuture<SocketConnection> found, SocketConnection connection,
            Predicate<JsonNode> filter) {
        try {
            if (connection.isOpen() && filter.test(connection.metadata())) {
                return found.complete(connection);
            }
            return false;
        } catch (RuntimeException e) {
            found.completeExceptionally(e);
            return true;
        }
    }
}
