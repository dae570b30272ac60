package io.swaggersocket.mux;

import io.swaggersocket.frame.ErrorCode;
import io.swaggersocket.frame.Frame;
import io.swaggersocket.frame.FrameCodec;
import io.swaggersocket.frame.ProtocolViolationException;
import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.handshake.Settings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How streams and the connection end: a stream fails or completes and leaves the table; the
 * connection drains after GOAWAY, closes on a protocol error, a lost transport or a dead peer, and
 * fails every open stream with one cause at once.
 *
 * <p>Methods named {@code ...Locked} or documented as such are called holding the connection's
 * lock; they only decide and queue frames, and add what must run without the lock (completing
 * futures) to an {@code after} list that the caller runs through {@link #finish} once it has
 * released the lock. The other methods take the lock themselves.
 */
final class Lifecycle {
    private static final System.Logger LOG = System.getLogger(SocketConnection.class.getName());

    private final String id;
    private final ConnectionConfig config;
    private final MessageChannel channel;
    private final ReentrantLock lock;
    private final Condition sendable;
    private final FrameWriter writer;
    private final StreamTable table;
    private final Credit credit;
    private final Heartbeat heartbeat;

    private boolean goAwaySent;
    private boolean goAwayReceived;
    private SocketClosedException closedCause;
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private final CompletableFuture<Void> peerGoingAway = new CompletableFuture<>();

    Lifecycle(String id, ConnectionConfig config, MessageChannel channel, ReentrantLock lock, Condition sendable,
            FrameWriter writer, StreamTable table, Credit credit, Settings settings, boolean dialer) {
        this.id = id;
        this.config = config;
        this.channel = channel;
        this.lock = lock;
        this.sendable = sendable;
        this.writer = writer;
        this.table = table;
        this.credit = credit;
        this.heartbeat = new Heartbeat(id, settings, dialer, config.scheduler(), config.nanoClock(), lock, writer, this);
    }

    /** The connection's liveness check, which this class stops when the connection closes. */
    Heartbeat heartbeat() {
        return heartbeat;
    }

    CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    CompletableFuture<Void> peerGoingAway() {
        return peerGoingAway;
    }

    /** Under the lock: why the connection is closed, or {@code null} while it is not. */
    SocketClosedException closedCause() {
        return closedCause;
    }

    /** Under the lock: a GOAWAY went either way, so no new stream may open. */
    boolean goingAway() {
        return goAwaySent || goAwayReceived;
    }

    /** Under the lock: this side sent GOAWAY, so the peer's new streams are refused. */
    boolean goAwaySent() {
        return goAwaySent;
    }

    /** True until the connection starts closing (GOAWAY sent or received) or is closed. */
    boolean isOpen() {
        lock.lock();
        try {
            return closedCause == null && !goAwaySent && !goAwayReceived;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Streams ending; all called holding the lock

    void maybeRemove(Stream stream) {
        if (stream.outEnded && stream.inEnded && !stream.removed) {
            remove(stream);
        }
    }

    private void remove(Stream stream) {
        stream.removed = true;
        table.remove(stream);
        if (stream.deadline != null) {
            stream.deadline.cancel(false);
        }
        List<Runnable> after = new ArrayList<>(0);
        closeIfDrained(after);
        if (!after.isEmpty()) {
            runOnExecutor(() -> after.forEach(Runnable::run));
        }
    }

    /** Stops our sending on a stream whose receiving side is complete; the stream then ends. */
    void failStreamOutbound(Stream stream, StreamResetException failure) {
        stream.failure = failure; // further writes of our body throw; the response already arrived
        credit.unsent(writer.purge(stream.id));
        stream.outEnded = true;
        if (!stream.removed) {
            remove(stream);
        }
        sendable.signalAll();
    }

    /**
     * Ends a served stream whose handler answered in full without reading the whole request body:
     * the rest of that body is dropped and the caller told to stop with RESET NO_ERROR. Unlike
     * {@link #failStream}, the response's DATA still queued is kept, and the RESET is queued behind
     * it in the data queue: sent as a control frame it would overtake the response's last DATA, and
     * the caller would see a reset before the end of a response it should have had whole.
     */
    void endUnneededRequestBody(Stream stream, StreamResetException failure, String resetMessage, List<Runnable> after) {
        if (stream.failure != null) {
            return;
        }
        boolean wasOpen = !stream.removed;
        stream.failure = failure;
        if (wasOpen && closedCause == null) { // queued before remove(): a drain's close goes behind it
            writer.enqueueData(stream.id, FrameCodec.encode(new Frame.Reset(stream.id, ErrorCode.NO_ERROR, resetMessage)));
        }
        if (wasOpen) {
            remove(stream);
        }
        credit.discardInbound(stream);
        stream.readable.signalAll();
        sendable.signalAll();
        after.add(() -> runOnExecutor(() -> stream.aborted.complete(failure)));
    }

    /**
     * Fails {@code stream} once with {@code failure}: it leaves the table, its unread input is
     * dropped, its queued DATA purged, and a RESET with {@code resetCode} is sent unless that is
     * {@code null}. Its response future and handler callbacks complete through {@code after}.
     */
    void failStream(Stream stream, IOException failure, ErrorCode resetCode, String resetMessage,
            List<Runnable> after) {
        if (stream.failure != null) {
            return;
        }
        boolean wasOpen = !stream.removed;
        stream.failure = failure;
        if (wasOpen) {
            remove(stream);
        }
        if (!stream.inEnded) {
            credit.discardInbound(stream); // incomplete: never let a reader take a cut body for a whole one
        }
        credit.unsent(writer.purge(stream.id));
        stream.readable.signalAll();
        sendable.signalAll();
        if (resetCode != null && wasOpen && closedCause == null) {
            writer.enqueueControl(FrameCodec.encode(new Frame.Reset(stream.id, resetCode, resetMessage)));
        }
        after.add(() -> {
            if (stream.response != null) {
                stream.response.completeExceptionally(failure);
            }
            if (!stream.local) {
                runOnExecutor(() -> stream.aborted.complete(failure)); // a handler's callbacks: never on I/O
            }
        });
    }

    /** Resets {@code stream} with {@code code} unless it already failed; returns what its users see. */
    IOException abortLocked(Stream stream, ErrorCode code, String message, List<Runnable> after) {
        if (stream.failure == null) {
            failStream(stream, new StreamResetException(stream.id, code, message), code, message, after);
        }
        return stream.failure;
    }

    private void closeIfDrained(List<Runnable> after) {
        if ((goAwaySent || goAwayReceived) && table.isEmpty() && closedCause == null) {
            closed(new SocketClosedException(CloseCode.NORMAL.code(), "connection " + id
                    + " closed after a graceful shutdown"));
            writer.enqueueClose(CloseCode.NORMAL.code(), "drained");
        }
    }

    /** Under the lock: records the first cause; nothing more is granted or timed. */
    private void closed(SocketClosedException cause) {
        closedCause = cause;
        credit.stop();
        heartbeat.stop();
    }

    /** Under the lock: the peer sent GOAWAY; our streams above its last id were never processed. */
    void goAwayReceived(Frame.GoAway frame, List<Runnable> after) {
        goAwayReceived = true;
        for (Stream stream : table.snapshot()) {
            if (stream.local && stream.id > frame.lastStreamId()) {
                failStream(stream, new StreamResetException(stream.id, ErrorCode.REFUSED_STREAM, "stream "
                        + stream.id + " was not processed: the peer is going away (" + frame.errorCode()
                        + (frame.message().isEmpty() ? "" : ": " + frame.message()) + ")"), null, null, after);
            }
        }
        if (frame.errorCode() != ErrorCode.NO_ERROR) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: peer sent GOAWAY {1}: {2}", id, frame.errorCode(),
                    frame.message());
        }
        closeIfDrained(after);
        after.add(() -> runOnExecutor(() -> peerGoingAway.complete(null)));
    }

    // ---------------------------------------------------------------------------------------------
    // The connection ending; each takes the lock itself

    /** Sends GOAWAY and lets the streams in flight finish; the channel closes when the last one ends. */
    void shutdown() {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (closedCause == null && !goAwaySent) {
                goAwaySent = true;
                writer.enqueueControl(FrameCodec.encode(
                        new Frame.GoAway(table.lastPeerId(), ErrorCode.NO_ERROR, "shutting down")));
                closeIfDrained(after);
            }
        } finally {
            lock.unlock();
        }
        finish(after);
    }

    void protocolError(ProtocolViolationException e) {
        protocolError(e, e.errorCode() == ErrorCode.FRAME_SIZE_ERROR ? CloseCode.MESSAGE_TOO_BIG : CloseCode.PROTOCOL_ERROR);
    }

    void protocolError(ProtocolViolationException e, CloseCode closeCode) {
        LOG.log(System.Logger.Level.DEBUG, "{0}: closing on protocol error: {1}", id, e.getMessage());
        lock.lock();
        try {
            if (closedCause == null) {
                writer.enqueueControl(FrameCodec.encode(new Frame.GoAway(table.lastPeerId(), e.errorCode(), e.getMessage())));
            }
        } finally {
            lock.unlock();
        }
        closeWith(new SocketClosedException(closeCode.code(), "connection " + id + " closed: the peer broke the protocol: "
                + e.getMessage(), e), closeCode, e.errorCode().name(), false);
    }

    void transportFailed(Throwable failure) {
        closeWith(new SocketClosedException(CloseCode.ABNORMAL.code(), "connection " + id + " lost: send failed: " + failure,
                failure), null, null, true);
    }

    /** The channel closed (a close frame came, or the transport was lost): only now is the connection terminated. */
    void channelClosed(int code, String reason) {
        String why = code == CloseCode.ABNORMAL.code()
                ? "connection " + id + " was lost" + (reason == null || reason.isEmpty() ? "" : ": " + reason)
                : "connection " + id + " closed by the peer: " + code + (reason == null || reason.isEmpty() ? "" : " " + reason);
        closeWith(new SocketClosedException(code, why), null, null, false);
        SocketClosedException cause;
        lock.lock();
        try {
            cause = closedCause;
        } finally {
            lock.unlock();
        }
        if (cause.isGraceful()) {
            closeFuture.complete(null);
        } else {
            closeFuture.completeExceptionally(cause);
        }
    }

    /**
     * Closes the connection once: fails every open stream with {@code cause}, then closes the
     * channel with {@code code} (none when the peer closed it), or aborts it.
     */
    void closeWith(SocketClosedException cause, CloseCode code, String reason, boolean abortChannel) {
        List<Runnable> after = new ArrayList<>();
        boolean first;
        lock.lock();
        try {
            first = closedCause == null;
            if (first) {
                closed(cause);
                for (Stream stream : table.snapshot()) {
                    failStream(stream, cause, null, null, after);
                }
                if (code != null && !abortChannel) {
                    writer.enqueueClose(code.code(), reason);
                } else {
                    writer.seal();
                }
                sendable.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (!first) {
            return;
        }
        if (abortChannel) {
            if (code != null) {
                try {
                    channel.close(code.code(), reason); // best effort: a dead peer will not read it
                } catch (RuntimeException ignored) {
                    // the abort below is what counts
                }
            }
            channel.abort();
        } else if (code != null) {
            writer.flush();
        }
        finish(after);
    }

    // ---------------------------------------------------------------------------------------------

    /** Runs what was decided under the lock, without it, then sends what was queued. */
    void finish(List<Runnable> after) {
        for (Runnable r : after) {
            r.run();
        }
        writer.flush();
    }

    /** Runs {@code task} on the configured executor, or here when it refuses (it is shutting down). */
    void runOnExecutor(Runnable task) {
        try {
            config.executor().execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }
}
