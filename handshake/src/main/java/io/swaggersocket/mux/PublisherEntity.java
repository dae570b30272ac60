package io.swaggersocket.mux;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;

/**
 * A JDK {@link HttpRequest.BodyPublisher} as an httpcore5 entity, so the connection streams it.
 * Write-only, written once, by one thread.
 *
 * <p>Backpressure is end to end: {@link #writeTo} asks the publisher for one buffer, writes it
 * (blocking while the stream has no credit), and only then asks for the next, so at most one
 * buffer is held here whatever the body's size. The length is the publisher's
 * {@code contentLength()}: a Content-Length when known, chunked otherwise.
 *
 * <p>The writer waits for the publisher, not for the stream, so it would not see the stream time
 * out; with a request timeout it therefore gives up waiting by the same deadline, by which the
 * connection has failed the exchange with a {@link SocketTimeoutException} of its own.
 */
final class PublisherEntity extends AbstractHttpEntity {
    private static final Object COMPLETE = new Object();
    private static final int COPY_CHUNK = 64 * 1024;

    private final HttpRequest.BodyPublisher publisher;
    private final long length;
    private final Duration timeout;

    /** @param timeout the exchange's deadline for the response head, or {@code null} for none */
    PublisherEntity(HttpRequest.BodyPublisher publisher, Duration timeout) {
        super((String) null, null, publisher.contentLength() < 0);
        this.publisher = publisher;
        this.length = publisher.contentLength() < 0 ? -1 : publisher.contentLength();
        this.timeout = timeout;
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
    public InputStream getContent() {
        throw new UnsupportedOperationException("a BodyPublisher entity is write-only: use writeTo");
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
        Bridge bridge = new Bridge();
        publisher.subscribe(bridge);
        Flow.Subscription subscription = null;
        boolean ended = false;
        try {
            for (;;) {
                Object signal = timeout == null ? bridge.signals.take()
                        : bridge.signals.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (signal == null) {
                    throw new SocketTimeoutException("request body publisher produced nothing before the " + timeout
                            + " request timeout");
                }
                if (signal instanceof Flow.Subscription s) {
                    subscription = s;
                } else if (signal instanceof ByteBuffer buffer) {
                    write(buffer, out);
                } else if (signal == COMPLETE) {
                    ended = true;
                    return;
                } else {
                    ended = true;
                    Throwable cause = ((Failure) signal).cause;
                    throw new IOException("request body publisher failed: " + cause, cause);
                }
                subscription.request(1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the request body publisher");
        } finally {
            if (!ended && subscription != null) {
                subscription.cancel(); // the stream failed: stop the publisher
            }
        }
    }

    private static void write(ByteBuffer buffer, OutputStream out) throws IOException {
        if (buffer.hasArray()) {
            out.write(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
            return;
        }
        byte[] chunk = new byte[Math.min(buffer.remaining(), COPY_CHUNK)];
        while (buffer.hasRemaining()) {
            int n = Math.min(chunk.length, buffer.remaining());
            buffer.get(chunk, 0, n);
            out.write(chunk, 0, n);
        }
    }

    @Override
    public void close() {
    }

    private record Failure(Throwable cause) {
    }

    /** Turns the publisher's signals into a queue the writing thread takes from, in order. */
    private static final class Bridge implements Flow.Subscriber<ByteBuffer> {
        final BlockingQueue<Object> signals = new LinkedBlockingQueue<>();
        private boolean subscribed;

        @Override
        public synchronized void onSubscribe(Flow.Subscription subscription) {
            if (subscribed) {
                subscription.cancel(); // rule 2.5: one subscription only
                return;
            }
            subscribed = true;
            signals.add(subscription);
        }

        @Override
        public void onNext(ByteBuffer item) {
            signals.add(item);
        }

        @Override
        public void onError(Throwable throwable) {
            signals.add(new Failure(throwable));
        }

        @Override
        public void onComplete() {
            signals.add(COMPLETE);
        }
    }
}
