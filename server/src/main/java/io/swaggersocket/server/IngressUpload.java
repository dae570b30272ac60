package io.swaggersocket.server;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpContinue;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.xnio.IoUtils;
import org.xnio.Options;
import org.xnio.channels.ReadTimeoutException;

/**
 * The client's request body as an entity that the agent's connection writes into the tunnel:
 * copied as it arrives, flushed whenever the client pauses, and watched, so that the call can
 * tell a client that failed (or stalled) from an agent that did, and can wait for the copy to
 * stop before the exchange ends. Thread-safe.
 *
 * <p>The connection calls {@link #writeTo} on its executor; the copy itself runs on an ingress
 * thread, which waits for the client's bytes. Only the ingress pool's threads do blocking reads
 * of client sockets, so only they get XNIO's per-thread selectors (see {@link IngressThreads}).
 *
 * <p>A client that sends no byte for {@link ServerLimits#bodyIdleTimeout()} is cut by the XNIO
 * read timeout of its connection, set for the call ({@link #boundReads}): Undertow's blocking
 * input stream then throws a {@link ReadTimeoutException} and leaves the connection open, so the
 * call can still answer 408. A timer of our own could only end such a read by closing the
 * connection, and then nothing could be answered.
 */
final class IngressUpload extends AbstractHttpEntity {
    private static final System.Logger LOG = System.getLogger(IngressUpload.class.getName());
    private static final int BUFFER = 64 * 1024;
    /** How long a call waits for its upload to stop by itself before it closes the client's connection. */
    private static final long STOP_WAIT_SECONDS = 5;
    private static final int NEW = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;
    private static final int ABANDONED = 3;

    private final HttpServerExchange exchange;
    private final InputStream in;
    private final long length;
    private final Executor threads;
    private final IngressWatch watch;
    private final LimitHits hits;
    private final Duration idleTimeout;
    private final AtomicInteger state = new AtomicInteger(NEW);
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean reachedEnd;
    /** The client expects 100-continue and has not had it: sent when the agent first asks for the body. */
    private volatile boolean continueDeferred;
    private volatile IOException clientFailure;

    IngressUpload(HttpServerExchange exchange, InputStream in, long length, Executor threads, IngressWatch watch,
            LimitHits hits, Duration idleTimeout) {
        super((String) null, null, length < 0);
        this.exchange = exchange;
        this.in = in;
        this.length = length;
        this.threads = threads;
        this.watch = watch;
        this.hits = hits;
        this.idleTimeout = idleTimeout;
    }

    /**
     * Bounds each blocking read of the request body by {@code idle}: Undertow's blocking input
     * stream takes the connection's XNIO read timeout as it is created, so this must come before
     * {@code exchange.getInputStream()}. Returns the previous value, for {@link #unboundReads}.
     */
    static Integer boundReads(HttpServerExchange exchange, Duration idle) {
        try {
            return exchange.getConnection().setOption(Options.READ_TIMEOUT,
                    (int) Math.min(Integer.MAX_VALUE, Math.max(1, idle.toMillis())));
        } catch (IOException | IllegalArgumentException | UnsupportedOperationException e) {
            LOG.log(System.Logger.Level.DEBUG, "ingress {0}: no read timeout on the client connection ({1}); "
                    + "Undertow''s default bounds the body''s reads", exchange.getRequestPath(), e.toString());
            return null;
        }
    }

    /** Puts the connection's read timeout back, so that it does not outlive the call (keep-alive). */
    static void unboundReads(HttpServerExchange exchange, Integer previous) {
        try {
            exchange.getConnection().setOption(Options.READ_TIMEOUT, previous == null ? 0 : previous);
        } catch (IOException | IllegalArgumentException | UnsupportedOperationException e) {
            // the connection is closed, or never had the option
        }
    }

    /**
     * Leaves the client's {@code 100 Continue} to the agent: it goes when the agent's connection
     * first asks for the body (after the agent's own 100, or its continue timeout), and never if
     * the agent answers first; the client then sends no body, and the connection closes after the
     * answer.
     */
    void deferContinue() {
        continueDeferred = true;
    }

    /**
     * The answer is about to go: if the client still waits for a 100 it never got, it will not be
     * sent one now (the upload is abandoned), and the connection closes after the answer, since
     * the client may yet send the body it was not asked for.
     */
    void answering() {
        if (continueDeferred && !started()) {
            exchange.setPersistent(false);
        }
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        if (!state.compareAndSet(NEW, RUNNING)) {
            throw new IOException("the ingress call ended before its body was sent");
        }
        if (continueDeferred) {
            try {
                HttpContinue.sendContinueResponseBlocking(exchange);
            } catch (IOException e) {
                clientFailure = e;
                state.set(DONE);
                done.countDown();
                throw e;
            }
        }
        IOException[] failure = new IOException[1];
        try {
            threads.execute(() -> {
                try {
                    copy(out);
                } catch (IOException e) {
                    failure[0] = e;
                } catch (RuntimeException e) {
                    failure[0] = new IOException(e);
                } finally {
                    state.set(DONE);
                    done.countDown();
                }
            });
        } catch (RejectedExecutionException e) {
            state.set(DONE);
            done.countDown();
            throw new IOException("no ingress thread to read the request body", e);
        }
        boolean interrupted = false;
        while (true) { // the copy ends by itself: each client read is bounded by the read timeout
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure[0] != null) { // written before done counted down: visible here
            throw failure[0];
        }
    }

    private void copy(OutputStream out) throws IOException {
        byte[] buffer = new byte[BUFFER];
        while (true) {
            int n;
            boolean paused;
            try {
                n = in.read(buffer);
                paused = n > 0 && in.available() == 0;
            } catch (IOException e) {
                clientFailure = e;
                if (e instanceof ReadTimeoutException) {
                    hits.hit(LimitHits.Limit.BODY_IDLE_TIMEOUT, "no byte of the request body for " + idleTimeout
                            + " on " + exchange.getRequestPath() + ": stream reset");
                }
                throw e;
            }
            if (n < 0) {
                reachedEnd = true;
                return;
            }
            watch.uploadProgress();
            out.write(buffer, 0, n);
            if (paused) {
                out.flush(); // the client paused: let the agent see what came so far
            }
        }
    }

    /** True if the copy began; if it had not, it never will. */
    boolean started() {
        state.compareAndSet(NEW, ABANDONED);
        int s = state.get();
        return s == RUNNING || s == DONE;
    }

    boolean isDone() {
        return done.getCount() == 0;
    }

    boolean reachedEnd() {
        return reachedEnd;
    }

    /** How the client failed while sending, if it did; a {@link ReadTimeoutException} if it stalled. */
    IOException clientFailure() {
        return clientFailure;
    }

    /**
     * Before a failed call is answered: an upload still running stops by itself at its next write
     * (the failed stream refuses it), as soon as the client sends more, or at the read timeout.
     * One that does not within a short wait (a stalled client) is cut by closing the client
     * connection. Returns true if the exchange may still be answered: the upload thread no longer
     * touches it.
     */
    boolean stop() {
        if (!started() || awaitDone(STOP_WAIT_SECONDS)) {
            return true;
        }
        abort();
        awaitQuietly();
        return false;
    }

    /**
     * After the response: an upload the agent did not read to its end (it answered early, a 413
     * say, and reset the stream) has its rest read and dropped, for at most
     * {@link UnreadBody#DRAIN}, before the exchange ends; only a client that is still sending then
     * (or that failed, or an upload that does not stop) has its connection closed. Closing at once
     * lost the answer: a socket closed with unread bytes in its receive buffer sends a TCP reset,
     * not a FIN, and the reset discards what the client had not read yet, the answer included
     * (RFC 9112 section 9.6); the JDK's client then saw the connection end with no byte of it, for
     * about 4 % of the soak's uploads to an upstream that refused them. Then the upload thread is
     * waited for, so that it no longer touches the exchange when it ends.
     */
    void end() {
        if (!started()) {
            return;
        }
        if (!(isDone() && reachedEnd()) && !drainRest()) {
            abort();
        }
        awaitQuietly();
    }

    /**
     * Reads the client's body to its end once the copy has stopped, dropping it; true if it ended
     * within {@link UnreadBody#DRAIN} (each read is bounded by the body idle timeout as well).
     */
    private boolean drainRest() {
        if (!awaitDone(STOP_WAIT_SECONDS) || clientFailure != null) {
            return false; // still copying (an agent that stopped reading), or the client broke: cut it
        }
        // the copy has stopped (done counted down): this thread alone reads the stream now
        return UnreadBody.drain(in, System.nanoTime() + UnreadBody.DRAIN.toNanos());
    }

    private void abort() {
        exchange.setPersistent(false);
        IoUtils.safeClose(exchange.getConnection());
    }

    /** A read blocked on a closed connection may only end at its read timeout: waits that long. */
    private void awaitQuietly() {
        long seconds = Math.max(STOP_WAIT_SECONDS, idleTimeout.toSeconds() + 1);
        if (!awaitDone(seconds)) {
            LOG.log(System.Logger.Level.WARNING, "ingress {0}: the upload did not stop within {1} s after its "
                    + "connection was closed", exchange.getRequestPath(), seconds);
        }
    }

    /** Waits for the copy to stop; false if it did not within {@code seconds} (or on interrupt). */
    private boolean awaitDone(long seconds) {
        try {
            return done.await(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public InputStream getContent() {
        return in;
    }

    @Override
    public long getContentLength() {
        return length;
    }

    @Override
    public boolean isRepeatable() {
        return false;
    }

    @Override
    public boolean isStreaming() {
        return true;
    }

    @Override
    public void close() {
        // the exchange owns the client's stream
    }
}
