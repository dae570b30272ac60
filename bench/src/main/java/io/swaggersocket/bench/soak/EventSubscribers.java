package io.swaggersocket.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swaggersocket.events.Event;
import io.swaggersocket.server.EventLimits;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Event subscribers on the server's {@code /events} (plain WebSocket, {@code register=*.*.*}) while
 * the soak publishes: {@code soak-lib} publishes a {@code soak.tick} event every
 * {@link #PUBLISH_EVERY} through its tunnel, and the chaos adds the server's own connection events.
 * Three subscribers, each with an {@link EventLedger}: {@code steady} stays (and resumes with
 * {@code since}/{@code epoch} only if its socket ends), {@code resuming} closes its socket every
 * {@link #RESUME_EVERY} and resumes, {@code slow} takes one message per {@link #SLOW_STEP} and stops
 * reading for {@link #SLOW_PAUSE} every {@link #RESUME_EVERY} (the hub's queue and the socket's
 * buffers then fill: the events must come later, or as a {@code slow} gap). At the end a last
 * event is published and every subscriber must reach it. Thread-safe.
 */
final class EventSubscribers {
    static final Duration PUBLISH_EVERY = Duration.ofMillis(100);
    static final Duration RESUME_EVERY = Duration.ofSeconds(20);
    static final Duration SLOW_STEP = Duration.ofMillis(5);
    static final Duration SLOW_PAUSE = Duration.ofSeconds(8);
    /** How long each subscriber has to reach the last event after it was published. */
    static final Duration CATCH_UP = Duration.ofSeconds(90);
    /** Bound on {@link #fillHistory}. */
    static final Duration FILL_BOUND = Duration.ofSeconds(120);
    static final int FILL_THREADS = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LibraryRig library;
    private final boolean sameNode;
    private final String uri;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "soak-events");
        t.setDaemon(true);
        return t;
    });
    private final Subscriber slow = new Subscriber("slow", false, true);
    private final List<Subscriber> subscribers = List.of(new Subscriber("steady", false, false),
            new Subscriber("resuming", true, false), slow);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong publishFailures = new AtomicLong();
    private volatile String firstPublishFailure = "";
    private Thread publisher;
    private volatile long filled;
    private long lastSeq = -1;
    private final List<String> failures = new ArrayList<>();

    /**
     * Subscribes on {@code port}; {@code sameNode} tells whether what {@code soak-lib} publishes
     * reaches that node's hub (one node), or may go to another node's (a cluster: events are per
     * node, docs/SCALE-OUT.md; the subscribers then judge the sentinel node's own stream, its
     * connection events, and the end is the latest Seq its hello gives).
     */
    EventSubscribers(LibraryRig library, int port, String token, boolean sameNode) {
        this.library = library;
        this.sameNode = sameNode;
        this.uri = "ws://127.0.0.1:" + port + "/events?register=" + URLEncoder.encode("*.*.*", StandardCharsets.UTF_8);
        this.token = token;
    }

    /**
     * Fills the server's event history to its bound first ({@code EventLimits.historySize()}, as
     * the CLI server keeps it), so that the history is at its steady state before the post-warm-up
     * sample: a history filling up during the run is bounded growth the resource check would take
     * for a leak. Publishes from {@link #FILL_THREADS} threads over {@code soak-lib}'s tunnel.
     */
    void fillHistory() throws InterruptedException {
        int total = EventLimits.defaults().historySize();
        long deadline = System.nanoTime() + FILL_BOUND.toNanos();
        List<Thread> fillers = new ArrayList<>();
        AtomicLong next = new AtomicLong();
        for (int t = 0; t < FILL_THREADS; t++) {
            Thread f = new Thread(() -> {
                for (long n = next.getAndIncrement(); n < total && System.nanoTime() < deadline; n = next.getAndIncrement()) {
                    try {
                        library.publish(Event.builder("soak", "fill", Long.toString(n)).build());
                        published.incrementAndGet();
                    } catch (IOException e) {
                        publishFailures.incrementAndGet();
                    }
                }
            }, "soak-fill-" + t);
            f.setDaemon(true);
            fillers.add(f);
            f.start();
        }
        for (Thread f : fillers) {
            f.join(FILL_BOUND.toMillis() + 60_000);
        }
        filled = published.get();
    }

    void start() {
        for (Subscriber s : subscribers) {
            s.connect();
        }
        timers.scheduleAtFixedRate(() -> slow.pausedUntil = System.nanoTime() + SLOW_PAUSE.toNanos(),
                RESUME_EVERY.toMillis(), RESUME_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        publisher = new Thread(() -> {
            long n = 0;
            while (running.get()) {
                try {
                    library.publish(Event.builder("soak", "tick", Long.toString(n++)).build());
                    published.incrementAndGet();
                } catch (IOException e) {
                    if (publishFailures.getAndIncrement() == 0) {
                        firstPublishFailure = Verdict.message(e);
                    }
                }
                try {
                    Thread.sleep(PUBLISH_EVERY.toMillis()); // the publishing rate, not a synchronisation
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "soak-publisher");
        publisher.setDaemon(true);
        publisher.start();
    }

    /**
     * Stops publishing, publishes the last event (retrying while {@code soak-lib} reconnects), and
     * waits until every subscriber has it; then closes the subscribers. Failures go to {@link #failures}.
     */
    void stop() throws InterruptedException {
        running.set(false);
        publisher.interrupt();
        publisher.join(TimeUnit.SECONDS.toMillis(60));
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (lastSeq < 0 && System.nanoTime() < deadline) {
            try {
                lastSeq = library.publish(Event.builder("soak", "end", "last").build());
                published.incrementAndGet();
            } catch (IOException e) {
                Thread.sleep(500); // soak-lib reconnecting: try again
            }
        }
        if (!sameNode) {
            lastSeq = latestSeq(deadline);
        }
        if (lastSeq < 0) {
            failures.add("events: the last event could not be published within " + CATCH_UP.toSeconds() + " s");
        }
        for (Subscriber s : subscribers) {
            s.resumable.set(false);
            if (lastSeq >= 0 && !s.awaitSeq(lastSeq, deadline)) {
                failures.add("events: subscriber " + s.name + " did not reach the last event (" + lastSeq + ") within "
                        + CATCH_UP.toSeconds() + " s; it is at " + s.last());
            }
            s.close();
            synchronized (s) {
                if (s.ledger.violations() > 0) {
                    failures.add("events: subscriber " + s.name + ": " + s.ledger.violations() + " violation(s), first: "
                            + s.ledger.examples().get(0));
                }
                if (s.ledger.delivered() == 0) {
                    failures.add("events: subscriber " + s.name + " got no event");
                }
            }
        }
        timers.shutdownNow();
    }

    /** The latest Seq of the subscribed node: the hello of a socket of its own; -1 if none came in time. */
    private long latestSeq(long deadline) throws InterruptedException {
        CompletableFuture<Long> seq = new CompletableFuture<>();
        CompletableFuture<WebSocket> ws = http.newWebSocketBuilder().header("Authorization", "Bearer " + token)
                .buildAsync(URI.create(uri), new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            try {
                                seq.complete(JSON.readTree(text.toString()).path("Object").path("seq").asLong(-1));
                            } catch (IOException e) {
                                seq.completeExceptionally(e);
                            }
                        }
                        w.request(1);
                        return null;
                    }
                });
        try {
            return seq.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return -1;
        } finally {
            ws.thenAccept(WebSocket::abort);
        }
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    /** The report's section: published, and per subscriber delivered, gaps, resumes, violations. */
    String table() {
        StringBuilder b = new StringBuilder("Events (`/events`, `register=*.*.*`): ").append(published.get())
                .append(" published by the soak through `soak-lib`'s tunnel (").append(filled)
                .append(" of them before the subscribers, to fill the history; ").append(publishFailures.get())
                .append(" publish calls failed").append(publishFailures.get() > 0 ? ", first: " + firstPublishFailure : "")
                .append("), plus the server's connection events; ")
                .append(sameNode ? "the last one's Seq " : "a cluster: events are per node, the subscribers are on the sentinel "
                        + "node n1 (soak-lib's events reach them only while it is held there); its latest Seq at the end ")
                .append(lastSeq).append(".\n\n");
        b.append("| subscriber | events in its span | delivered | reported as gaps (gap events) | sockets (resumes) | unreported gaps, duplicates, out of order |\n")
                .append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (Subscriber s : subscribers) {
            synchronized (s) {
                EventLedger l = s.ledger;
                b.append("| ").append(s.name).append(" | ").append(l.span()).append(" | ").append(l.delivered())
                        .append(" | ").append(l.gapped()).append(" (").append(l.gapEvents()).append(") | ")
                        .append(s.sockets).append(" | **").append(l.violations()).append("** |\n");
            }
        }
        for (Subscriber s : subscribers) {
            synchronized (s) {
                s.ledger.examples().forEach(e -> b.append("- ").append(s.name).append(": ").append(e).append('\n'));
            }
        }
        return b.toString();
    }

    /** One subscriber: its socket, replaced on a close (its own, on a schedule, or the server's). */
    private final class Subscriber implements WebSocket.Listener {
        final String name;
        final boolean resumes;
        final boolean isSlow;
        final EventLedger ledger = new EventLedger(); // guarded by this
        final AtomicBoolean resumable = new AtomicBoolean(true);
        int sockets; // guarded by this
        private final StringBuilder text = new StringBuilder(); // the listener's: one message at a time
        private volatile WebSocket current;
        private volatile long pausedUntil;

        Subscriber(String name, boolean resumes, boolean slow) {
            this.name = name;
            this.resumes = resumes;
            this.isSlow = slow;
        }

        synchronized long last() {
            return ledger.last();
        }

        void connect() {
            if (!resumable.get()) {
                return;
            }
            String query;
            synchronized (this) {
                query = ledger.resumeQuery();
                sockets++;
            }
            http.newWebSocketBuilder().header("Authorization", "Bearer " + token)
                    .buildAsync(URI.create(uri + query), this)
                    .whenComplete((ws, failure) -> {
                        if (failure != null) {
                            again(Duration.ofSeconds(1)); // the server busy, or going: try again
                        } else if (resumes) {
                            timers.schedule(() -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "resume"),
                                    RESUME_EVERY.toMillis(), TimeUnit.MILLISECONDS);
                        }
                    });
        }

        private void again(Duration after) {
            if (resumable.get()) {
                try {
                    timers.schedule(this::connect, after.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // stopping
                }
            }
        }

        @Override
        public void onOpen(WebSocket ws) {
            current = ws;
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String m = text.toString();
                text.setLength(0);
                try {
                    JsonNode event = JSON.readTree(m);
                    synchronized (this) {
                        ledger.accept(event);
                        notifyAll();
                    }
                } catch (IOException e) {
                    synchronized (this) {
                        ledger.accept(JSON.createObjectNode()); // unreadable: not counted as an event
                    }
                }
            }
            if (isSlow) {
                long wait = Math.max(SLOW_STEP.toNanos(), pausedUntil - System.nanoTime());
                try {
                    timers.schedule(() -> ws.request(1), wait, TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    ws.abort();
                }
            } else {
                ws.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            text.setLength(0);
            ws.abort();
            again(Duration.ofMillis(100));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            text.setLength(0);
            again(Duration.ofSeconds(1));
        }

        /** Waits until the ledger has reached {@code seq}, or the deadline passes. */
        synchronized boolean awaitSeq(long seq, long deadline) throws InterruptedException {
            while (ledger.last() < seq) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }

        void close() {
            WebSocket ws = current;
            if (ws != null) {
                ws.abort();
            }
        }
    }
}
