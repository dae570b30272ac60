package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.swaggersocket.events.Event;
import io.swaggersocket.events.EventSpec;
import io.swaggersocket.internal.metrics.MeterSetup;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The hub over a shared {@link EventBackend}, scripted in memory: numbers, holes, outages, a new epoch. */
@Timeout(60)
class SharedEventHubTest {
    private final MeterSetup meters = MeterSetup.of(null);
    private final EventMetrics metrics = new EventMetrics(meters);
    private final ScriptedLog log = new ScriptedLog();
    private EventHub hub;

    @AfterEach
    void close() {
        if (hub != null) {
            hub.close();
        }
        meters.close();
    }

    /** A shared log whose entries the test hands to the reader itself; appends succeed or fail as told. */
    static final class ScriptedLog implements EventBackend {
        volatile Reader reader;
        volatile boolean down;
        final AtomicLong seq = new AtomicLong();
        volatile String appended;

        @Override
        public boolean shared() {
            return true;
        }

        @Override
        public String epoch() {
            return "e1";
        }

        @Override
        public void start(Reader reader, int history) {
            this.reader = reader;
            reader.entry("e1", 1, json("old")); // retained before this node started
        }

        @Override
        public CompletableFuture<Long> append(String json) {
            if (down) {
                return CompletableFuture.failedFuture(new java.io.IOException("Redis is down"));
            }
            appended = json;
            return CompletableFuture.completedFuture(seq.incrementAndGet() + 100);
        }

        @Override
        public void close() {
        }
    }

    private static String json(String key) {
        return Event.builder("a", "put", key).build().toJson().toString();
    }

    private EventHubTest.FakeSink subscribe(long since, String epoch) {
        EventHubTest.FakeSink sink = new EventHubTest.FakeSink();
        Subscriber sub = new Subscriber(hub, sink, Grants.all(), "test");
        sub.register(EventSpec.parse("a.*.*"));
        assertTrue(hub.subscribe(sub, since, epoch));
        sub.start();
        return sink;
    }

    @Test
    void numbersAndOrderAreTheLogsAndAPublishReachesSubscribersOnlyThroughIt() throws Exception {
        hub = new EventHub(EventLimits.defaults(), metrics, log);
        assertEquals("e1", hub.epoch());
        assertEquals(1, hub.latest(), "the retained entry read at start");
        EventHubTest.FakeSink sink = subscribe(0, "e1");
        assertEquals(1, sink.next().path("Object").path("seq").asLong());
        assertEquals("old", sink.next().path("Key").asText());
        assertEquals(101, hub.publish(Event.builder("a", "put", "mine").build()), "the log's number");
        assertTrue(log.appended.contains("\"mine\"") && !log.appended.contains("Seq"), log.appended);
        assertEquals(1, hub.latest(), "not delivered until the log hands it back");
        log.reader.entry("e1", 2, json("other-node"));
        log.reader.entry("e1", 3, log.appended);
        log.reader.entry("e1", 3, log.appended); // read twice: delivered once
        JsonNode a = sink.next();
        assertEquals(2, a.path("Seq").asLong());
        assertEquals("e1", a.path("Epoch").asText());
        assertEquals("other-node", a.path("Key").asText());
        assertEquals("mine", sink.next().path("Key").asText());
        log.reader.entry("e1", 4, json("next"));
        assertEquals(4, sink.next().path("Seq").asLong(), "no duplicate in between");
    }

    @Test
    void numbersTheLogSkippedAreAHistoryGapLiveAndOnReplay() throws Exception {
        hub = new EventHub(EventLimits.defaults(), metrics, log);
        EventHubTest.FakeSink live = subscribe(-1, null);
        live.next(); // hello
        log.reader.entry("e1", 5, json("after-hole"));
        JsonNode gap = live.next();
        assertEquals("gap", gap.path("Action").asText());
        assertEquals(2, gap.path("Object").path("from").asLong());
        assertEquals(4, gap.path("Object").path("to").asLong());
        assertEquals("history", gap.path("Object").path("reason").asText());
        assertEquals(5, live.next().path("Seq").asLong());
        EventHubTest.FakeSink replay = subscribe(0, "e1");
        replay.next(); // hello
        assertEquals(1, replay.next().path("Seq").asLong());
        JsonNode hole = replay.next();
        assertEquals("history", hole.path("Key").asText());
        assertEquals(2, hole.path("Object").path("from").asLong());
        assertEquals(4, hole.path("Object").path("to").asLong());
        assertEquals(5, replay.next().path("Seq").asLong());
    }

    @Test
    void anOutageIsOneUnavailableGapAndAPublishGetsZero() throws Exception {
        hub = new EventHub(EventLimits.defaults(), metrics, log);
        EventHubTest.FakeSink sink = subscribe(-1, null);
        sink.next(); // hello
        log.down = true;
        assertEquals(0, hub.publish(Event.builder("a", "put", "lost").build()));
        log.reader.unavailable("read failed too"); // the same outage: no second gap
        JsonNode gap = sink.next();
        assertEquals("unavailable", gap.path("Key").asText(), gap.toString());
        assertEquals(2, gap.path("Object").path("from").asLong());
        assertTrue(gap.path("Object").path("to").isNull());
        EventHubTest.FakeSink late = subscribe(-1, null);
        late.next(); // hello
        assertEquals("unavailable", late.next().path("Key").asText(), "told right after its hello");
        log.down = false;
        log.reader.entry("e1", 2, json("back"));
        assertEquals("back", sink.next().path("Key").asText(), "no second gap before it");
        log.reader.unavailable("again");
        assertEquals("unavailable", sink.next().path("Key").asText(), "a new outage is told again");
    }

    @Test
    void aNewEpochIsARestartGapThenNumbersFromOne() throws Exception {
        hub = new EventHub(EventLimits.defaults(), metrics, log);
        log.reader.entry("e1", 2, json("two"));
        EventHubTest.FakeSink sink = subscribe(-1, null);
        sink.next(); // hello
        log.reader.entry("e2", 1, json("fresh"));
        JsonNode restart = sink.next();
        assertEquals("restart", restart.path("Key").asText(), restart.toString());
        assertEquals("e1", restart.path("Object").path("epoch").asText());
        assertEquals(3, restart.path("Object").path("from").asLong());
        JsonNode fresh = sink.next();
        assertEquals(1, fresh.path("Seq").asLong());
        assertEquals("e2", fresh.path("Epoch").asText());
        assertEquals("e2", hub.epoch());
        assertEquals(1, hub.history().size(), "the old epoch's history is gone");
    }

    @Test
    void aResumeWaitsBrieflyForANumberThisNodeHasNotReadYet() throws Exception {
        hub = new EventHub(EventLimits.defaults(), metrics, log);
        Thread later = new Thread(() -> log.reader.entry("e1", 2, json("two")));
        later.start();
        assertEquals(2, hub.latestAtLeast(2, Duration.ofSeconds(20)));
        later.join();
        assertEquals(2, hub.latestAtLeast(7, Duration.ofMillis(1)), "bounded: the latest when it is not reached");
    }
}
