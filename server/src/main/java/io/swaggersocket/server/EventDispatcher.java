package io.swaggersocket.server;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Delivers a server's events to its listeners on one thread of its own, in the order they were
 * posted. Posting never blocks, so it is safe from I/O threads and under the server's lock.
 */
final class EventDispatcher {
    private static final System.Logger LOG = System.getLogger(EventDispatcher.class.getName());
    private static final AtomicInteger SERVERS = new AtomicInteger();

    private final List<ConnectionListener> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService thread;
    private volatile Thread eventThread;

    EventDispatcher() {
        String name = "swaggersocket-server-events-" + SERVERS.incrementAndGet();
        // One thread, created on the first event; it never dies, since delivery catches everything.
        thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            eventThread = t;
            return t;
        });
    }

    void add(ConnectionListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void remove(ConnectionListener listener) {
        listeners.remove(listener);
    }

    void post(ConnectionEvent event) {
        try {
            thread.execute(() -> deliver(event));
        } catch (RejectedExecutionException e) {
            // Only after close() has drained every connection: nothing is listening any more.
            LOG.log(System.Logger.Level.DEBUG, "dropped {0}: the server is closed", event);
        }
    }

    boolean isEventThread() {
        return Thread.currentThread() == eventThread;
    }

    /** Delivers what is queued, then stops; waits up to {@code timeout} unless called from a listener. */
    void shutdown(Duration timeout) {
        thread.shutdown();
        if (isEventThread()) {
            return; // a listener closed the server: it cannot wait for itself
        }
        try {
            if (!thread.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "connection listeners still busy {0} after close; "
                        + "the events still queued are delivered in the background", timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void deliver(ConnectionEvent event) {
        for (ConnectionListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, "connection listener " + listener + " failed on " + event, t);
            }
        }
    }
}
