package io.swaggersocket.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.events.Event;
import io.swaggersocket.server.SocketServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Cluster-wide /events: three SocketServer nodes in this JVM sharing one real Redis stream. */
@Timeout(120)
class ClusterEventsTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private RedisProcess redis;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeEach
    void redis() throws Exception {
        redis = RedisProcess.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        redis.close();
    }

    private SocketServer node() throws Exception {
        RedisEventBackend log = RedisEventBackend.builder(redis.uri()).readBlock(Duration.ofMillis(200)).build();
        resources.add(log);
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).adminApi(true).eventBackend(log).build();
        server.start();
        resources.add(server);
        return server;
    }

    private Sub subscribe(SocketServer node, String query) throws Exception {
        Sub s = Sub.open(node.port(), query);
        resources.add(s);
        return s;
    }

    @Test
    void concurrentPublishersOnThreeNodesAreSeenInOneOrderByEverySubscriber() throws Exception {
        List<SocketServer> nodes = List.of(node(), node(), node());
        List<Sub> subs = new ArrayList<>();
        for (SocketServer n : nodes) {
            Sub s = subscribe(n, "register=" + q("jobs.*.*"));
            s.hello();
            subs.add(s);
        }
        int each = 200;
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                SocketServer n = nodes.get(i);
                String key = "node-" + (i + 1);
                done.add(pool.submit(() -> {
                    for (int k = 0; k < each; k++) {
                        long seq = n.publish(Event.builder("jobs", "done", key).label("k", Integer.toString(k)).build());
                        assertTrue(seq > 0, "publish on " + key + " gave " + seq);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        List<String> first = null;
        for (Sub s : subs) {
            List<String> seen = new ArrayList<>();
            long[] next = new long[] {1};
            int[] perNode = new int[3];
            for (int i = 0; i < 3 * each; i++) {
                JsonNode e = s.next();
                assertEquals("jobs", e.path("Type").asText(), e.toString());
                assertEquals(next[0]++, e.path("Seq").asLong(), "consecutive numbers, no gap: " + e);
                int node = Integer.parseInt(e.path("Key").asText().substring(5)) - 1;
                // One publisher's events keep its order in the log.
                assertEquals(perNode[node]++, Integer.parseInt(e.path("Labels").path("k").asText()), e.toString());
                seen.add(e.path("Seq").asLong() + ":" + e.path("Key").asText() + ":" + e.path("Labels").path("k").asText());
            }
            if (first == null) {
                first = seen;
            } else {
                assertEquals(first, seen, "every subscriber on every node sees the same order");
            }
        }
    }

    @Test
    void aSubscriberResumingOnAnotherNodeMissesNothingAndGetsNoDuplicate() throws Exception {
        SocketServer n1 = node();
        SocketServer n2 = node();
        Sub s1 = subscribe(n1, "register=" + q("jobs.*.*"));
        JsonNode hello = s1.hello();
        String epoch = hello.path("Object").path("epoch").asText();
        for (int k = 1; k <= 50; k++) {
            n2.publish(Event.builder("jobs", "done", "k" + k).build());
        }
        long last = 0;
        for (int k = 1; k <= 20; k++) {
            JsonNode e = s1.next();
            assertEquals("k" + k, e.path("Key").asText());
            assertEquals(epoch, e.path("Epoch").asText());
            last = e.path("Seq").asLong();
        }
        s1.close();
        for (int k = 51; k <= 60; k++) {
            n1.publish(Event.builder("jobs", "done", "k" + k).build());
        }
        Sub s2 = subscribe(n2, "register=" + q("jobs.*.*") + "&since=" + last + "&epoch=" + epoch);
        assertEquals(epoch, s2.hello().path("Object").path("epoch").asText(), "one epoch on every node");
        for (int k = 21; k <= 60; k++) {
            JsonNode e = s2.next();
            assertEquals("k" + k, e.path("Key").asText(), e.toString());
            assertEquals(++last, e.path("Seq").asLong());
        }
        n1.publish(Event.builder("jobs", "done", "after").build());
        assertEquals("after", s2.next().path("Key").asText(), "nothing twice: the next is the new one");
    }

    @Test
    void connectionEventsOfAnAgentOnNode2AreSeenOnNode1() throws Exception {
        SocketServer n1 = node();
        SocketServer n2 = node();
        Sub s = subscribe(n1, "register=" + q("connections.*.*"));
        s.hello();
        SocketClient agent = SocketClient.builder(URI.create("ws://127.0.0.1:" + n2.port() + "/tunnel"))
                .metadata(Map.of("name", "edge-2", "env", "prod")).build();
        resources.add(agent);
        agent.connect();
        JsonNode create = s.next();
        assertEquals("create", create.path("Action").asText(), create.toString());
        assertEquals("edge-2", create.path("Agent").asText());
        assertEquals("prod", create.path("Labels").path("env").asText());
        agent.close();
        JsonNode delete = s.next();
        assertEquals("delete", delete.path("Action").asText(), delete.toString());
        assertEquals("edge-2", delete.path("Agent").asText());
        assertEquals(create.path("Seq").asLong() + 1, delete.path("Seq").asLong());
    }

    @Test
    void redisKilledGivesSubscribersAnUnavailableGapAndPublishesFailThenANewEpochAfterAnEmptyRestart()
            throws Exception {
        SocketServer n1 = node();
        SocketServer n2 = node();
        Sub s = subscribe(n1, "register=" + q("jobs.*.*"));
        String epoch = s.hello().path("Object").path("epoch").asText();
        n2.publish(Event.builder("jobs", "done", "before").build());
        assertEquals(1, s.next().path("Seq").asLong());
        int port = redis.port();
        redis.kill();
        JsonNode gap = s.next();
        assertEquals("gap", gap.path("Action").asText(), gap.toString());
        assertEquals("unavailable", gap.path("Object").path("reason").asText());
        assertEquals(2, gap.path("Object").path("from").asLong());
        assertTrue(gap.path("Object").path("to").isNull());
        assertEquals(0, n2.publish(Event.builder("jobs", "done", "lost").build()), "no number without the log");
        // A subscriber arriving during the outage is told as well, right after its hello.
        Sub late = subscribe(n1, "register=" + q("jobs.*.*"));
        late.hello();
        assertEquals("unavailable", late.next().path("Key").asText());

        redis = RedisProcess.start(port); // empty: the log's history is gone
        long seq = 0;
        // Lettuce reconnects on its own backoff (no event tells us when); each try fails at once
        // while it is disconnected, so poll, up to a deadline, with a pause between tries.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (seq == 0 && System.nanoTime() < deadline) {
            seq = n2.publish(Event.builder("jobs", "done", "after").build());
            if (seq == 0) {
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
        assertEquals(1, seq, "a new epoch numbers from 1");
        JsonNode restart = s.next();
        assertEquals("restart", restart.path("Key").asText(), restart.toString());
        assertEquals(epoch, restart.path("Object").path("epoch").asText());
        assertEquals(2, restart.path("Object").path("from").asLong());
        JsonNode after = s.next();
        assertEquals("after", after.path("Key").asText());
        assertEquals(1, after.path("Seq").asLong());
        assertTrue(!epoch.equals(after.path("Epoch").asText()), "a new epoch");
    }

    @Test
    void badSettingsAndAnUnreachableRedisAreRefusedClearly() throws Exception {
        assertThrows(IllegalArgumentException.class,
                () -> RedisEventBackend.builder(redis.uri()).readBlock(Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> RedisEventBackend.builder(redis.uri()).commandTimeout(Duration.ofMinutes(5)));
        int free = RedisProcess.freePort();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RedisEventBackend.builder("redis://127.0.0.1:" + free).build());
        assertTrue(e.getMessage().contains("cannot reach Redis"), e.getMessage());
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A plain JDK WebSocket client of /events: each text message as JSON, {@link #next()} waits 20 s at most. */
    static final class Sub implements WebSocket.Listener, AutoCloseable {
        final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;

        static Sub open(int port, String query) throws Exception {
            Sub s = new Sub();
            s.socket = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/events?" + query), s).get(20, TimeUnit.SECONDS);
            return s;
        }

        JsonNode hello() throws Exception {
            JsonNode h = next();
            assertEquals("hello", h.path("Action").asText(), h.toString());
            return h;
        }

        JsonNode next() throws Exception {
            String m = messages.poll(20, TimeUnit.SECONDS);
            assertNotNull(m, "expected an event within 20 s but none came");
            return JSON.readTree(m);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public void close() {
            if (socket != null) {
                socket.abort();
            }
        }
    }

}
