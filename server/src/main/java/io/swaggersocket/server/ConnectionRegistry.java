package io.swaggersocket.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketClosedException;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.undertow.WebSocketTransport;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.hc.core5.http.io.HttpRequestHandler;

/**
 * Thread-safe: the server's registry of agent connections, from the upgraded socket (the
 * {@link TunnelHandler.Acceptor} it implements) through the accepting handshake to the close. It
 * keeps the live connections by id, the ids in use (live or still in their handshake: a duplicate
 * is refused), the channels whose handshake runs, and each upgrade's
 * {@link UpgradeAdmission.Ticket}, released exactly where the registry lets go of it (refusal,
 * failed handshake, close). It posts RECEIVED, CLOSED and FAILURE.
 *
 * <p><b>Locking.</b> The registry has no lock of its own: it is given the server's lock and a view
 * of the server's state ({@code accepting}: started and not closing), which the server changes
 * only while holding that lock. A socket's admission and a finished handshake's entry (RECEIVED
 * posted) are decided holding it, so that {@code close()} either sees a connection or refuses it,
 * never half. Nothing else here takes it; no I/O is done and no event listener is called under it
 * (posting only queues the event on the dispatcher's thread).
 */
final class ConnectionRegistry implements TunnelHandler.Acceptor {
    // The server's logger, as before the registry was a class of its own: users filter on it.
    private static final System.Logger LOG = System.getLogger(SocketServer.class.getName());

    /**
     * A received connection, its admission ticket, and a future completed once it has left the
     * registry and its event is posted.
     */
    private record Tracked(SocketConnection connection, UpgradeAdmission.Ticket ticket, CompletableFuture<Void> gone) {
    }

    /** The server's lock: see the class description. */
    private final Object serverLock;
    /** The server's state: true while started and not closing; read holding {@link #serverLock} to decide. */
    private final BooleanSupplier accepting;
    private final ConnectionConfig config;
    private final HttpRequestHandler handler;
    private final AccessControl access;
    private final AgentPool agents;
    private final ServerMetrics metrics;
    private final EventDispatcher events;

    /** Live connections by id: entered on RECEIVED, removed when closed. */
    private final Map<String, Tracked> connections = new ConcurrentHashMap<>();
    /** Ids of live connections and of those still in their handshake: a duplicate is refused. */
    private final Set<String> idsInUse = ConcurrentHashMap.newKeySet();
    /** Channels whose handshake is running: aborted by close(). */
    private final Set<WebSocketTransport> handshaking = ConcurrentHashMap.newKeySet();

    /**
     * @param serverLock the server's lock, under which it changes the state {@code accepting} reads
     * @param accepting true while the server is started and not closing
     * @param handler answers the agents' requests from a connection's first moment; may be null
     */
    ConnectionRegistry(Object serverLock, BooleanSupplier accepting, ConnectionConfig config,
            HttpRequestHandler handler, AccessControl access, AgentPool agents, ServerMetrics metrics,
            EventDispatcher events) {
        this.serverLock = serverLock;
        this.accepting = accepting;
        this.config = config;
        this.handler = handler;
        this.access = access;
        this.agents = agents;
        this.metrics = metrics;
        this.events = events;
    }

    // ---------------------------------------------------------------------------------------------
    // Queries

    /** How many connections are live. */
    int size() {
        return connections.size();
    }

    /** A snapshot of the live connections, in no particular order. */
    List<SocketConnection> active() {
        List<SocketConnection> out = new ArrayList<>(connections.size());
        connections.values().forEach(t -> out.add(t.connection()));
        return out;
    }

    /** The live connection with {@code id}, if there is one. */
    Optional<SocketConnection> get(String id) {
        Tracked t = connections.get(id);
        return t == null ? Optional.empty() : Optional.of(t.connection());
    }

    /** The live connections whose hello metadata matches {@code filter}. */
    List<SocketConnection> byMetadata(Predicate<JsonNode> filter) {
        List<SocketConnection> out = new ArrayList<>();
        for (Tracked t : connections.values()) {
            if (filter.test(t.connection().metadata())) {
                out.add(t.connection());
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // From the upgraded socket to the registry

    @Override
    public boolean isAccepting() {
        return accepting.getAsBoolean(); // re-checked under the lock once the socket is upgraded
    }

    @Override
    public void upgraded(Function<ConnectionConfig, WebSocketTransport> socket, String id, Principal principal,
            String announcedName, UpgradeAdmission.Ticket ticket) {
        WebSocketTransport channel = socket.apply(config);
        String refusal = null;
        synchronized (serverLock) {
            if (!accepting.getAsBoolean()) {
                refusal = "server is shutting down";
            } else if (!idsInUse.add(id)) {
                refusal = "duplicate connection id";
            } else {
                handshaking.add(channel);
            }
        }
        if (refusal != null) {
            ticket.release();
            LOG.log(refusal.startsWith("duplicate") ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
                    "refused the socket from {0}: {1} {2}", channel.remoteAddress(), refusal, id);
            channel.close(refusal.startsWith("duplicate") ? CloseCode.INTERNAL_ERROR.code()
                    : CloseCode.GOING_AWAY.code(), refusal);
            return;
        }
        CompletableFuture<SocketConnection> accepted;
        AtomicReference<String> claimed = new AtomicReference<>();
        try {
            accepted = SocketConnection.accept(channel, id, principal, config, handler,
                    access.helloCheck(principal, announcedName, claimed));
        } catch (RuntimeException e) {
            handshaking.remove(channel);
            idsInUse.remove(id);
            ticket.release();
            LOG.log(System.Logger.Level.WARNING, "could not start the handshake of connection " + id, e);
            channel.abort();
            return;
        }
        accepted.whenComplete((connection, failure) -> {
            handshaking.remove(channel);
            if (failure != null) {
                if (claimed.get() != null) {
                    agents.release(claimed.get());
                }
                idsInUse.remove(id);
                ticket.release();
                LOG.log(System.Logger.Level.DEBUG, "handshake of connection {0} from {1} failed: {2}", id,
                        channel.remoteAddress(), unwrap(failure).getMessage());
            } else {
                received(connection, ticket);
            }
        });
    }

    private void received(SocketConnection connection, UpgradeAdmission.Ticket ticket) {
        Tracked tracked = new Tracked(connection, ticket, new CompletableFuture<>());
        boolean open;
        synchronized (serverLock) {
            open = accepting.getAsBoolean();
            if (open) {
                connections.put(connection.id(), tracked);
                ticket.admitted();
                agents.add(connection);
                metrics.connectionEvent(ConnectionEvent.Type.RECEIVED);
                // Posted under the lock: close() either sees this connection or refuses it, never half.
                events.post(new ConnectionEvent(ConnectionEvent.Type.RECEIVED, connection.id(), connection.metadata(),
                        null, connection));
            }
        }
        if (!open) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: handshake completed while closing; shut down at once", connection);
            String name = AgentPool.nameOf(connection);
            if (name != null) {
                agents.release(name);
            }
            idsInUse.remove(connection.id());
            ticket.release();
            connection.shutdownNow();
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "received {0}", connection);
        // Outside the server's lock (a user's registry is user code), and before closed() can run for it.
        metrics.connectionOpened(connection);
        // Registered after RECEIVED was posted, so CLOSED / FAILURE always come after it.
        connection.closeFuture().whenComplete((ignored, failure) -> closed(tracked, failure));
        Principal principal = connection.principal().orElse(null);
        if (!access.admits(principal, AgentPool.nameOf(connection))) {
            // The policy was replaced while this one was in its handshake.
            connection.shutdownNow(CloseCode.ACCESS_REVOKED, "access revoked: the credential or grant is gone");
        }
    }

    private void closed(Tracked tracked, Throwable failure) {
        SocketConnection connection = tracked.connection();
        agents.remove(connection);
        connections.remove(connection.id(), tracked);
        metrics.connectionGone(connection);
        idsInUse.remove(connection.id());
        tracked.ticket().release();
        SocketClosedException cause = failure == null ? null : asClosed(connection, unwrap(failure));
        metrics.connectionEvent(cause == null ? ConnectionEvent.Type.CLOSED : ConnectionEvent.Type.FAILURE);
        LOG.log(System.Logger.Level.DEBUG, "{0} {1}", connection, cause == null ? "closed" : "failed: " + cause.getMessage());
        events.post(new ConnectionEvent(cause == null ? ConnectionEvent.Type.CLOSED : ConnectionEvent.Type.FAILURE,
                connection.id(), connection.metadata(), cause, connection));
        tracked.gone().complete(null);
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static SocketClosedException asClosed(SocketConnection connection, Throwable t) {
        return t instanceof SocketClosedException s ? s : new SocketClosedException(CloseCode.ABNORMAL.code(),
                "connection " + connection.id() + " failed: " + t, t);
    }

    // ---------------------------------------------------------------------------------------------
    // Close

    /**
     * Called by the server's close() once it is closing (so that no socket or handshake gets in any
     * more) and its listening socket is closed: aborts the handshakes still running, shuts every
     * live connection down gracefully (GOAWAY), waits up to {@code grace} for them to leave, then
     * closes those left at once and waits up to {@code forcedWait} more. Returns when they are gone
     * or the waits are over; their CLOSED / FAILURE events are posted by then, except for those it
     * warns about.
     *
     * @param server names the server in log lines
     */
    void shutdownAll(Object server, Duration grace, Duration forcedWait) {
        handshaking.forEach(WebSocketTransport::abort);
        List<Tracked> live = List.copyOf(connections.values());
        live.forEach(t -> t.connection().shutdown());
        List<Tracked> left = awaitGone(live, grace);
        if (!left.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: {1} connections still busy after {2}; closing them at once",
                    server, left.size(), grace);
            left.forEach(t -> t.connection().shutdownNow());
            left = awaitGone(left, forcedWait);
            if (!left.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "{0}: {1} connections did not report their close; "
                        + "stopping the worker under them", server, left.size());
            }
        }
    }

    /** Waits up to {@code timeout} in all for the connections to leave; returns those that did not. */
    private static List<Tracked> awaitGone(List<Tracked> tracked, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        List<Tracked> left = new ArrayList<>();
        for (Tracked t : tracked) {
            try {
                t.gone().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
                deadline = System.nanoTime(); // stop waiting, but still account for the rest
                left.add(t);
            } catch (TimeoutException e) {
                left.add(t);
            } catch (ExecutionException e) {
                throw new AssertionError("gone futures only complete normally", e);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return left;
    }
}
