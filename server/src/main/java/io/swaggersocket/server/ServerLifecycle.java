package io.swaggersocket.server;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;

/**
 * Thread-safe: a {@link SocketServer}'s state (new, started, closing, closed) and the order in
 * which its parts start and stop. Kept apart from the facade because the order matters and is
 * easy to break: the internal listener binds before the public one (a node whose internal port is
 * taken opens nothing); on close the listening socket goes first (no new agent), then the
 * connections drain, ingress calls write their last answers, event subscribers get 1001 while the
 * worker still writes, and only then do the worker and threads stop.
 *
 * <p>The lock is the server's one lock, shared with the {@link ConnectionRegistry}, which decides
 * under it whether a socket or a finished handshake gets in, so that close() sees a connection or
 * refuses it, never half.
 */
final class ServerLifecycle {
    private static final System.Logger LOG = System.getLogger(SocketServer.class.getName());
    /** How long close() waits for connections that were shut down at once, and for listeners. */
    static final Duration FORCED_CLOSE_WAIT = Duration.ofSeconds(5);

    private enum State { NEW, STARTED, CLOSING, CLOSED }

    /** Binds the public listener; the server's settings are in it. */
    interface ListenerOpener {
        ServerListener open() throws IOException;
    }

    /** The parts to start and stop, in the order they are stopped; nulls for those a server has not. */
    record Parts(ListenerOpener opener, ConnectionRegistry registry, Duration grace, IngressHandler ingress,
            EventHub hub, ClusterRouting cluster, ExecutorService ingressThreads, EventDispatcher events,
            ServerMetrics metrics) {
    }

    private final Object lock;
    /** The server, named in log lines. */
    private final Object owner;
    private final Parts parts;
    /** Written under lock; read without it where a stale value is harmless (the I/O thread's first check). */
    private volatile State state = State.NEW;
    private ServerListener listener; // guarded by lock; set by start()
    private volatile int port = -1;
    private final CompletableFuture<Void> stoppedAccepting = new CompletableFuture<>();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    ServerLifecycle(Object lock, Object owner, Parts parts) {
        this.lock = lock;
        this.owner = owner;
        this.parts = parts;
    }

    /** See {@link SocketServer#start()}. */
    void start() throws IOException {
        synchronized (lock) {
            if (state != State.NEW) {
                throw new IllegalStateException("start: expected a new server but it is " + state.name().toLowerCase(Locale.ROOT));
            }
            ClusterRouting cluster = parts.cluster();
            try {
                if (cluster != null) {
                    cluster.start(); // first: if it cannot bind, nothing else is open
                }
                // Under the lock, so that a close() meanwhile waits and then finds the listener.
                listener = parts.opener().open();
            } catch (IOException e) { // the listener has released what it had set up
                if (cluster != null) {
                    cluster.stop(Duration.ZERO); // the internal listener, if it got up
                }
                state = State.CLOSED;
                releaseUnstarted();
                throw e;
            }
            port = listener.port();
            state = State.STARTED;
        }
    }

    /** The bound port, or -1 before start(). */
    int port() {
        return port;
    }

    /** True while the server accepts agents and calls: started and not closing. */
    boolean isAccepting() {
        return state == State.STARTED;
    }

    /** Runs {@code action} under the lock if the server is started; its answer, or false. */
    boolean ifStarted(BooleanSupplier action) {
        synchronized (lock) {
            return state == State.STARTED && action.getAsBoolean();
        }
    }

    /** Completes once close() has closed the listening socket. */
    CompletionStage<Void> stoppedAccepting() {
        return stoppedAccepting.minimalCompletionStage();
    }

    /** See {@link SocketServer#close()}. */
    void close() {
        State was;
        synchronized (lock) {
            was = state;
            if (was == State.NEW || was == State.STARTED) {
                state = was == State.NEW ? State.CLOSED : State.CLOSING;
            }
        }
        switch (was) {
            case NEW -> releaseUnstarted();
            case STARTED -> drainAndStop();
            default -> {
                if (!parts.events().isEventThread()) {
                    terminated.join();
                }
            }
        }
    }

    private void drainAndStop() {
        LOG.log(System.Logger.Level.DEBUG, "{0}: closing with {1} connections", owner, parts.registry().size());
        ServerListener l;
        synchronized (lock) {
            l = listener;
        }
        try {
            l.closeListener(); // the listening socket only: the worker is ours and stopped below
            stoppedAccepting.complete(null);
            parts.registry().shutdownAll(owner, parts.grace(), FORCED_CLOSE_WAIT);
            awaitIngressCalls();
            parts.hub().close(); // subscribers get 1001 while the worker still writes
            if (parts.cluster() != null) {
                parts.cluster().stop(FORCED_CLOSE_WAIT);
            }
            l.stopWorker(FORCED_CLOSE_WAIT);
            if (parts.ingressThreads() != null) {
                parts.ingressThreads().shutdown();
            }
            parts.events().shutdown(FORCED_CLOSE_WAIT);
        } finally {
            synchronized (lock) {
                state = State.CLOSED;
            }
            parts.metrics().close();
            terminated.complete(null);
            LOG.log(System.Logger.Level.DEBUG, "{0}: closed", owner);
        }
    }

    /**
     * Lets ingress calls whose agent has just gone write their answers (a 502, the end of a body)
     * before the worker closes the clients' sockets.
     */
    private void awaitIngressCalls() {
        if (parts.ingress() == null) {
            return;
        }
        try {
            if (!parts.ingress().awaitIdle(FORCED_CLOSE_WAIT)) {
                LOG.log(System.Logger.Level.DEBUG, "{0}: ingress calls still running after {1}; their client "
                        + "connections are closed", owner, FORCED_CLOSE_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Releases what a server that never started (or failed to) holds; the state is CLOSED already. */
    private void releaseUnstarted() {
        if (parts.ingressThreads() != null) {
            parts.ingressThreads().shutdown();
        }
        stoppedAccepting.complete(null);
        parts.hub().close();
        parts.events().shutdown(Duration.ZERO);
        parts.metrics().close();
        terminated.complete(null);
    }
}
