package io.swaggersocket.mux;

import io.swaggersocket.frame.ErrorCode;
import io.swaggersocket.frame.Frame;
import io.swaggersocket.frame.FrameCodec;
import io.swaggersocket.handshake.Settings;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;

/**
 * Message heads and bodies on open streams, for the threads that read and write them
 * ({@link StreamInput}, {@link StreamOutput}, {@link HandlerCall} and the caller of
 * {@code execute}): reads block until DATA comes, writes until credit and queue space allow.
 *
 * <p>Every method takes the connection's lock to decide, and waits on its conditions; frames are
 * flushed and completions run after the lock is released.
 */
final class StreamBodies {
    private final Settings settings;
    private final ReentrantLock lock;
    private final Condition sendable;
    private final FrameWriter writer;
    private final Credit credit;
    private final Lifecycle lifecycle;

    StreamBodies(Settings settings, ReentrantLock lock, Condition sendable, FrameWriter writer, Credit credit,
            Lifecycle lifecycle) {
        this.settings = settings;
        this.lock = lock;
        this.sendable = sendable;
        this.writer = writer;
        this.credit = credit;
        this.lifecycle = lifecycle;
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    int read(Stream stream, byte[] b, int off, int len) throws IOException {
        int n = 0;
        lock.lock();
        try {
            if (stream.expectContinue) {
                // The handler wants the body: tell a caller that waits for it to send it now.
                stream.expectContinue = false;
                if (!stream.headSent && stream.failure == null && lifecycle.closedCause() == null) {
                    writer.enqueueControl(FrameCodec.encode(new Frame.Headers(stream.id, HttpHeads.CONTINUE_HEAD, false)));
                    lock.unlock();
                    try {
                        writer.flush();
                    } finally {
                        lock.lock();
                    }
                }
            }
            while (stream.inbound.isEmpty()) {
                if (stream.inEnded) {
                    return -1; // complete: a later reset of our own direction does not matter
                }
                if (stream.failure != null) {
                    throw stream.failure;
                }
                try {
                    stream.readable.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("stream " + stream.id + ": interrupted while reading");
                }
            }
            while (n < len && !stream.inbound.isEmpty()) {
                ByteBuffer head = stream.inbound.peek();
                int k = Math.min(len - n, head.remaining());
                head.get(b, off + n, k);
                n += k;
                if (!head.hasRemaining()) {
                    stream.inbound.poll();
                }
            }
            stream.buffered -= n;
            credit.consumed(stream, n);
        } finally {
            lock.unlock();
        }
        writer.flush();
        return n;
    }

    int available(Stream stream) {
        lock.lock();
        try {
            return (int) Math.min(Integer.MAX_VALUE, stream.buffered);
        } finally {
            lock.unlock();
        }
    }

    void closeInput(Stream stream) {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (stream.failure == null && !stream.inEnded) {
                if (stream.local) {
                    lifecycle.failStream(stream, new StreamResetException(stream.id, ErrorCode.CANCEL,
                            "stream " + stream.id + ": response closed by the caller"),
                            ErrorCode.CANCEL, "response closed by the caller before its end", after);
                } else {
                    stream.inputClosed = true;
                    credit.discardInbound(stream);
                    finishRequestBody(stream, after);
                }
            } else {
                credit.discardInbound(stream);
            }
        } finally {
            lock.unlock();
        }
        lifecycle.finish(after);
    }

    // ---------------------------------------------------------------------------------------------
    // Writing

    /**
     * Streams a body on {@code stream}. If the entity itself fails, the stream is reset with
     * {@code code} and its users see that failure, with the entity's exception as the cause.
     */
    void writeEntity(Stream stream, HttpEntity entity, long length, ErrorCode code) throws IOException {
        StreamOutput out = new StreamOutput(this, stream, settings.maxFrameSize(), length);
        try {
            entity.writeTo(out);
            out.close();
        } catch (IOException | RuntimeException e) {
            if (isFailed(stream)) {
                throw e; // reset or lost: already reported to the stream's users
            }
            String message = "stream " + stream.id + ": body failed: " + e;
            IOException failure = new IOException(message, e);
            List<Runnable> after = new ArrayList<>();
            lock.lock();
            try {
                lifecycle.failStream(stream, failure, code, message, after);
            } finally {
                lock.unlock();
            }
            lifecycle.finish(after);
            throw failure;
        }
    }

    /** Sends a handler's response on a peer stream: the head, then the body if it has one. */
    void respond(Stream stream, String requestMethod, ClassicHttpResponse response) throws IOException {
        if (response.getCode() == org.apache.hc.core5.http.HttpStatus.SC_SWITCHING_PROTOCOLS) {
            switchProtocols(stream, response);
            return;
        }
        long length = HttpHeads.responseBodyLength(response, requestMethod);
        boolean hasBody = length != HttpHeads.NO_BODY && length != 0;
        byte[] head;
        try {
            head = HttpHeads.writeResponse(response, requestMethod);
        } catch (IllegalArgumentException e) {
            throw abort(stream, ErrorCode.INTERNAL_ERROR, e.getMessage());
        }
        if (head.length > settings.maxHeaderSize()) {
            throw abort(stream, ErrorCode.INTERNAL_ERROR, "response head of " + head.length
                    + " bytes is over the negotiated maxHeaderSize " + settings.maxHeaderSize());
        }
        sendHeaders(stream, head, !hasBody);
        if (hasBody) {
            writeEntity(stream, response.getEntity(), length, ErrorCode.INTERNAL_ERROR);
        }
    }

    /**
     * Sends a handler's 101 and runs the upgraded session: the response entity writes our side of
     * the byte stream (and may read the peer's from the request entity); its end is END_STREAM.
     */
    private void switchProtocols(Stream stream, ClassicHttpResponse response) throws IOException {
        if (!stream.upgrade) {
            throw abort(stream, ErrorCode.INTERNAL_ERROR, "stream " + stream.id
                    + ": the handler answered 101 to a request that asked for no upgrade (or on a connection without them)");
        }
        byte[] head;
        try {
            head = HttpHeads.writeResponse(response, "GET");
        } catch (IllegalArgumentException e) {
            throw abort(stream, ErrorCode.INTERNAL_ERROR, e.getMessage());
        }
        if (head.length > settings.maxHeaderSize()) {
            throw abort(stream, ErrorCode.INTERNAL_ERROR, "response head of " + head.length
                    + " bytes is over the negotiated maxHeaderSize " + settings.maxHeaderSize());
        }
        lock.lock();
        try {
            if (stream.failure != null) {
                throw stream.failure;
            }
            // Before the 101 is queued: the peer's bytes may come as soon as it is sent.
            stream.upgraded = true;
            stream.headSent = true;
            stream.declaredLength = HttpHeads.UNKNOWN_LENGTH;
            writer.enqueueControl(FrameCodec.encode(new Frame.Headers(stream.id, head, false)));
        } finally {
            lock.unlock();
        }
        writer.flush();
        HttpEntity session = response.getEntity();
        if (session != null) {
            writeEntity(stream, session, HttpHeads.UNKNOWN_LENGTH, ErrorCode.INTERNAL_ERROR);
        } else {
            new StreamOutput(this, stream, settings.maxFrameSize(), HttpHeads.UNKNOWN_LENGTH).close();
        }
    }

    void sendHeaders(Stream stream, byte[] head, boolean endStream) throws IOException {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (stream.failure != null) {
                throw stream.failure;
            }
            stream.headSent = true;
            writer.enqueueControl(FrameCodec.encode(new Frame.Headers(stream.id, head, endStream)));
            if (endStream) {
                outEnded(stream, after);
            }
        } finally {
            lock.unlock();
        }
        lifecycle.finish(after);
    }

    /**
     * Sends {@code length} payload bytes that sit in {@code frame} after its header room, waiting
     * for credit and queue space; splits them when credit is short.
     */
    void sendData(Stream stream, byte[] frame, int length, boolean endStream) throws IOException {
        List<Runnable> after = new ArrayList<>();
        int sent = 0;
        try {
            while (sent < length || (sent == 0 && length == 0)) {
                lock.lock();
                try {
                    long available = awaitCredit(stream);
                    int n = (int) Math.min(length - sent, available);
                    boolean last = sent + n == length;
                    byte[] out;
                    if (sent == 0 && last) {
                        out = frame;
                    } else {
                        out = new byte[FrameCodec.HEADER_LENGTH + n];
                        System.arraycopy(frame, FrameCodec.HEADER_LENGTH + sent, out, FrameCodec.HEADER_LENGTH, n);
                    }
                    FrameCodec.writeDataHeader(out, stream.id, endStream && last);
                    credit.spend(stream, n);
                    writer.enqueueData(stream.id, ByteBuffer.wrap(out, 0, FrameCodec.HEADER_LENGTH + n));
                    sent += n;
                    if (endStream && last) {
                        outEnded(stream, after);
                    }
                    if (length == 0) {
                        break;
                    }
                } finally {
                    lock.unlock();
                }
                writer.flush();
            }
        } finally {
            lifecycle.finish(after);
        }
    }

    /** Waits under the lock until the stream may send; returns the credit available. */
    private long awaitCredit(Stream stream) throws IOException {
        for (;;) {
            if (stream.failure != null) {
                throw stream.failure;
            }
            SocketClosedException closed = lifecycle.closedCause();
            if (closed != null) {
                throw closed;
            }
            long available = credit.sendCredit(stream);
            if (available > 0 && !writer.dataQueueFull()) {
                return available;
            }
            try {
                sendable.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw abortLocked(stream, ErrorCode.CANCEL, "writer was interrupted");
            }
        }
    }

    /** Under the lock: our direction of {@code stream} is complete. */
    private void outEnded(Stream stream, List<Runnable> after) {
        stream.outEnded = true;
        finishRequestBody(stream, after);
        lifecycle.maybeRemove(stream);
    }

    /** A handler has answered in full but not read the whole request body: tell the caller to stop. */
    private void finishRequestBody(Stream stream, List<Runnable> after) {
        if (!stream.local && stream.inputClosed && stream.outEnded && !stream.inEnded && stream.failure == null) {
            lifecycle.endUnneededRequestBody(stream, new StreamResetException(stream.id, ErrorCode.NO_ERROR,
                    "stream " + stream.id + ": request body not needed"),
                    "response complete; the rest of the request body is not needed", after);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Failing

    /** Resets the stream with {@code code} unless it already ended; returns the exception its users see. */
    IOException abort(Stream stream, ErrorCode code, String message) {
        List<Runnable> after = new ArrayList<>();
        IOException failure;
        lock.lock();
        try {
            failure = lifecycle.abortLocked(stream, code, message, after);
        } finally {
            lock.unlock();
        }
        lifecycle.finish(after);
        return failure;
    }

    private IOException abortLocked(Stream stream, ErrorCode code, String message) {
        List<Runnable> after = new ArrayList<>();
        IOException failure = lifecycle.abortLocked(stream, code, message, after);
        // Completions must not run under the lock: hand them to the executor.
        if (!after.isEmpty()) {
            lifecycle.runOnExecutor(() -> after.forEach(Runnable::run));
        }
        return failure;
    }

    boolean isFailed(Stream stream) {
        lock.lock();
        try {
            return stream.failure != null;
        } finally {
            lock.unlock();
        }
    }
}
