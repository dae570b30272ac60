package io.swaggersocket.mux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;

/**
 * Feeds a response body to a {@link Flow.Subscriber} as the subscriber asks for it: one read of
 * the body stream per unit of demand, never ahead of demand, so a slow subscriber holds the
 * stream's flow-control window shut and the peer stalls. Thread-safe: {@link #request} and
 * {@link #cancel} may be called from any thread.
 *
 * <p>One thread at a time drains (a work-in-progress counter hands the role over); reads block
 * that thread, which is why draining runs on the executor, or on a caller that is parked anyway.
 * {@link #cancel} closes the response, which resets the stream if the body has not ended and wakes
 * a blocked read. The response is closed at the end of the body as well.
 */
final class ResponseBodyPump implements Flow.Subscription {
    private static final int MIN_READ = 8 * 1024;
    private static final int MAX_READ = 64 * 1024;

    private final ClassicHttpResponse response;
    private final Flow.Subscriber<? super List<ByteBuffer>> subscriber;
    private final Executor executor;
    private final Consumer<Throwable> abandoned;
    private final AtomicLong demand = new AtomicLong();
    /** Work in progress: non-zero while a thread drains; start() holds it from the beginning. */
    private final AtomicInteger wip = new AtomicInteger(1);
    private volatile boolean cancelled;
    private volatile IllegalArgumentException badRequest;
    /** Touched only by the draining thread. */
    private boolean terminated;
    private InputStream in;

    /**
     * @param abandoned told when the body ends without a terminal signal to the subscriber: it
     *        cancelled (an {@link IOException}, as the JDK client reports it) or threw from a
     *        signal (what it threw); whoever waits on its body must not wait forever
     */
    ResponseBodyPump(ClassicHttpResponse response, Flow.Subscriber<? super List<ByteBuffer>> subscriber,
            Executor executor, Consumer<Throwable> abandoned) {
        this.response = response;
        this.subscriber = subscriber;
        this.executor = executor;
        this.abandoned = abandoned;
    }

    /**
     * Subscribes and drains on the calling thread while there is demand, handing the rest over to
     * the executor once {@code yieldWhen} says so.
     */
    void start(BooleanSupplier yieldWhen) {
        try {
            HttpEntity entity = response.getEntity();
            in = entity == null ? null : entity.getContent();
        } catch (IOException | RuntimeException e) {
            SocketConnection.closeQuietly(response);
            terminated = true;
            signal(() -> subscriber.onSubscribe(this));
            signal(() -> subscriber.onError(e));
            return;
        }
        if (signal(() -> subscriber.onSubscribe(this))) {
            drain(1, yieldWhen);
        }
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            badRequest = new IllegalArgumentException("request: expected a positive demand but was " + n);
        } else {
            demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
        }
        if (wip.getAndIncrement() == 0) {
            dispatch(1);
        }
    }

    @Override
    public void cancel() {
        cancelled = true;
        SocketConnection.closeQuietly(response); // wakes a read blocked on another thread
        if (wip.getAndIncrement() == 0) {
            dispatch(1);
        }
    }

    private void dispatch(int missed) {
        try {
            executor.execute(() -> drain(missed, () -> false));
        } catch (RejectedExecutionException e) {
            drain(missed, () -> false); // as the connection does: better late on this thread than never
        }
    }

    /** Runs holding the drain role, {@code missed} being the work counted when it was taken. */
    private void drain(int missed, BooleanSupplier yieldWhen) {
        for (;;) {
            if (terminated) {
                return; // keep the role for good: later requests have nothing to start
            }
            if (cancelled) {
                // Noticed only between signals, so a subscriber that cancels and then completes its
                // own body within one onNext has its body, not this failure.
                terminate();
                abandoned.accept(new IOException("the response body subscriber cancelled its subscription"
                        + " before the body ended"));
                return;
            }
            IllegalArgumentException bad = badRequest;
            if (bad != null) {
                terminate();
                signal(() -> subscriber.onError(bad));
                return;
            }
            if (in == null) {
                terminate();
                signal(subscriber::onComplete);
                return;
            }
            if (demand.get() > 0) {
                if (yieldWhen.getAsBoolean()) {
                    dispatch(missed);
                    return;
                }
                readOne();
                continue;
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void readOne() {
        byte[] buffer;
        int n;
        try {
            buffer = new byte[Math.max(MIN_READ, Math.min(in.available(), MAX_READ))];
            n = in.read(buffer);
        } catch (IOException e) {
            if (!cancelled) {
                terminate();
                signal(() -> subscriber.onError(e));
            }
            return; // when cancelled, the loop reports it
        }
        if (n < 0) {
            terminate();
            signal(subscriber::onComplete);
            return;
        }
        if (n < buffer.length / 2) {
            buffer = Arrays.copyOf(buffer, n); // subscribers may hold every buffer until the end
        }
        demand.decrementAndGet();
        List<ByteBuffer> item = List.of(ByteBuffer.wrap(buffer, 0, n));
        signal(() -> subscriber.onNext(item));
    }

    private void terminate() {
        terminated = true;
        SocketConnection.closeQuietly(response); // resets the stream unless the body ended
    }

    /** Calls the subscriber; if it throws, it is broken: stop, release the stream, report it. */
    private boolean signal(Runnable call) {
        try {
            call.run();
            return true;
        } catch (RuntimeException | Error e) {
            cancelled = true;
            terminate();
            abandoned.accept(e);
            return false;
        }
    }
}
