package io.swaggersocket.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swaggersocket.events.Event;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's event hub: assigns each published event its sequence number within this hub's
 * epoch, keeps a bounded history for {@code since} resumes, and hands each event to every
 * subscriber's own bounded queue. Thread-safe.
 *
 * <p><b>Threads and locking.</b> {@link #publish} takes {@link #lock} for the stamp, the history
 * append and one queue append per subscriber (no filter runs, no I/O, no wait): so every subscriber
 * sees events in sequence order, and publishing never blocks, from any thread, I/O threads
 * included. The JSON of an event is built once, before the lock, and shared by all subscribers.
 * Filtering and writing happen on the hub's delivery threads ({@code swaggersocket-events-n}, two
 * of them), each subscriber drained by one thread at a time; the same pool runs the write-timeout
 * check every quarter of {@link EventLimits#writeTimeout()}.
 */
final class EventHub implements AutoCloseable {
    private static final AtomicInteger HUBS = new AtomicInteger();

    /** One published event: its number, its tree for filters, and its wire JSON. */
    record Stamped(long seq, Event event, ObjectNode tree, String json) {
    }

    private final EventLimits limits;
    private final EventMetrics metrics;
    private final String epoch;
    private final ScheduledThreadPoolExecutor threads;
    private final Object lock = new Object();
    // Guarded by lock.
    private long seq;
    private final ArrayDeque<Stamped> history = new ArrayDeque<>();
    private long historyBytes;
    private final List<Subscriber> subscribers = new ArrayList<>();
    private boolean closed;

    EventHub(EventLimits limits, EventMetrics metrics) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.metrics = metrics;
        byte[] id = new byte[8];
        new SecureRandom().nextBytes(id);
        this.epoch = HexFormat.of().formatHex(id);
        String name = "swaggersocket-events-" + HUBS.incrementAndGet() + "-";
        AtomicInteger n = new AtomicInteger();
        threads = new ScheduledThreadPoolExecutor(2, r -> {
            Thread t = new Thread(r, name + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.DiscardPolicy()); // after close: nothing left to deliver to
        threads.setRemoveOnCancelPolicy(true);
        long period = Math.max(1, limits.writeTimeout().toNanos() / 4);
        threads.scheduleAtFixedRate(this::checkWriteTimeouts, period, period, TimeUnit.NANOSECONDS);
    }

    String epoch() {
        return epoch;
    }

    EventLimits limits() {
        return limits;
    }

    /** The delivery threads, for subscribers' drains. */
    java.util.concurrent.Executor executor() {
        return threads;
    }

    EventMetrics metrics() {
        return metrics;
    }

    /** The latest sequence number assigned (0 before the first event). */
    long latest() {
        synchronized (lock) {
            return seq;
        }
    }

    /**
     * Stamps {@code event} (its time, when it has none; the next sequence number; this epoch) and
     * hands it to every subscriber. Never blocks.
     *
     * @return its sequence number, or 0 when the hub is closed (the event goes nowhere)
     */
    long publish(Event event) {
        Objects.requireNonNull(event, "event");
        Event timed = event.time() == null ? event.withTime(Instant.now()) : event;
        // Built outside the lock; Seq and Epoch go in front of it under the lock.
        ObjectNode tree = timed.withSeq(0, null).toJson();
        String body = tree.toString();
        synchronized (lock) {
            if (closed) {
                return 0;
            }
            long n = ++seq;
            String json = "{\"Seq\":" + n + ",\"Epoch\":\"" + epoch + "\"," + body.substring(1);
            tree.put("Seq", n).put("Epoch", epoch); // ours alone: toJson made it, body is already written
            Stamped s = new Stamped(n, timed.withSeq(n, epoch), tree, json);
            history.addLast(s);
            historyBytes += json.length();
            while (history.size() > limits.historySize()
                    || (historyBytes > limits.historyBytes() && !history.isEmpty())) {
                historyBytes -= history.removeFirst().json().length();
            }
            for (Subscriber sub : subscribers) {
                sub.offer(s);
            }
            if (metrics != null) {
                metrics.published();
            }
            return n;
        }
    }

    /**
     * {@link #publish} for an application: its own types only, and any Seq or Epoch it set replaced.
     *
     * @throws IllegalArgumentException for the server's own types {@code connections} and {@code websocket}
     */
    long publishApplication(Event event) {
        if (event.type().equals("connections") || event.type().equals("websocket")) {
            throw new IllegalArgumentException("type: \"" + event.type() + "\" is reserved for the server's own events");
        }
        return publish(event);
    }

    /**
     * Adds {@code sub}: it gets its hello, then (with {@code since} not negative) a history gap if
     * the history does not reach back to {@code since}, and every retained event after it, then
     * every event published from now on, in order and none twice.
     *
     * @param since the last sequence number the subscriber has, or -1 for none (live events only)
     * @param sinceEpoch the epoch {@code since} belongs to; {@code null} for this one
     * @return false when the hub is closed
     */
    boolean subscribe(Subscriber sub, long since, String sinceEpoch) {
        synchronized (lock) {
            if (closed) {
                return false;
            }
            sub.preload(Subscriber.hello(epoch, seq));
            if (since >= 0) {
                boolean sameEpoch = sinceEpoch == null || sinceEpoch.equals(epoch);
                if (!sameEpoch) {
                    // The events of that history after since are gone with the process that held
                    // them: say so, or a resume across a restart would lose them silently.
                    sub.preload(Subscriber.restartGap(sinceEpoch, since + 1));
                    if (metrics != null) {
                        metrics.gap("restart");
                    }
                }
                long first = history.isEmpty() ? seq + 1 : history.peekFirst().seq();
                long wanted = sameEpoch ? since + 1 : 1;
                if (wanted < first) {
                    sub.preload(Subscriber.gap(wanted, first - 1, "history"));
                    if (metrics != null) {
                        metrics.gap("history");
                    }
                }
                for (Stamped s : history) {
                    if (s.seq() >= wanted) {
                        sub.preload(s);
                    }
                }
            }
            subscribers.add(sub);
            if (metrics != null) {
                metrics.subscribers(subscribers.size());
            }
            lock.notifyAll();
            return true;
        }
    }

    void unsubscribe(Subscriber sub) {
        synchronized (lock) {
            subscribers.remove(sub);
            if (metrics != null) {
                metrics.subscribers(subscribers.size());
            }
            lock.notifyAll();
        }
    }

    /** How many subscribers there are now, and of them {@code owner}'s. */
    int[] count(String owner) {
        synchronized (lock) {
            int mine = 0;
            for (Subscriber s : subscribers) {
                if (s.owner().equals(owner)) {
                    mine++;
                }
            }
            return new int[] {subscribers.size(), mine};
        }
    }

    /** Waits until there are {@code n} subscribers, at most {@code timeout}; true if there are. For tests. */
    boolean awaitSubscribers(int n, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (subscribers.size() != n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }

    /** True if some subscriber is dropping events into a slow gap now; for tests. */
    boolean anyOverflowing() {
        synchronized (lock) {
            return subscribers.stream().anyMatch(Subscriber::overflowing);
        }
    }

    /** The history, oldest first; for tests. */
    List<Stamped> history() {
        synchronized (lock) {
            return List.copyOf(history);
        }
    }

    private void checkWriteTimeouts() {
        List<Subscriber> all;
        synchronized (lock) {
            all = List.copyOf(subscribers);
        }
        long now = System.nanoTime();
        for (Subscriber s : all) {
            s.checkWriteTimeout(now, limits.writeTimeout().toNanos());
        }
    }

    /** Closes every subscriber with 1001 (going away); later publishes go nowhere. */
    @Override
    public void close() {
        List<Subscriber> all;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            all = List.copyOf(subscribers);
            subscribers.clear();
        }
        for (Subscriber s : all) {
            s.close(1001, "the server is shutting down");
        }
        threads.shutdown();
    }
}
