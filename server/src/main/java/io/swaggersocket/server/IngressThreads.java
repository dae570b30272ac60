package io.swaggersocket.server;

import java.lang.reflect.Method;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.xnio.Xnio;

/**
 * The ingress pool: daemon threads {@code swaggersocket-ingress-n}, bounded and reused. Thread-safe
 * (a {@link ThreadPoolExecutor}).
 *
 * <p>An ingress call blocks a thread for as long as it lasts, and a call with a request body a
 * second one, which copies the body from the client; {@link IngressHandler} admits at most
 * {@link ServerLimits#maxIngressCalls()} calls, so the pool never needs more than twice that. Its
 * bound is that with some room, a backstop only: a task still finds no thread (Undertow then
 * answers 503) only if calls end and begin faster than the threads of ended calls get back to
 * the pool. A new thread is made only when no thread is idle, and a thread idle for
 * {@code keepAlive} ends.
 *
 * <p>Why the threads must be reused and clean up when they end: XNIO gives every thread that
 * does blocking I/O on a socket a selector of its own (two file descriptors on Linux), released
 * when the thread ends through XNIO's thread-exit hook, or else only when a full GC finalizes
 * it. XNIO's own task threads call that hook; these call it too, so that a burst of calls leaves
 * neither threads nor descriptors behind once it is over.
 */
final class IngressThreads {
    private static final System.Logger LOG = System.getLogger(IngressThreads.class.getName());
    /** {@code Xnio.handleThreadExit()}: protected, so reached by reflection; null if it cannot be. */
    private static final Method THREAD_EXIT = threadExit();

    private IngressThreads() {
    }

    /** A pool for {@code maxCalls} calls at most, whose idle threads end after {@code keepAliveNanos}. */
    static ThreadPoolExecutor create(int maxCalls, long keepAliveNanos) {
        int max = (int) Math.min(Integer.MAX_VALUE, 2L * maxCalls + Math.max(16, maxCalls / 8));
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(0, max, keepAliveNanos, TimeUnit.NANOSECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(() -> {
                try {
                    r.run();
                } finally {
                    releaseSelector();
                }
            }, "swaggersocket-ingress-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Closes the calling thread's XNIO selector, if it made one; it makes another if it needs one. */
    static void releaseSelector() {
        if (THREAD_EXIT == null) {
            return;
        }
        try {
            THREAD_EXIT.invoke(Xnio.getInstance(Xnio.class.getClassLoader()));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not release the XNIO selector of {0}: {1}",
                    Thread.currentThread().getName(), e.toString());
        }
    }

    private static Method threadExit() {
        try {
            Method m = Xnio.class.getDeclaredMethod("handleThreadExit");
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "XNIO has no thread-exit hook ({0}): selectors of ended "
                    + "ingress threads are closed only by the garbage collector", e.toString());
            return null;
        }
    }
}
