package io.swaggersocket.client;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Thread-safe: the connections to one upstream, at most {@code max} open (busy and idle together).
 * Idle connections are reused newest first, so that under light load the oldest ones age out, and
 * are closed once idle for longer than the idle timeout (by a sweep on a shared daemon timer,
 * scheduled only while there are idle connections, and on lease).
 *
 * <p>One lock guards the counts and the idle stack; connecting, checking and closing happen after
 * it is released, so a slow connect never holds up a release.
 */
final class UpstreamPool {
    private static final ScheduledExecutorService SWEEPER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "swaggersocket-forward-pool");
        t.setDaemon(true);
        return t;
    });

    /** A lease that found every connection busy for as long as it could wait. */
    static final class Exhausted extends IOException {
        Exhausted(String message) {
            super(message);
        }
    }

    private final UpstreamConnection.Opener opener;
    private final int max;
    private final long idleNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    /** Newest last. */
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    private int open;
    private boolean sweepScheduled;
    private boolean closed;

    UpstreamPool(UpstreamConnection.Opener opener, int max, Duration idleTimeout) {
        this.opener = opener;
        this.max = max;
        this.idleNanos = idleTimeout.toNanos();
    }

    /**
     * A connection for one exchange: the newest idle one that is still open, else a new one if
     * fewer than {@code max} are open, else the first to be released within {@code waitNanos}.
     *
     * @param fresh a new connection, never an idle one (closing the oldest idle one to make room)
     * @throws Exhausted when all stayed busy for {@code waitNanos}
     * @throws IOException when connecting failed ({@link java.net.SocketTimeoutException} for the
     *         connect timeout)
     */
    UpstreamConnection lease(long waitNanos, boolean fresh) throws IOException {
        long deadline = System.nanoTime() + waitNanos;
        while (true) {
            UpstreamConnection candidate = null;
            List<UpstreamConnection> expired = null;
            lock.lock();
            try {
                if (closed) {
                    throw new IOException("the forwarding handler is closed");
                }
                long now = System.nanoTime();
                if (!fresh && !idle.isEmpty()) {
                    UpstreamConnection newest = idle.pollLast();
                    if (now - newest.idleSince <= idleNanos) {
                        candidate = newest;
                    } else {
                        expired = new ArrayList<>(idle); // the newest expired, so did all older ones
                        expired.add(newest);
                        idle.clear();
                        open -= expired.size();
                    }
                }
                if (candidate == null) {
                    if (fresh && open >= max && !idle.isEmpty()) {
                        expired = List.of(idle.pollFirst()); // its slot goes to the new connection
                        open--;
                    }
                    if (open < max) {
                        open++;
                    } else {
                        long left = deadline - now;
                        if (left <= 0) {
                            throw new Exhausted("all " + max + " connections to " + opener + " stayed busy for "
                                    + Duration.ofNanos(waitNanos).toMillis() + " ms");
                        }
                        try {
                            freed.awaitNanos(left);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new InterruptedIOException("interrupted waiting for a connection to " + opener);
                        }
                        continue; // nothing to close: only an idle stack without expired ones gets here
                    }
                }
            } finally {
                lock.unlock();
            }
            closeAll(expired);
            if (candidate != null) {
                if (candidate.isStale()) {
                    release(candidate, false);
                    continue;
                }
                candidate.reused = true;
                return candidate;
            }
            try {
                return opener.open();
            } catch (IOException | RuntimeException | Error e) {
                gone();
                throw e;
            }
        }
    }

    /**
     * Ends an exchange's hold on {@code c}: back to the idle stack when {@code reusable} (its
     * response read to the end, kept alive by the upstream), else closed.
     */
    void release(UpstreamConnection c, boolean reusable) {
        boolean keep;
        boolean schedule = false;
        lock.lock();
        try {
            keep = reusable && !closed && c.isOpen();
            if (keep) {
                c.idleSince = System.nanoTime();
                idle.addLast(c);
                if (!sweepScheduled) {
                    sweepScheduled = schedule = true;
                }
            } else {
                open--;
            }
            freed.signal();
        } finally {
            lock.unlock();
        }
        if (!keep) {
            c.abort();
        }
        if (schedule) {
            SWEEPER.schedule(this::sweep, idleNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Closes the idle connections and, as they come back, every busy one. */
    void close() {
        List<UpstreamConnection> all;
        lock.lock();
        try {
            closed = true;
            all = new ArrayList<>(idle);
            open -= idle.size();
            idle.clear();
            freed.signalAll();
        } finally {
            lock.unlock();
        }
        closeAll(all);
    }

    int open() {
        lock.lock();
        try {
            return open;
        } finally {
            lock.unlock();
        }
    }

    int idle() {
        lock.lock();
        try {
            return idle.size();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the connections idle for longer than the idle timeout; again later while any are idle. */
    void sweep() {
        List<UpstreamConnection> expired = new ArrayList<>();
        long next = -1;
        lock.lock();
        try {
            long now = System.nanoTime();
            while (!idle.isEmpty() && now - idle.peekFirst().idleSince > idleNanos) {
                expired.add(idle.pollFirst());
            }
            open -= expired.size();
            if (idle.isEmpty()) {
                sweepScheduled = false;
            } else {
                next = Math.max(1, idleNanos - (now - idle.peekFirst().idleSince) + 1);
            }
            if (!expired.isEmpty()) {
                freed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        closeAll(expired);
        if (next > 0) {
            SWEEPER.schedule(this::sweep, next, TimeUnit.NANOSECONDS);
        }
    }

    private void gone() {
        lock.lock();
        try {
            open--;
            freed.signal();
        } finally {
            lock.unlock();
        }
    }

    private static void closeAll(List<UpstreamConnection> connections) {
        if (connections != null) {
            for (UpstreamConnection c : connections) {
                c.close(); // idle ones only: nothing is in flight
            }
        }
    }
}
