package io.swaggersocket.client;

import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.handshake.HandshakeException;
import io.swaggersocket.mux.SocketClosedException;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.undertow.WebSocketTransport;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.DoubleSupplier;

/**
 * Thread-safe: a {@link SocketClient}'s connection state machine. It opens the first connection
 * ({@link #connect()}), keeps it: after a loss, a failed attempt or a drain it schedules the next
 * dial by the {@link ReconnectPolicy}, or gives up and closes the client, and tells every change to
 * the {@link StateEvents} in order. Kept apart from the public facade so that the one lock and all
 * it guards are in one class.
 *
 * <p>One lock guards the phase, the current connection, the attempt in flight and the retry timer;
 * it is waited on by {@link #awaitConnection}. It is never held during I/O or user code: attempts
 * start, connections close and futures complete after it is released (events are only queued under
 * it, which keeps their order).
 */
final class ConnectionKeeper {
    private static final System.Logger LOG = System.getLogger(SocketClient.class.getName());

    private enum Phase { IDLE, CONNECTING, RUNNING, CLOSED }

    private final String safeUri;
    /** What every dial attempt of this client goes to, with what. */
    private final DialAttempt.Target target;
    private final ReconnectPolicy policy;
    private final ScheduledExecutorService scheduler;
    /** Where attempts run, as the host name lookup may block. */
    private final Executor executor;
    private final DoubleSupplier random;
    /** Null when nothing is counted. */
    private final AgentMetrics metrics;
    private final StateEvents events;
    private final ClientIo io;
    private final DialAttempt.Outcome outcome = new DialAttempt.Outcome() {
        @Override
        public void succeeded(DialAttempt attempt, SocketConnection connection) {
            attemptSucceeded(attempt, connection);
        }

        @Override
        public void failed(DialAttempt attempt, IOException cause) {
            attemptFailed(attempt, cause);
        }
    };

    /** Guards everything below; waited on by {@link #awaitConnection}. Never held during I/O or user code. */
    private final Object lock = new Object();
    private Phase phase = Phase.IDLE;
    private SocketConnection current;
    /** The number of the last attempt since the last successful connect or loss. */
    private int attempts;
    private DialAttempt inFlight;
    private ScheduledFuture<?> retry;
    private Throwable closeCause;
    private WebSocketTransport currentChannel;

    ConnectionKeeper(String safeUri, DialAttempt.Target target, ReconnectPolicy policy, ScheduledExecutorService scheduler,
            Executor executor, DoubleSupplier random, AgentMetrics metrics, StateEvents events, ClientIo io) {
        this.safeUri = safeUri;
        this.target = target;
        this.policy = policy;
        this.scheduler = scheduler;
        this.executor = executor;
        this.random = random;
        this.metrics = metrics;
        this.events = events;
        this.io = io;
    }

    /** See {@link SocketClient#connect()}. */
    SocketConnection connect() throws IOException {
        DialAttempt attempt;
        synchronized (lock) {
            switch (phase) {
                case CLOSED -> throw new IllegalStateException("the client is closed");
                case RUNNING -> throw new IllegalStateException("connect() succeeded already; the client reconnects by itself");
                case CONNECTING -> throw new IllegalStateException("a connect() is in progress");
                default -> {
                }
            }
            phase = Phase.CONNECTING;
            attempts = 1;
            attempt = begin(1, true);
        }
        attempt.start();
        try {
            return attempt.settled.get();
        } catch (InterruptedException e) {
            attempt.abandon(new InterruptedIOException("connect() to " + safeUri + " was interrupted"));
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("connect() to " + safeUri + " was interrupted");
        } catch (ExecutionException e) {
            throw rethrowable(e.getCause());
        }
    }

    /** See {@link SocketClient#connection()}. */
    Optional<SocketConnection> connection() {
        SocketConnection c;
        synchronized (lock) {
            c = current;
        }
        return c != null && c.isOpen() ? Optional.of(c) : Optional.empty();
    }

    /** See {@link SocketClient#awaitConnection(Duration)}. */
    SocketConnection awaitConnection(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        SocketConnection draining = null;
        while (true) {
            SocketConnection c;
            synchronized (lock) {
                while (true) {
                    if (phase == Phase.CLOSED) {
                        throw new IOException("the client for " + safeUri + " is closed"
                                + (closeCause == null ? "" : ": " + closeCause.getMessage()), closeCause);
                    }
                    if (current != null && current != draining) {
                        c = current;
                        break;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new SocketTimeoutException("no connection to " + safeUri + " within " + timeout);
                    }
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
            }
            if (c.isOpen()) {
                return c;
            }
            draining = c; // shutting down: wait for the connection after it
        }
    }

    /** See {@link SocketClient#isClosed()}. */
    boolean isClosed() {
        synchronized (lock) {
            return phase == Phase.CLOSED;
        }
    }

    /** See {@link SocketClient#close()}: stops reconnecting, closes the connection, releases the I/O thread, tells CLOSED. */
    void close() {
        SocketConnection connection = null;
        WebSocketTransport channel = null;
        DialAttempt attempt = null;
        boolean closing;
        boolean gaveUp;
        synchronized (lock) {
            closing = phase != Phase.CLOSED;
            gaveUp = !closing && closeCause != null;
            if (closing) {
                phase = Phase.CLOSED;
                connection = current;
                channel = currentChannel;
                attempt = inFlight;
                inFlight = null;
                cancelRetry();
                lock.notifyAll();
            }
        }
        if (!closing && !gaveUp) {
            return; // closed already, or being closed by another thread
        }
        if (closing) {
            LOG.log(System.Logger.Level.DEBUG, "closing the client for {0}", safeUri);
            if (attempt != null) {
                attempt.abandon(new IOException("the client for " + safeUri + " was closed while connecting"));
            }
            if (connection != null) {
                connection.close();
                awaitSocketClosed(channel);
            }
        }
        io.release();
        if (metrics != null) {
            metrics.close();
        }
        if (closing) {
            synchronized (lock) {
                current = null;
                currentChannel = null;
                events.emit(new ClientStateEvent(ClientState.CLOSED, 0, null, null, null));
            }
        }
    }

    /** Lets the close handshake finish before the I/O thread goes (either channel aborts after 5 s). */
    private void awaitSocketClosed(WebSocketTransport channel) {
        if (channel == null || io.onIoThread()) {
            return;
        }
        CompletableFuture<Void> closed = channel.socketClosed();
        try {
            closed.get(ClientIo.WORKER_SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the worker's shutdown drops it
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Attempts and reconnects

    /** Registers a new attempt; called holding the lock. */
    private DialAttempt begin(int number, boolean first) {
        DialAttempt attempt = new DialAttempt(target, outcome, number, first);
        inFlight = attempt;
        events.emit(new ClientStateEvent(ClientState.CONNECTING, number, null, null, null));
        return attempt;
    }

    private void reconnect() {
        DialAttempt attempt;
        synchronized (lock) {
            retry = null;
            if (phase != Phase.RUNNING || current != null || inFlight != null) {
                return;
            }
            attempt = begin(attempts, false);
        }
        attempt.start();
    }

    private void attemptSucceeded(DialAttempt attempt, SocketConnection connection) {
        boolean wanted;
        synchronized (lock) {
            wanted = inFlight == attempt && phase != Phase.CLOSED;
            if (wanted) {
                inFlight = null;
                phase = Phase.RUNNING;
                current = connection;
                currentChannel = attempt.channel();
                attempts = 0;
                if (metrics != null) {
                    // Before CONNECTED is told and awaitConnection() returns: a scrape then sees it.
                    // Only counters and a set: no I/O and nothing blocking under the lock.
                    metrics.opened(connection);
                }
                events.emit(new ClientStateEvent(ClientState.CONNECTED, attempt.number, connection.id(), null, null));
                lock.notifyAll();
            }
        }
        if (!wanted) {
            connection.shutdownNow();
            attempt.settled.completeExceptionally(
                    new IOException("the client for " + safeUri + " was closed while connecting"));
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "connected to {0}: connection {1}", safeUri, connection.id());
        connection.closeFuture().whenComplete((ignored, failure) -> connectionEnded(connection, failure));
        // A draining server lets this connection's calls finish; the next one is dialed at once.
        connection.peerGoingAway().thenRun(() -> drainStarted(connection));
        attempt.settled.complete(connection);
    }

    private void attemptFailed(DialAttempt attempt, IOException cause) {
        boolean stop = false;
        synchronized (lock) {
            if (inFlight == attempt) {
                inFlight = null;
                if (attempt.first) {
                    phase = Phase.IDLE;
                    events.emit(new ClientStateEvent(ClientState.DISCONNECTED, attempt.number, null, cause, null));
                } else if (phase == Phase.RUNNING) {
                    stop = scheduleNext(cause, null, attempt.number);
                }
            }
        }
        LOG.log(System.Logger.Level.DEBUG, "attempt {0} to connect to {1} failed: {2}", attempt.number, safeUri,
                cause.toString());
        if (stop) {
            io.shutdown();
        }
        attempt.settled.completeExceptionally(cause);
    }

    /**
     * The server is draining {@code connection}: dial the next one now, while its calls finish.
     * Without an attempt left, wait for the real end instead, so that giving up cannot stop the
     * I/O thread under calls still in flight.
     */
    private void drainStarted(SocketConnection connection) {
        synchronized (lock) {
            if (current != connection || phase != Phase.RUNNING || !policy.allowsAttempt(attempts + 1)) {
                return;
            }
        }
        connectionEnded(connection, new SocketClosedException(CloseCode.GOING_AWAY.code(), "connection "
                + connection.id() + " to " + safeUri + " is draining: the server sent GOAWAY"));
    }

    private void connectionEnded(SocketConnection connection, Throwable failure) {
        boolean stop;
        synchronized (lock) {
            if (current != connection) {
                return;
            }
            current = null;
            currentChannel = null;
            lock.notifyAll();
            if (phase != Phase.RUNNING) {
                return; // close() did it
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (connection.peerGoingAway().toCompletableFuture().isDone()
                    && !(cause instanceof SocketClosedException c && c.closeCode() == CloseCode.GOING_AWAY.code())) {
                // The end of a drained connection may be seen before drainStarted runs (a server with
                // no calls left closes right after its GOAWAY): it is still a drain, not a failure.
                cause = new SocketClosedException(CloseCode.GOING_AWAY.code(), "connection " + connection.id() + " to "
                        + safeUri + " was drained: the server sent GOAWAY, then closed it"
                        + (cause == null ? "" : " (" + cause.getMessage() + ")"));
            }
            if (cause == null) {
                cause = new SocketClosedException(CloseCode.NORMAL.code(), "connection " + connection.id()
                        + " to " + safeUri + " ended in an orderly close (drained or closed by the server, or closed"
                        + " directly on the connection)");
            }
            LOG.log(System.Logger.Level.DEBUG, "connection {0} to {1} ended: {2}", connection.id(), safeUri, cause);
            stop = scheduleNext(cause, connection.id(), 0);
        }
        if (stop) {
            io.shutdown();
        }
    }

    /**
     * After a failed attempt or a lost connection: schedules the next attempt, or gives up and
     * closes the client. Called holding the lock; returns true if the client gave up.
     */
    private boolean scheduleNext(Throwable cause, String connectionId, int failedAttempt) {
        int next = attempts + 1;
        // A refused hello (an agent name this agent's credentials may not have) is refused again.
        boolean authRefused = (cause instanceof AuthenticationException
                || cause instanceof HandshakeException h && h.closeCode() == CloseCode.HANDSHAKE_REFUSED)
                && !policy.retryOnAuthFailure();
        if (authRefused || !policy.allowsAttempt(next)) {
            phase = Phase.CLOSED;
            closeCause = cause;
            LOG.log(System.Logger.Level.DEBUG, "the client for {0} gives up: {1}", safeUri, cause.toString());
            events.emit(new ClientStateEvent(ClientState.CLOSED, 0, connectionId, cause, null));
            lock.notifyAll();
            return true;
        }
        attempts = next;
        // A drain (GOAWAY) is no failure: dial again at once, spread over the first delay's jitter only.
        Duration delay = next == 1 && cause instanceof SocketClosedException c && c.closeCode() == CloseCode.GOING_AWAY.code()
                ? policy.initialDelay().multipliedBy(Math.round(1000 * policy.jitter() * random.getAsDouble())).dividedBy(1000)
                : policy.delay(next, random);
        // The attempt resolves the host name, which may block: keep it off the shared timer thread.
        retry = scheduler.schedule(() -> runOnExecutor(this::reconnect), delay.toNanos(), TimeUnit.NANOSECONDS);
        events.emit(new ClientStateEvent(ClientState.DISCONNECTED, failedAttempt, connectionId, cause, delay));
        return false;
    }

    private void runOnExecutor(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    private void cancelRetry() {
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
    }

    private static IOException rethrowable(Throwable t) {
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return DialAttempt.asIOException(t);
    }
}
