package io.swaggersocket.server;

import io.undertow.conduits.ReadDataStreamSourceConduit;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.io.BlockingReceiverImpl;
import io.undertow.io.BlockingSenderImpl;
import io.undertow.io.Receiver;
import io.undertow.io.Sender;
import io.undertow.io.UndertowInputStream;
import io.undertow.io.UndertowOutputStream;
import io.undertow.server.AbstractServerConnection;
import io.undertow.server.BlockingHttpExchange;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.util.AttachmentKey;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.HttpEntityWrapper;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.StreamSourceConduit;

/**
 * The waits of one ingress call that no socket timeout bounds, and the end of the call when its
 * client goes. Thread-safe: the call's thread, its upload thread, the scheduler and the client
 * connection's I/O thread all use it.
 *
 * <ul>
 * <li><b>The response head</b>: due {@link ServerLimits#responseHeadTimeout()} after the call
 *     began or, while a request body streams in, after the client's last byte (the agent may
 *     rightly wait for the whole body before it answers). Late: the call's future is cancelled,
 *     which resets the stream, and the call answers 504.</li>
 * <li><b>The response body</b>: a read from the agent, or a write to the client, that blocks for
 *     {@link ServerLimits#bodyIdleTimeout()}: the client connection is aborted (a cut body must
 *     not look whole) and the stream reset. (The request body's reads are bounded by the
 *     connection's XNIO read timeout instead: see {@link IngressUpload}.)</li>
 * <li><b>The client</b>: when its connection closes, the stream is reset at once. While a call
 *     without a request body waits, the connection's read side is watched for the client's
 *     close, since nothing else reads it then.</li>
 * </ul>
 *
 * One task on the scheduler (or on the I/O thread's timer, for a call served there) per call checks
 * the deadlines, rescheduling itself for the next one;
 * progress only writes a volatile, so the copy loops pay nothing per buffer.
 */
final class IngressWatch {
    private static final System.Logger LOG = System.getLogger(IngressWatch.class.getName());
    private static final long NOT_WAITING = Long.MIN_VALUE;
    /** How long a call waits for the I/O thread to stop watching its client's connection. */
    private static final long UNWATCH_WAIT_SECONDS = 5;
    private static final AttachmentKey<CloseHook> CLOSE_HOOK = AttachmentKey.create(CloseHook.class);

    /** Why the watch ended a call. */
    enum Cut {
        /** No response head in time: 504. */
        HEAD_TIMEOUT,
        /** The agent sent no byte of the response body in time: client connection aborted. */
        AGENT_IDLE,
        /** The client took no byte of the response in time: its connection aborted. */
        CLIENT_IDLE,
        /** The client's connection closed. */
        CLIENT_GONE
    }

    private final HttpServerExchange exchange;
    private final ScheduledExecutorService scheduler;
    private final LimitHits hits;
    private final Duration headTimeout;
    private final Duration idleTimeout;
    private final AtomicReference<Cut> cut = new AtomicReference<>();
    /** When the head timeout began: the call's start or the client's last request body byte. */
    private volatile long headSince;
    /** The call waiting for its head; null before and after. */
    private volatile CompletableFuture<ClassicHttpResponse> pending;
    /** The agent's response body once the head came; closing it resets the stream. */
    private volatile HttpEntity responseBody;
    private volatile long agentReadSince = NOT_WAITING;
    private volatile long clientWriteSince = NOT_WAITING;
    /** Runs the timer on the client connection's I/O thread instead of the scheduler; null for the scheduler. */
    private final XnioExecutor ioTimer;
    /** Cancels the pending check; null when none is pending. */
    private Runnable timer; // guarded by this
    private boolean stopped; // guarded by this
    private EofWatch eofWatch; // guarded by this

    IngressWatch(HttpServerExchange exchange, ScheduledExecutorService scheduler, LimitHits hits,
            ServerLimits limits) {
        this(exchange, scheduler, null, hits, limits);
    }

    /**
     * With {@code ioTimer} (the client connection's I/O thread), the deadlines are checked by
     * that thread's own timer: a call served on the I/O thread then schedules and cancels its
     * check there, without the scheduler's lock or a wake-up of its thread.
     */
    IngressWatch(HttpServerExchange exchange, ScheduledExecutorService scheduler, XnioExecutor ioTimer,
            LimitHits hits, ServerLimits limits) {
        this.exchange = exchange;
        this.scheduler = scheduler;
        this.ioTimer = ioTimer;
        this.hits = hits;
        this.headTimeout = limits.responseHeadTimeout();
        this.idleTimeout = limits.bodyIdleTimeout();
        this.headSince = System.nanoTime();
    }

    /**
     * Hooks the client connection's close and starts the timer. A call that relays on an ingress
     * thread then calls {@link #startBlocking}; one that stays on the I/O thread does not.
     */
    void start() {
        ServerConnection connection = exchange.getConnection();
        CloseHook hook = connection.getAttachment(CLOSE_HOOK);
        if (hook == null) { // one listener per connection, not per call: a keep-alive connection has many
            hook = new CloseHook();
            connection.putAttachment(CLOSE_HOOK, hook);
            CloseHook h = hook;
            connection.addCloseListener(c -> h.closed());
        }
        hook.current = this;
        if (!connection.isOpen()) {
            clientGone();
        }
        schedule(Math.min(headTimeout.toNanos(), idleTimeout.toNanos()));
    }

    /** Starts the blocking exchange with this watch on the client's output: before the first blocking read or write. */
    void startBlocking() {
        exchange.startBlocking(new WatchedBlockingExchange());
    }

    /** Ends the watch: the timer and the client watch stop. Called by the call's thread, last. */
    void stop() {
        synchronized (this) {
            stopped = true;
            if (timer != null) {
                timer.run();
                timer = null;
            }
        }
        CloseHook hook = exchange.getConnection().getAttachment(CLOSE_HOOK);
        if (hook != null && hook.current == this) {
            hook.current = null;
        }
        stopClientWatch();
    }

    /**
     * The wait for the head is over, whatever its outcome: the client watch stops before any
     * answer goes out, since a client that has read it may send its next request at once, and
     * those bytes are Undertow's to read. A client that goes from now on fails a write.
     */
    void headWaitOver() {
        stopClientWatch();
    }

    private void stopClientWatch() {
        EofWatch eof;
        synchronized (this) {
            eof = eofWatch;
            eofWatch = null;
        }
        if (eof != null) {
            eof.stop();
        }
    }

    /** Why the watch ended the call; null if it did not. */
    Cut cut() {
        return cut.get();
    }

    /** The call now waits for {@code call}'s response head. */
    void awaitingHead(CompletableFuture<ClassicHttpResponse> call) {
        pending = call;
        if (cut.get() != null) {
            call.cancel(false); // the client went before the call was made
        }
    }

    /** The client sent more of the request body: the agent's time to answer begins again. */
    void uploadProgress() {
        headSince = System.nanoTime();
    }

    /**
     * The head came: its body is watched from now on. Returns the response to relay, whose
     * entity (if any) counts reads as waits on the agent.
     */
    ClassicHttpResponse headArrived(ClassicHttpResponse response) {
        pending = null;
        HttpEntity entity = response.getEntity();
        if (entity != null) {
            responseBody = entity;
            response.setEntity(new WatchedEntity(entity));
            if (cut.get() != null) {
                closeQuietly(entity); // the client went as the head came
            }
        }
        return response;
    }

    /**
     * Watches a call without a request body for its client closing the connection: nothing reads
     * the connection while the call waits, so a close would otherwise go unnoticed until the
     * first write of the answer. Only when the connection's read side is Undertow's own, not
     * wrapped (bytes read ahead, a body's framing).
     */
    void watchClientClose() {
        if (!(exchange.getConnection() instanceof HttpServerConnection connection)
                || connection.getExtraBytes() != null) {
            return; // HTTP/2, or a client that sent its next request already: it is not gone
        }
        EofWatch eof = new EofWatch(connection);
        synchronized (this) {
            if (stopped) {
                return;
            }
            eofWatch = eof;
        }
        if (connection.getIoThread() == Thread.currentThread()) {
            eof.start(); // a call served on the I/O thread: no task needed
            return;
        }
        try {
            connection.getIoThread().execute(eof::start);
        } catch (RejectedExecutionException e) {
            // the worker is stopping: the connection closes with it
        }
    }

    // ---------------------------------------------------------------------------------------------

    private void clientGone() {
        if (!cut.compareAndSet(null, Cut.CLIENT_GONE)) {
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "ingress {0}: the client closed its connection; resetting the stream",
                exchange.getRequestPath());
        resetStream();
    }

    private void resetStream() {
        CompletableFuture<ClassicHttpResponse> p = pending;
        if (p != null) {
            p.cancel(false);
        }
        HttpEntity body = responseBody;
        if (body != null) {
            closeQuietly(body);
        }
    }

    private void check() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            timer = null;
        }
        long now = System.nanoTime();
        long next = idleTimeout.toNanos();
        CompletableFuture<ClassicHttpResponse> p = pending;
        if (p != null && !p.isDone()) {
            long left = headSince + headTimeout.toNanos() - now;
            if (left <= 0) {
                // The hit is counted where the 504 is answered, so that it is counted before the
                // caller can see the answer (the cancel wakes the call's thread at once).
                if (cut.compareAndSet(null, Cut.HEAD_TIMEOUT) && !p.cancel(false)) {
                    cut.compareAndSet(Cut.HEAD_TIMEOUT, null); // the head came at this moment
                }
                return;
            }
            next = Math.min(next, left);
        }
        next = Math.min(next, idle(agentReadSince, now, Cut.AGENT_IDLE, "of the response body from the agent"));
        next = Math.min(next, idle(clientWriteSince, now, Cut.CLIENT_IDLE, "of the response taken by the client"));
        if (next > 0) {
            schedule(next);
        }
    }

    /** Cuts the call if a wait begun at {@code since} is over; returns the time left, or 0 when cut. */
    private long idle(long since, long now, Cut reason, String what) {
        if (since == NOT_WAITING) {
            return Long.MAX_VALUE;
        }
        long left = since + idleTimeout.toNanos() - now;
        if (left > 0) {
            return left;
        }
        if (cut.compareAndSet(null, reason)) {
            hits.hit(LimitHits.Limit.BODY_IDLE_TIMEOUT, "no byte " + what + " for " + idleTimeout + " on "
                    + exchange.getRequestPath() + ": client connection aborted");
            exchange.setPersistent(false);
            IoUtils.safeClose(exchange.getConnection()); // a blocked write fails; the client sees no clean end
            resetStream();
        }
        return 0;
    }

    private void schedule(long nanos) {
        synchronized (this) {
            if (stopped) {
                return;
            }
            try {
                if (ioTimer != null) {
                    XnioExecutor.Key key = ioTimer.executeAfter(this::check, nanos, TimeUnit.NANOSECONDS);
                    timer = key::remove;
                } else {
                    ScheduledFuture<?> f = scheduler.schedule(this::check, nanos, TimeUnit.NANOSECONDS);
                    timer = () -> f.cancel(false);
                }
            } catch (RejectedExecutionException e) {
                // the scheduler is shut down: the server is going, and the sockets with it
            }
        }
    }

    private static void closeQuietly(HttpEntity entity) {
        try {
            entity.close();
        } catch (IOException | RuntimeException ignored) {
            // resetting is all that was wanted
        }
    }

    private IOException cutFailure(IOException e) {
        Cut c = cut.get();
        if (c == Cut.AGENT_IDLE) {
            return new IOException("no byte of the response body from the agent for " + idleTimeout, e);
        }
        return e;
    }

    // ---------------------------------------------------------------------------------------------

    /** One per client connection: its close listener, and the call it currently serves. */
    private static final class CloseHook {
        volatile IngressWatch current;

        void closed() {
            IngressWatch w = current;
            if (w != null) {
                w.clientGone();
            }
        }
    }

    /** The agent's response body, its reads counted as waits on the agent. */
    private final class WatchedEntity extends HttpEntityWrapper {
        private final InputStream in;

        WatchedEntity(HttpEntity entity) {
            super(entity);
            InputStream content;
            try {
                content = entity.getContent();
            } catch (IOException e) {
                content = null;
            }
            this.in = content == null ? null : new FilterInputStream(content) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    agentReadSince = System.nanoTime();
                    try {
                        return super.read(b, off, len);
                    } catch (IOException e) {
                        throw cutFailure(e);
                    } finally {
                        agentReadSince = NOT_WAITING;
                    }
                }
            };
        }

        @Override
        public InputStream getContent() throws IOException {
            return in != null ? in : super.getContent();
        }
    }

    /** Undertow's blocking exchange, with the client's output stream's writes counted as waits. */
    private final class WatchedBlockingExchange implements BlockingHttpExchange {
        private InputStream in;
        private UndertowOutputStream rawOut;
        private OutputStream out;

        @Override
        public InputStream getInputStream() {
            if (in == null) {
                in = new UndertowInputStream(exchange);
            }
            return in;
        }

        @Override
        public OutputStream getOutputStream() {
            if (out == null) {
                rawOut = new UndertowOutputStream(exchange);
                out = new FilterOutputStream(rawOut) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        clientWriteSince = System.nanoTime();
                        try {
                            rawOut.write(b, off, len);
                        } finally {
                            clientWriteSince = NOT_WAITING;
                        }
                    }

                    @Override
                    public void flush() throws IOException {
                        clientWriteSince = System.nanoTime();
                        try {
                            rawOut.flush();
                        } finally {
                            clientWriteSince = NOT_WAITING;
                        }
                    }

                    @Override
                    public void close() throws IOException {
                        clientWriteSince = System.nanoTime();
                        try {
                            rawOut.close();
                        } finally {
                            clientWriteSince = NOT_WAITING;
                        }
                    }
                };
            }
            return out;
        }

        @Override
        public Sender getSender() {
            return new BlockingSenderImpl(exchange, getOutputStream());
        }

        @Override
        public Receiver getReceiver() {
            return new BlockingReceiverImpl(exchange, getInputStream());
        }

        @Override
        public void close() throws IOException {
            // As Undertow's own: what the handler left unread is drained, what it left unsent ended.
            try {
                if (!exchange.isRequestComplete()) {
                    getInputStream().close();
                }
            } finally {
                if (!exchange.isResponseComplete()) {
                    getOutputStream().close();
                }
            }
        }
    }

    /**
     * Reads the client connection while a call without a body waits, on its I/O thread: the end
     * of the stream (the client closed) closes the connection, which resets the call through
     * {@link CloseHook}; bytes (a pipelined request) go back to Undertow, and the watch ends.
     */
    private final class EofWatch implements ChannelListener<ConduitStreamSourceChannel> {
        private final HttpServerConnection connection;
        private final ConduitStreamSourceChannel source;
        private final CountDownLatch stopped = new CountDownLatch(1);
        private boolean watching; // I/O thread only
        /** Undertow's listener, put back when the watch ends: Undertow may resume reads without setting it again. */
        private ChannelListener<? super ConduitStreamSourceChannel> undertows; // I/O thread only

        EofWatch(HttpServerConnection connection) {
            this.connection = connection;
            this.source = connection.getChannel().getSourceChannel();
        }

        /** On the I/O thread. */
        void start() {
            StreamSourceConduit conduit = source.getConduit();
            if (stopped.getCount() == 0 || connection.getExtraBytes() != null
                    || (conduit != ((AbstractServerConnection) connection).getOriginalSourceConduit()
                    && !(conduit instanceof ReadDataStreamSourceConduit))) {
                // Stopped already, or the read side is wrapped by more than Undertow's read-ahead
                // (which only reads on once it has no bytes left): leave it to Undertow.
                return;
            }
            watching = true;
            undertows = source.getReadListener();
            source.setReadListener(this);
            source.resumeReads();
        }

        @Override
        public void handleEvent(ConduitStreamSourceChannel channel) {
            if (!watching) {
                return;
            }
            PooledByteBuffer pooled = connection.getByteBufferPool().allocate();
            boolean kept = false;
            try {
                int n = channel.read(pooled.getBuffer());
                if (n < 0) {
                    unwatch();
                    IoUtils.safeClose(connection);
                } else if (n > 0) {
                    unwatch(); // a pipelined request: the client is there; Undertow parses it next
                    pooled.getBuffer().flip();
                    connection.ungetRequestBytes(pooled);
                    kept = true;
                }
            } catch (IOException e) {
                unwatch();
                IoUtils.safeClose(connection);
            } finally {
                if (!kept) {
                    pooled.close();
                }
            }
        }

        private void unwatch() {
            if (watching) {
                watching = false;
                source.suspendReads();
                source.setReadListener(undertows);
            }
        }

        /**
         * From the call's thread, before the exchange ends: Undertow then takes the read side
         * back for the next request, so the watch must be off by then.
         */
        void stop() {
            if (connection.getIoThread() == Thread.currentThread()) {
                // A call relayed on the I/O thread itself: nothing to wait for, and waiting would deadlock.
                unwatch();
                stopped.countDown();
                return;
            }
            try {
                connection.getIoThread().execute(() -> {
                    unwatch();
                    stopped.countDown();
                });
                if (stopped.await(UNWATCH_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    return;
                }
            } catch (RejectedExecutionException e) {
                // the worker is stopping
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stopped.countDown();
            exchange.setPersistent(false); // the watch's state is unknown: no next request on it
            IoUtils.safeClose(connection);
        }
    }
}
