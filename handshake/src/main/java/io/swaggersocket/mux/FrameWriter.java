package io.swaggersocket.mux;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The single writer of a connection: two queues, control ahead of data, and at most
 * {@code maxInFlightBytes} handed to the channel but not yet written. Because little is ever
 * inside the channel, a ping or a window update waits behind at most that much data, never behind
 * a whole bulk transfer.
 *
 * <p>Guarded by the connection's lock: every {@code enqueue*} and {@code purge} is called holding it;
 * {@link #flush()} is called without it, after the caller's decisions are made.
 */
final class FrameWriter {
    private enum Kind { BINARY, PING, CLOSE }

    private record Outbound(Kind kind, int streamId, ByteBuffer buffer, int closeCode, String reason) {
        int size() {
            return buffer == null ? 0 : buffer.remaining();
        }
    }

    private final MessageChannel channel;
    private final ReentrantLock lock;
    private final Condition sendable;
    private final Consumer<Throwable> onSendFailure;
    private final long maxInFlightBytes;
    private final long dataQueueLimit;

    private final ArrayDeque<Outbound> control = new ArrayDeque<>();
    private final ArrayDeque<Outbound> data = new ArrayDeque<>();
    private long dataQueuedBytes;
    private long inFlightBytes;
    private boolean sending;
    private boolean closed;
    private Outbound pendingClose;
    private final java.util.concurrent.atomic.AtomicLong bytesSent = new java.util.concurrent.atomic.AtomicLong();

    FrameWriter(MessageChannel channel, ReentrantLock lock, Condition sendable, int maxFrameSize,
            Consumer<Throwable> onSendFailure) {
        this.channel = channel;
        this.lock = lock;
        this.sendable = sendable;
        this.onSendFailure = onSendFailure;
        // Four frames keep the socket busy while a control frame waits behind at most that much.
        this.maxInFlightBytes = 4L * (maxFrameSize + 8);
        this.dataQueueLimit = 2L * (maxFrameSize + 8);
    }

    void enqueueControl(ByteBuffer frame) {
        if (!closed) {
            control.add(new Outbound(Kind.BINARY, 0, frame, 0, null));
        }
    }

    void enqueuePing(ByteBuffer payload) {
        if (!closed) {
            control.add(new Outbound(Kind.PING, 0, payload, 0, null));
        }
    }

    /**
     * Queues the close behind everything queued so far, data included (a drained stream's last
     * DATA must not be overtaken by the close); nothing queued later is sent.
     */
    void enqueueClose(int code, String reason) {
        if (!closed) {
            pendingClose = new Outbound(Kind.CLOSE, 0, null, code, reason);
            closed = true;
        }
    }

    /** Sends nothing more: the channel is gone or is being aborted. */
    void seal() {
        closed = true;
        pendingClose = null;
        control.clear();
        data.clear();
        dataQueuedBytes = 0;
        sendable.signalAll();
    }

    /** Bytes of binary messages (frames) handed to the channel so far. */
    long bytesSent() {
        return bytesSent.get();
    }

    void enqueueData(int streamId, ByteBuffer frame) {
        if (!closed) {
            data.add(new Outbound(Kind.BINARY, streamId, frame, 0, null));
            dataQueuedBytes += frame.remaining();
        }
    }

    /** True while a body writer should wait before queuing more DATA. */
    boolean dataQueueFull() {
        return dataQueuedBytes >= dataQueueLimit;
    }

    /** Drops a reset stream's queued DATA and returns how many payload bytes never left. */
    long purge(int streamId) {
        long payload = 0;
        for (Iterator<Outbound> it = data.iterator(); it.hasNext(); ) {
            Outbound o = it.next();
            if (o.streamId == streamId) {
                it.remove();
                dataQueuedBytes -= o.size();
                payload += o.size() - io.swaggersocket.frame.FrameCodec.HEADER_LENGTH;
            }
        }
        if (payload > 0) {
            sendable.signalAll();
        }
        return payload;
    }

    /** Sends what the in-flight limit allows. Only one thread sends at a time, so order is kept. */
    void flush() {
        lock.lock();
        try {
            if (sending) {
                return;
            }
            sending = true;
        } finally {
            lock.unlock();
        }
        for (;;) {
            Outbound next;
            lock.lock();
            try {
                next = inFlightBytes < maxInFlightBytes ? poll() : null;
                if (next == null) {
                    sending = false;
                    return;
                }
                inFlightBytes += next.size();
            } finally {
                lock.unlock();
            }
            send(next);
        }
    }

    private Outbound poll() {
        Outbound next = control.poll();
        if (next != null) {
            return next;
        }
        next = data.poll();
        if (next != null) {
            boolean wasFull = dataQueuedBytes >= dataQueueLimit;
            dataQueuedBytes -= next.size();
            if (wasFull && dataQueuedBytes < dataQueueLimit) {
                sendable.signalAll();
            }
            return next;
        }
        next = pendingClose;
        pendingClose = null;
        return next;
    }

    private void send(Outbound o) {
        int size = o.size();
        if (o.kind == Kind.BINARY) {
            bytesSent.addAndGet(size);
        }
        MessageChannel.Callback done = failure -> completed(size, failure);
        try {
            switch (o.kind) {
                case BINARY -> channel.sendBinary(o.buffer, done);
                case PING -> channel.sendPing(o.buffer, done);
                case CLOSE -> {
                    channel.close(o.closeCode, o.reason);
                    done.completed(null);
                }
            }
        } catch (RuntimeException e) {
            done.completed(e);
        }
    }

    private void completed(int size, Throwable failure) {
        lock.lock();
        try {
            inFlightBytes -= size;
        } finally {
            lock.unlock();
        }
        if (failure != null) {
            onSendFailure.accept(failure);
        }
        flush();
    }
}
