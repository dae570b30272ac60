package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swaggersocket.events.Event;
import io.swaggersocket.events.EventSpec;
import io.swaggersocket.internal.metrics.MeterSetup;
import io.swaggersocket.mux.MessageChannel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The hub in memory: ordering, history bounds, gap arithmetic, overflow and concurrent publishers. */
@Timeout(60)
class EventHubTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final MeterSetup meters = MeterSetup.of(null);
    private final EventMetrics metrics = new EventMetrics(meters);
    private EventHub hub;

    @AfterEach
    void close() {
        if (hub != null) {
            hub.close();
        }
        meters.close();
    }

    /** A sink that records what it is sent; while {@link #stall} is set it holds the callbacks. */
    static final class FakeSink implements EventSink {
        final LinkedBlockingQueue<JsonNode> sent = new LinkedBlockingQueue<>();
        final List<MessageChannel.Callback> held = new ArrayList<>();
        volatile boolean stall;
        final java.util.concurrent.CompletableFuture<Integer> closed = new java.util.concurrent.CompletableFuture<>();

        @Override
        public int maxInFlight() {
            return 4;
        }

        @Override
        public void send(String json, MessageChannel.Callback done) {
            try {
                sent.add(JSON.readTree(json));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            synchronized (held) { // with release(): a send sees the stall and is held, or sees none
                if (stall) {
                    held.add(done);
                    return;
                }
            }
            done.completed(null);
        }

        void release() {
            List<MessageChannel.Callback> all;
            synchronized (held) {
                stall = false;
                all = new ArrayList<>(held);
                held.clear();
            }
            all.forEach(c -> c.completed(null));
        }

        @Override
        public void close(int code, String reason) {
            closed.complete(code);
        }

        JsonNode next() throws InterruptedException {
            JsonNode n = sent.poll(30, TimeUnit.SECONDS);
            assertNotNull(n, "expected an event within 30 s");
            return n;
        }
    }

    private Subscriber subscribe(FakeSink sink, String spec, long since, String epoch, Grants grants) {
        Subscriber sub = new Subscriber(hub, sink, grants, "test");
        sub.register(EventSpec.parse(spec));
        assertTrue(hub.subscribe(sub, since, epoch));
        sub.start();
        return sub;
    }

    private static Event event(String type, int i) {
        return Event.builder(type, "put", "k" + i).build();
    }

    @Test
    void sequenceNumbersStartAtOneAndHelloNamesTheLatest() throws Exception {
        hub = new EventHub(EventLimits.defaults(), metrics);
        assertEquals(1, hub.publish(event("a", 1)));
        assertEquals(2, hub.publish(event("a", 2)));
        FakeSink sink = new FakeSink();
        subscribe(sink, "a.*.*", -1, null, Grants.all());
        JsonNode hello = sink.next();
        assertEquals("hello", hello.path("Action").asText());
        assertEquals(2, hello.path("Object").path("seq").asLong());
        assertEquals(hub.epoch(), hello.path("Object").path("epoch").asText());
        hub.publish(event("b", 3)); // not registered
        hub.publish(event("a", 4));
        JsonNode e = sink.next();
        assertEquals(4, e.path("Seq").asLong());
        assertEquals(hub.epoch(), e.path("Epoch").asText());
        assertEquals("k4", e.path("Key").asText());
        assertTrue(e.path("Time").isTextual());
    }

    @Test
    void historyIsBoundedByCountAndBytes() {
        hub = new EventHub(EventLimits.builder().historySize(5).build(), metrics);
        for (int i = 1; i <= 12; i++) {
            hub.publish(event("a", i));
        }
        List<EventHub.Stamped> h = hub.history();
        assertEquals(5, h.size());
        assertEquals(8, h.get(0).seq());
        assertEquals(12, h.get(4).seq());
        hub.close();
        hub = new EventHub(EventLimits.builder().historyBytes(2048).build(), metrics);
        String big = "x".repeat(500);
        for (int i = 1; i <= 20; i++) {
            hub.publish(Event.builder("a", "put", "k").label("pad", big).build());
        }
        h = hub.history();
        long bytes = h.stream().mapToLong(s -> s.json().length()).sum();
        assertTrue(bytes <= 2048, "history holds " + bytes + " bytes");
        assertEquals(20, h.get(h.size() - 1).seq());
        assertEquals(20 - h.size() + 1, h.get(0).seq(), "the oldest go first");
    }

    @Test
    void sinceWithinTheHistoryReplaysExactlyTheMissedEvents() throws Exception {
        hub = new EventHub(EventLimits.builder().historySize(100).build(), metrics);
        for (int i = 1; i <= 10; i++) {
            hub.publish(event("a", i));
        }
        FakeSink sink = new FakeSink();
        subscribe(sink, "a.*.*", 7, hub.epoch(), Grants.all());
        assertEquals("hello", sink.next().path("Action").asText());
        assertEquals(8, sink.next().path("Seq").asLong());
        assertEquals(9, sink.next().path("Seq").asLong());
        assertEquals(10, sink.next().path("Seq").asLong());
        hub.publish(event("a", 11));
        assertEquals(11, sink.next().path("Seq").asLong());
        assertEquals(0, metrics.count("history"));
    }

    @Test
    void aReplayLongerThanTheQueueIsNotAnOverflow() throws Exception {
        hub = new EventHub(EventLimits.builder().historySize(100).subscriberQueue(4).build(), metrics);
        for (int i = 1; i <= 50; i++) {
            hub.publish(event("a", i));
        }
        FakeSink sink = new FakeSink();
        sink.stall = true; // four sends are held: the replay and two live events wait in the queue
        subscribe(sink, "a.*.*", 0, null, Grants.all());
        hub.publish(event("a", 51));
        hub.publish(event("a", 52));
        sink.release();
        assertEquals("hello", sink.next().path("Action").asText());
        for (int i = 1; i <= 52; i++) {
            JsonNode e = sink.next();
            assertEquals(i, e.path("Seq").asLong(), e.toString());
        }
        assertEquals(0, metrics.count("slow"));
    }

    @Test
    void sinceOlderThanTheHistoryGetsAHistoryGapFirst() throws Exception {
        hub = new EventHub(EventLimits.builder().historySize(10).build(), metrics);
        for (int i = 1; i <= 30; i++) {
            hub.publish(event("a", i));
        }
        FakeSink sink = new FakeSink();
        subscribe(sink, "a.*.*", 5, null, Grants.all());
        sink.next(); // hello
        JsonNode gap = sink.next();
        assertEquals("gap", gap.path("Action").asText());
        assertEquals(6, gap.path("Object").path("from").asLong());
        assertEquals(20, gap.path("Object").path("to").asLong());
        assertEquals("history", gap.path("Object").path("reason").asText());
        for (int i = 21; i <= 30; i++) {
            assertEquals(i, sink.next().path("Seq").asLong());
        }
        assertEquals(1, metrics.count("history"));
    }

    @Test
    void anotherEpochGetsARestartGapThenTheWholeHistoryAfterAGapFromOne() throws Exception {
        hub = new EventHub(EventLimits.builder().historySize(3).build(), metrics);
        for (int i = 1; i <= 5; i++) {
            hub.publish(event("a", i));
        }
        FakeSink sink = new FakeSink();
        subscribe(sink, "a.*.*", 4, "0123456789abcdef", Grants.all());
        sink.next();
        JsonNode restart = sink.next();
        assertEquals("restart", restart.path("Object").path("reason").asText(), restart.toString());
        assertEquals("0123456789abcdef", restart.path("Object").path("epoch").asText());
        assertEquals(5, restart.path("Object").path("from").asLong(), "the old history's events after since=4");
        assertEquals(1, metrics.count("restart"));
        JsonNode gap = sink.next();
        assertEquals(1, gap.path("Object").path("from").asLong());
        assertEquals(2, gap.path("Object").path("to").asLong());
        assertEquals(3, sink.next().path("Seq").asLong());
        assertEquals(4, sink.next().path("Seq").asLong());
        assertEquals(5, sink.next().path("Seq").asLong());
    }

    @Test
    void anOverflowingSubscriberGetsOneSlowGapWhereTheEventsWereAndOthersGetEverything() throws Exception {
        hub = new EventHub(EventLimits.builder().subscriberQueue(8).build(), metrics);
        FakeSink slow = new FakeSink();
        FakeSink fast = new FakeSink();
        slow.stall = true;
        subscribe(slow, "a.*.*", -1, null, Grants.all());
        subscribe(fast, "a.*.*", -1, null, Grants.all());
        assertEquals("hello", slow.next().path("Action").asText());
        assertEquals("hello", fast.next().path("Action").asText());
        // The slow sink holds 4 sends (hello + 3 events); 8 more wait in its queue; the rest overflow.
        for (int i = 1; i <= 100; i++) {
            hub.publish(event("a", i));
            assertEquals(i, fast.next().path("Seq").asLong(), "the fast subscriber keeps up, whatever the slow one does");
        }
        slow.release();
        List<Long> seqs = new ArrayList<>();
        JsonNode gap = null;
        while (gap == null || seqs.size() < 100 - (gap.path("Object").path("to").asLong()
                - gap.path("Object").path("from").asLong() + 1)) {
            JsonNode n = slow.next();
            if (n.path("Action").asText().equals("gap")) {
                gap = n;
            } else {
                seqs.add(n.path("Seq").asLong());
            }
            if (seqs.size() > 100) {
                break;
            }
        }
        assertNotNull(gap);
        assertEquals("slow", gap.path("Object").path("reason").asText());
        long from = gap.path("Object").path("from").asLong();
        long to = gap.path("Object").path("to").asLong();
        // Every event is either delivered or inside the gap, once, and in order.
        List<Long> expected = new ArrayList<>();
        for (long i = 1; i <= 100; i++) {
            if (i < from || i > to) {
                expected.add(i);
            }
        }
        assertEquals(expected, seqs);
        assertEquals(from - 1, seqs.get((int) from - 2), "the gap follows the last event delivered");
        assertEquals(1, metrics.count("slow"));
        hub.publish(event("a", 101));
        assertEquals(101, slow.next().path("Seq").asLong());
    }

    @Test
    void aSocketThatTakesNothingForTheWriteTimeoutIsClosedWith4008() throws Exception {
        hub = new EventHub(EventLimits.builder().writeTimeout(java.time.Duration.ofMillis(50)).build(), metrics);
        FakeSink stuck = new FakeSink();
        stuck.stall = true;
        subscribe(stuck, "a.*.*", -1, null, Grants.all());
        stuck.next();
        assertEquals(Subscriber.SLOW_CLOSE, stuck.closed.get(20, TimeUnit.SECONDS), "closed by the hub's own timer");
        assertEquals(1, metrics.count("closedSlow"));
        assertEquals(0, metrics.count("subscribers"), "no subscriber left in the hub");
    }

    @Test
    void scopeHidesEventsAboutAgentsOutsideTheAdminGrant() throws Exception {
        hub = new EventHub(EventLimits.defaults(), metrics);
        FakeSink sink = new FakeSink();
        subscribe(sink, "*.*.*", -1, null, new Grants(List.of(), List.of(), List.of("team-a-*")));
        sink.next();
        hub.publish(event("x", 1).withAgent("team-b-1"));
        hub.publish(event("x", 2)); // about no agent: needs admin *
        hub.publish(event("x", 3).withAgent("team-a-1"));
        JsonNode e = sink.next();
        assertEquals(3, e.path("Seq").asLong());
        assertEquals("team-a-1", e.path("Agent").asText());
    }

    @Test
    void concurrentPublishersAreSeenByEverySubscriberInOneOrderWithoutLossOrDuplicate() throws Exception {
        int threads = 4;
        int each = 5_000;
        hub = new EventHub(EventLimits.builder().subscriberQueue(threads * each).build(), metrics);
        FakeSink a = new FakeSink();
        FakeSink b = new FakeSink();
        subscribe(a, "a.*.*", -1, null, Grants.all());
        subscribe(b, "a.*.*", -1, null, Grants.all());
        a.next();
        b.next();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> publishers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    hub.publish(event("a", i));
                }
            });
            th.start();
            publishers.add(th);
        }
        go.countDown();
        for (Thread th : publishers) {
            th.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(th.isAlive());
        }
        for (FakeSink s : List.of(a, b)) {
            for (long i = 1; i <= (long) threads * each; i++) {
                assertEquals(i, s.next().path("Seq").asLong());
            }
        }
        assertEquals(threads * each, (int) metrics.count("published"));
    }

    @Test
    void commandsAreAnsweredInOrderWithEventsAndErrorsKeepTheSubscriber() throws Exception {
        hub = new EventHub(EventLimits.defaults(), metrics);
        FakeSink sink = new FakeSink();
        Subscriber sub = new Subscriber(hub, sink, Grants.all(), "test");
        hub.subscribe(sub, -1, null);
        sub.start();
        sink.next();
        sub.command("register a.*.*");
        JsonNode ack = sink.next();
        assertEquals("register", ack.path("Action").asText());
        assertEquals("a.*.*", ack.path("Key").asText());
        sub.command("deregister b.*.*");
        JsonNode error = sink.next();
        assertEquals("error", error.path("Action").asText());
        assertTrue(error.path("Object").path("error").asText().contains("not registered"), error.toString());
        hub.publish(event("a", 1));
        assertEquals(1, sink.next().path("Seq").asLong());
        sub.command("deregister a.*.*");
        assertEquals("deregister", sink.next().path("Action").asText());
        hub.publish(event("a", 2));
        sub.command("register m.*.*");
        assertEquals("register", sink.next().path("Action").asText(), "event 2 was not sent");
    }
}
