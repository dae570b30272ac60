package io.swaggersocket.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swaggersocket.events.Event;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
 *
 * <p><b>With a shared {@link EventBackend}</b> (a cluster) the hub numbers nothing itself: a publish
 * appends the event to the log, and the log's reader thread hands every node's events back to
 * {@link #entry} in the log's order, where they are stamped with the log's sequence number and
 * epoch and delivered exactly as above. So every subscriber on every node sees one order, and this
 * node's history mirrors the log's (the same numbers on every node: a resume works on any node).
 * Numbers the log skipped become a {@code history} gap; a log that cannot be reached, an
 * {@code unavailable} gap; a log with a new epoch (it lost its data), a {@code restart} gap.
 */
final class EventHub implements AutoCloseable {
    private static final AtomicInteger HUBS = new AtomicInteger();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One published event: its number, its tree for filters, and its wire JSON. */
    record Stamped(long seq, Event event, ObjectNode tree, String json) {
    }

    private final EventLimits limits;
    private final EventMetrics metrics;
    private final EventBackend log;
    private final ScheduledThreadPoolExecutor threads;
    private final Object lock = new Object();
    // Guarded by lock.
    private String epoch;
    private long seq;
    /** True from a failure of the shared log until its next entry: an unavailable gap was sent. */
    private boolean unavailable;
    private final ArrayDeque<Stamped> history = new ArrayDeque<>();
    private long historyBytes;
    private final List<Subscriber> subscribers = new ArrayList<>();
    private boolean closed;

    EventHub(EventLimits limits, EventMetrics metrics) {
        this(limits, metrics, EventBackend.local());
    }

    /** A hub over {@code log}; a shared log is started here (its retained entries read, bounded by its timeout). */
    EventHub(EventLimits limits, EventMetrics metrics, EventBackend log) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.metrics = metrics;
        this.log = Objects.requireNonNull(log, "eventLog");
        if (log.shared()) {
            this.epoch = log.epoch();
        } else {
            byte[] id = new byte[8];
            new SecureRandom().nextBytes(id);
            this.epoch = HexFormat.of().formatHex(id);
        }
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
        if (log.shared()) {
            log.start(new EventBackend.Reader() {
                @Override
                public void entry(String epoch, long seq, String json) {
                    EventHub.this.entry(epoch, seq, json);
                }

                @Override
                public void unavailable(String why) {
                    EventHub.this.unavailable(why);
                }
            }, limits.historySize());
        }
    }

    String epoch() {
        synchronized (lock) {
            return epoch;
        }
    }

    /** True when events are numbered by a log shared with other nodes. */
    boolean shared() {
        return log.shared();
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
     * hands it to every subscriber. Never blocks with the local log; with a shared one, waits for
     * the log's number (at most the log's own timeout) and the event reaches subscribers when this
     * node reads it back.
     *
     * @return its sequence number, or 0 when the hub is closed or the shared log cannot be reached
     *         (the event goes nowhere; subscribers got an unavailable gap)
     */
    long publish(Event event) {
        Objects.requireNonNull(event, "event");
        Event timed = event.time() == null ? event.withTime(Instant.now()) : event;
        // Built outside the lock; Seq and Epoch go in front of it under the lock.
        ObjectNode tree = timed.withSeq(0, null).toJson();
        String body = tree.toString();
        if (log.shared()) {
            // Numbered by the log, delivered here when this node reads it back (so in the log's order).
            // The log bounds the wait by its own timeout.
            try {
                return closed() ? 0 : append(body).join();
            } catch (CompletionException e) {
                return 0;
            }
        }
        synchronized (lock) {
            if (closed) {
                return 0;
            }
            return stamp(++seq, timed, tree, body);
        }
    }

    /**
     * {@link #publish} without waiting for the sequence number: for the server's own connection
     * events, published on its event thread, which must not wait for a shared log.
     */
    void publishLater(Event event) {
        if (!log.shared()) {
            publish(event);
            return;
        }
        Event timed = event.time() == null ? event.withTime(Instant.now()) : event;
        if (!closed()) {
            append(timed.withSeq(0, null).toJson().toString());
        }
    }

    private boolean closed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** Appends to the shared log; a failure tells this node's subscribers with an unavailable gap. */
    private CompletableFuture<Long> append(String body) {
        CompletableFuture<Long> f;
        try {
            f = log.append(body);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.whenComplete((n, failure) -> {
            if (failure != null) {
                unavailable("append failed: " + failure);
            }
        });
    }

    /** From the shared log's reader: the next entry in the log's order. */
    void entry(String entryEpoch, long n, String body) {
        ObjectNode tree;
        Event event;
        try {
            tree = (ObjectNode) MAPPER.readTree(body);
            event = Event.fromJson(tree);
        } catch (IOException | RuntimeException e) {
            // Only nodes of this cluster write the log; an entry none of them could have written is skipped, said as a gap.
            synchronized (lock) {
                if (n > seq && entryEpoch.equals(epoch)) {
                    offerAll(Subscriber.gap(seq + 1, n, "history"));
                    countGap("history");
                    seq = n;
                }
            }
            return;
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            unavailable = false;
            if (!entryEpoch.equals(epoch)) {
                // The log lost its data and started a new history: numbers start again at 1.
                offerAll(Subscriber.restartGap(epoch, seq + 1));
                countGap("restart");
                epoch = entryEpoch;
                seq = 0;
                history.clear();
                historyBytes = 0;
            }
            if (n <= seq) {
                return; // read twice (a re-read after the log came back): delivered already
            }
            if (n > seq + 1 && seq > 0) {
                // Trimmed from the log before this node could read them (it was cut off from it too long).
                offerAll(Subscriber.gap(seq + 1, n - 1, "history"));
                countGap("history");
            }
            seq = n;
            stamp(n, event, tree, body);
            lock.notifyAll(); // latestAtLeast
        }
    }

    /** From the shared log's reader, or a failed append: tells every subscriber once per outage. */
    void unavailable(String why) {
        synchronized (lock) {
            if (unavailable || closed) {
                return;
            }
            unavailable = true;
            offerAll(Subscriber.unavailableGap(seq + 1));
            countGap("unavailable");
        }
        System.getLogger(EventHub.class.getName()).log(System.Logger.Level.WARNING,
                "events: the shared event log cannot be reached ({0}); subscribers were sent an unavailable gap", why);
    }

    /** Under lock. */
    private void offerAll(Subscriber.Control control) {
        for (Subscriber sub : subscribers) {
            sub.offerControl(control);
        }
    }

    private void countGap(String reason) {
        if (metrics != null) {
            metrics.gap(reason);
        }
    }

    /**
     * The latest sequence number, waiting up to {@code timeout} for it to reach {@code wanted} when
     * events come from a shared log: a client resuming on this node with a number another node
     * gave it a moment ago must not be refused because this node has not read that far yet.
     */
    long latestAtLeast(long wanted, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (log.shared() && seq < wanted) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return seq;
        }
    }

    /** Under lock: numbers, retains and hands out one event. */
    private long stamp(long n, Event timed, ObjectNode tree, String body) {
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
            if (unavailable) {
                sub.preload(Subscriber.unavailableGap(seq + 1));
                countGap("unavailable");
            }
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
                long next = Math.max(wanted, first);
                for (Stamped s : history) {
                    if (s.seq() >= wanted) {
                        if (s.seq() > next) { // a hole a shared log left in this node's history
                            sub.preload(Subscriber.gap(next, s.seq() - 1, "history"));
                            countGap("history");
                        }
                        sub.preload(s);
                        next = s.seq() + 1;
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
