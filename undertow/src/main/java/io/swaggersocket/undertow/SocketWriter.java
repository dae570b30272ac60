package io.swaggersocket.undertow;

import io.swaggersocket.mux.MessageChannel.Callback;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.xnio.channels.StreamSinkChannel;

/**
 * The one writer of a socket. Thread-safe: every write happens under {@link #lock}.
 *
 * <p>A frame is written from the calling thread while the socket accepts bytes: no hand-off to the
 * I/O thread and no wake-up on the common path. Only when the socket would block is the rest of the
 * frame, and everything sent after it, queued and the sink's write listener resumed; the I/O thread
 * then drains the queue, control frames (pongs, pings) ahead of queued data, and suspends writes
 * when it is empty. A frame's {@link Callback} is told once all its bytes were accepted by the
 * socket (or failed), never under the lock, so SocketConnection's in-flight accounting sees real
 * progress. The queue is bounded ({@code maxQueued} frames): a send beyond it fails.
 */
final class SocketWriter {
    /** One frame: its buffers (header and payload), its callback, and what to do once written. */
    private static final class Pending {
        final ByteBuffer[] buffers;
        final Callback callback;

        Pending(ByteBuffer[] buffers, Callback callback) {
            this.buffers = buffers;
            this.callback = callback;
        }

        boolean written() {
            for (ByteBuffer b : buffers) { // all of them: a header before an empty payload counts too
                if (b.hasRemaining()) {
                    return false;
                }
            }
            return true;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final StreamSinkChannel sink;
    private final int maxQueued;
    private final Consumer<IOException> onFailure;

    // Guarded by lock.
    private final ArrayDeque<Pending> control = new ArrayDeque<>();
    private final ArrayDeque<Pending> data = new ArrayDeque<>();
    private Pending current;
    private boolean waiting;
    private boolean needsFlush;
    private IOException failed;
    /** Set once the last frame (a close) was accepted: nothing may follow it on the wire. */
    private boolean finished;

    /**
     * @param maxQueued the most frames waiting while the socket is blocked
     * @param onFailure told once, outside the lock, when a write fails (the socket is then useless)
     */
    SocketWriter(StreamSinkChannel sink, int maxQueued, Consumer<IOException> onFailure) {
        this.sink = sink;
        this.maxQueued = maxQueued;
        this.onFailure = onFailure;
        sink.getWriteSetter().set(s -> writable());
    }

    /**
     * Writes a frame now if nothing is waiting and the socket takes it, else queues it.
     *
     * @param urgent control frames go ahead of queued data frames (never ahead of a frame begun)
     * @param last a close frame: every later send fails
     */
    void send(ByteBuffer[] frame, boolean urgent, boolean last, Callback callback) {
        Pending p = new Pending(frame, callback);
        IOException refused = null;
        IOException failure = null;
        boolean done = false;
        lock.lock();
        try {
            if (failed != null) {
                refused = failed;
            } else if (finished) {
                refused = new IOException("the WebSocket close was sent: nothing may follow it");
            } else if (!waiting) {
                finished = last;
                if (write(p)) {
                    done = true;
                } else {
                    current = p;
                    waitForSocket();
                }
            } else if (control.size() + data.size() >= maxQueued) {
                refused = new IOException("expected at most " + maxQueued + " frames waiting for the socket but there"
                        + " are more: the peer does not read");
            } else {
                finished = last;
                (urgent && !last ? control : data).add(p);
            }
        } catch (IOException e) {
            failure = e;
        } finally {
            lock.unlock();
        }
        if (done) {
            callback.completed(null);
        } else if (refused != null) {
            callback.completed(refused);
        } else if (failure != null) {
            fail(failure, p);
        }
    }

    /** Fails every frame not yet written with {@code cause}; later sends fail at once. */
    void close(IOException cause) {
        List<Pending> dropped;
        lock.lock();
        try {
            if (failed != null) {
                return;
            }
            failed = cause;
            dropped = drainAll();
        } finally {
            lock.unlock();
        }
        dropped.forEach(p -> p.callback.completed(cause));
    }

    /** The write listener, on the I/O thread: drains the queue while the socket takes bytes. */
    private void writable() {
        List<Pending> written = new ArrayList<>();
        IOException failure = null;
        lock.lock();
        try {
            if (failed != null) {
                sink.suspendWrites();
                return;
            }
            for (;;) {
                if (current == null) {
                    current = control.isEmpty() ? data.poll() : control.poll();
                    if (current == null) {
                        break;
                    }
                }
                if (!write(current)) {
                    return; // stays resumed: called again when the socket drains
                }
                written.add(current);
                current = null;
            }
            if (needsFlush && !sink.flush()) {
                return;
            }
            needsFlush = false;
            waiting = false;
            sink.suspendWrites();
        } catch (IOException e) {
            failure = e;
        } finally {
            lock.unlock();
            written.forEach(p -> p.callback.completed(null));
        }
        if (failure != null) {
            fail(failure, null);
        }
    }

    /** Writes as much of {@code p} as the socket takes; true when all of it went. Holding the lock. */
    private boolean write(Pending p) throws IOException {
        ByteBuffer[] b = p.buffers;
        while (!p.written()) {
            if (sink.write(b, 0, b.length) == 0) {
                return false;
            }
        }
        // TLS holds bytes in its engine until flushed; plain sockets flush at once.
        if (!sink.flush()) {
            needsFlush = true;
            if (!waiting) {
                waitForSocket();
            }
        }
        return true;
    }

    private void waitForSocket() {
        waiting = true;
        sink.resumeWrites();
    }

    private List<Pending> drainAll() {
        List<Pending> all = new ArrayList<>();
        if (current != null) {
            all.add(current);
            current = null;
        }
        all.addAll(control);
        all.addAll(data);
        control.clear();
        data.clear();
        return all;
    }

    private void fail(IOException cause, Pending first) {
        List<Pending> dropped;
        lock.lock();
        try {
            if (failed == null) {
                failed = cause;
            }
            dropped = drainAll();
        } finally {
            lock.unlock();
        }
        if (first != null && !dropped.contains(first)) {
            first.callback.completed(cause);
        }
        dropped.forEach(p -> p.callback.completed(cause));
        onFailure.accept(cause);
    }
}
