package io.swaggersocket.server;

import static io.swaggersocket.server.EventsClient.q;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.events.Event;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code GET /events} over real sockets, with the JDK's WebSocket client (no project code) as the subscriber. */
@Timeout(120)
class EventsEndpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private Dialer dialer;
    private SocketServer server;
    private final List<EventsClient> clients = new ArrayList<>();

    private void start(EventLimits limits) throws Exception {
        dialer = new Dialer();
        server = SocketServer.builder().bind("127.0.0.1", 0).adminApi(true).eventLimits(limits).build();
        server.start();
    }

    @AfterEach
    void stop() {
        clients.forEach(EventsClient::close);
        if (dialer != null) {
            dialer.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private EventsClient subscribe(String query) throws Exception {
        EventsClient c = EventsClient.open(server.port(), query, null);
        clients.add(c);
        return c;
    }

    private Dialer.Dialed agent(String name) throws Exception {
        return dialer.dial(server.uri(), JsonNodeFactory.instance.objectNode().put("name", name).put("env", "prod"),
                new TestAgent(name)).get(10, TimeUnit.SECONDS);
    }

    private long marker(String key) {
        return server.publish(Event.builder("marker", "put", key).build());
    }

    @Test
    void registerSeesAnAgentConnectAndAfterDeregisterNothingMore() throws Exception {
        start(EventLimits.defaults());
        EventsClient c = subscribe("");
        c.hello();
        assertEquals("connections.create.*", c.command("register connections.create.*", "register").path("Key").asText());
        Dialer.Dialed edge = agent("edge-1");
        JsonNode created = c.next();
        assertEquals("connections", created.path("Type").asText());
        assertEquals("create", created.path("Action").asText());
        assertEquals("anonymous", created.path("Key").asText());
        assertEquals("edge-1", created.path("Agent").asText());
        assertEquals("prod", created.path("Labels").path("env").asText());
        JsonNode object = created.path("Object");
        assertEquals(edge.connection().id(), object.path("id").asText());
        assertEquals("edge-1", object.path("name").asText());
        assertTrue(object.path("address").asText().startsWith("127.0.0.1:"), object.toString());
        assertEquals("edge-1", object.path("metadata").path("name").asText());
        assertTrue(created.path("Seq").asLong() > 0);

        c.command("deregister connections.create.*", "deregister");
        agent("edge-2");
        c.command("register marker.*.*", "register");
        long m = marker("after");
        JsonNode next = c.next();
        assertEquals(m, next.path("Seq").asLong(), "nothing came between the deregister and the marker: " + next);
    }

    @Test
    void aFilteredRegisterSeesOnlyItsAgentAndDeleteCarriesTheReason() throws Exception {
        start(EventLimits.defaults());
        EventsClient c = subscribe("register=" + q("connections.*.*.And(Object.name=Eq(\"edge-1\"))")
                + "&register=" + q("marker.*.*"));
        c.hello();
        Dialer.Dialed one = agent("edge-1");
        Dialer.Dialed two = agent("edge-2");
        assertEquals("edge-1", c.next().path("Object").path("name").asText());
        two.connection().close();
        one.connection().close();
        JsonNode deleted = c.next();
        assertEquals("delete", deleted.path("Action").asText(), deleted.toString());
        assertEquals("edge-1", deleted.path("Agent").asText());
        assertTrue(deleted.path("Object").has("reason"), deleted.toString());
        long m = marker("end");
        assertEquals(m, c.next().path("Seq").asLong());
    }

    @Test
    @Timeout(900) // a million WebSocket messages on a shared 2-core machine: a bound, not a speed claim
    void tenThousandEventsReachAHundredSubscribersCompleteAndInOrder() throws Exception {
        int events = Integer.getInteger("events.count", 10_000);
        start(EventLimits.builder().subscriberQueue(events + 16).maxSubscribersPerPrincipal(100).build());
        List<EventsClient> subs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            EventsClient c = subscribe("register=" + q("load.*.*"));
            c.hello();
            subs.add(c);
        }
        long first = 0;
        for (int i = 0; i < events; i++) {
            long seq = server.publish(Event.builder("load", "put", "k" + i).build());
            if (i == 0) {
                first = seq;
            }
        }
        for (EventsClient c : subs) {
            for (int i = 0; i < events; i++) {
                String e = c.nextText();
                // The hub writes Seq first and Key as given: checked without a JSON parse per message.
                assertTrue(e.startsWith("{\"Seq\":" + (first + i) + ","), e);
                assertTrue(e.contains("\"Key\":\"k" + i + "\""), e);
            }
        }
        assertEquals(0, server.metrics().hub.count("slow"));
        assertEquals(100.0 * events, server.metrics().hub.count("delivered"));
    }

    @Test
    void aSubscriberThatResumesWithSinceAndEpochMissesNothingAndGetsNoDuplicate() throws Exception {
        start(EventLimits.defaults());
        EventsClient c = subscribe("register=" + q("load.*.*"));
        String epoch = c.hello().path("Object").path("epoch").asText();
        for (int i = 0; i < 50; i++) {
            server.publish(Event.builder("load", "put", "k" + i).build());
        }
        long last = 0;
        for (int i = 0; i < 20; i++) {
            last = c.next().path("Seq").asLong();
        }
        c.close();
        c.closed.exceptionally(t -> 0);
        for (int i = 50; i < 80; i++) {
            server.publish(Event.builder("load", "put", "k" + i).build());
        }
        EventsClient resumed = subscribe("register=" + q("load.*.*") + "&since=" + last + "&epoch=" + epoch);
        resumed.hello();
        for (int i = 20; i < 80; i++) {
            JsonNode e = resumed.next();
            assertEquals(last + i - 19, e.path("Seq").asLong(), e.toString());
            assertEquals("k" + i, e.path("Key").asText());
        }
        long m = server.publish(Event.builder("load", "put", "live").build());
        assertEquals(m, resumed.next().path("Seq").asLong());
    }

    @Test
    void sinceOlderThanTheHistoryGetsAHistoryGap() throws Exception {
        start(EventLimits.builder().historySize(10).build());
        long first = 0;
        for (int i = 0; i < 30; i++) {
            long seq = server.publish(Event.builder("load", "put", "k" + i).build());
            first = i == 0 ? seq : first;
        }
        EventsClient c = subscribe("register=" + q("load.*.*") + "&since=" + first);
        c.hello();
        JsonNode gap = c.next();
        assertEquals("gap", gap.path("Action").asText(), gap.toString());
        assertEquals("history", gap.path("Object").path("reason").asText());
        assertEquals(first + 1, gap.path("Object").path("from").asLong());
        assertEquals(first + 19, gap.path("Object").path("to").asLong());
        assertEquals(first + 20, c.next().path("Seq").asLong());
    }

    @Test
    void aStalledSubscriberIsClosedWhileTheOthersReceiveEverything() throws Exception {
        start(EventLimits.builder().subscriberQueue(64).writeTimeout(Duration.ofMillis(500)).build());
        EventsClient good = subscribe("register=" + q("load.*.*"));
        good.hello();
        // A raw client that upgrades, then never reads a byte: its receive buffer kept small.
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()), 10_000);
            OutputStream out = stalled.getOutputStream();
            out.write(("GET /events?register=" + q("load.*.*") + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitSubscribers(2);
            String pad = "x".repeat(2048);
            long seq = 0;
            // In rounds the good subscriber keeps up with; the stalled one falls behind for good.
            for (int round = 0; round < 100 && server.metrics().hub.count("closedSlow") == 0; round++) {
                for (int i = 0; i < 32; i++) {
                    seq = server.publish(Event.builder("load", "put", "k").label("pad", pad).build());
                    JsonNode e = good.next();
                    assertEquals(seq, e.path("Seq").asLong(), e.toString());
                }
            }
            awaitSubscribers(1);
            assertEquals(1, server.metrics().hub.count("closedSlow"), "closed for its write timeout");
            long m = server.publish(Event.builder("load", "put", "after").build());
            assertEquals(m, good.next().path("Seq").asLong());
            assertEquals(0, server.metrics().hub.count("slow"), "the good subscriber never overflowed");
        }
    }

    @Test
    void aSubscriberThatStopsReadingGetsASlowGapWhenItReadsAgainAndMissesNothingElse() throws Exception {
        start(EventLimits.builder().subscriberQueue(64).build());
        EventsClient good = subscribe("register=" + q("load.*.*"));
        good.hello();
        try (Socket paused = new Socket()) {
            paused.setReceiveBufferSize(4096);
            paused.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()), 10_000);
            paused.setSoTimeout(30_000);
            paused.getOutputStream().write(("GET /events?register=" + q("load.*.*") + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            awaitSubscribers(2);
            String pad = "x".repeat(2048);
            long first = 0;
            long last = 0;
            // Until the paused subscriber's queue overflows, in rounds the good subscriber keeps up with.
            for (int round = 0; round < 1000 && !server.hub().anyOverflowing(); round++) {
                for (int i = 0; i < 32; i++) {
                    last = server.publish(Event.builder("load", "put", "k").label("pad", pad).build());
                    first = first == 0 ? last : first;
                    assertEquals(last, good.next().path("Seq").asLong());
                }
            }
            assertTrue(server.hub().anyOverflowing(), "the paused subscriber fell behind");
            InputStream in = paused.getInputStream();
            RawHttp.Response head = RawHttp.read(in);
            assertEquals(101, head.status());
            assertEquals("hello", JSON.readTree(frame(in)).path("Action").asText());
            long expected = first;
            JsonNode gap = null;
            while (expected <= last) {
                JsonNode e = JSON.readTree(frame(in));
                if (e.path("Action").asText().equals("gap")) {
                    assertEquals(null, gap, "one gap");
                    gap = e;
                    assertEquals("slow", e.path("Object").path("reason").asText());
                    assertEquals(expected, e.path("Object").path("from").asLong(), "the gap starts where delivery stopped");
                    expected = e.path("Object").path("to").asLong() + 1;
                } else {
                    assertEquals(expected++, e.path("Seq").asLong());
                }
            }
            assertTrue(gap != null, "a gap was sent");
            long m = server.publish(Event.builder("load", "put", "after").build());
            assertEquals(m, JSON.readTree(frame(in)).path("Seq").asLong(), "the subscriber goes on after its gap");
            assertEquals(m, good.next().path("Seq").asLong());
            assertEquals(1, server.metrics().hub.count("slow"));
        }
    }

    /** Reads one unmasked text frame (as a server sends) and returns its payload. */
    private static String frame(InputStream in) throws java.io.IOException {
        int b0 = in.read();
        int b1 = in.read();
        assertEquals(0x81, b0, "a final text frame");
        long len = b1 & 0x7f;
        if (len == 126) {
            len = (in.read() << 8) | in.read();
        } else if (len == 127) {
            len = new java.io.DataInputStream(in).readLong();
        }
        return new String(in.readNBytes((int) len), StandardCharsets.UTF_8);
    }

    @Test
    void malformedCommandsGetErrorEventsAndTheSocketStaysUsable() throws Exception {
        start(EventLimits.defaults());
        EventsClient c = subscribe("");
        c.hello();
        String[][] cases = {
            {"bogus", "expected register SPEC"},
            {"register a.b", "at "},
            {"register a.b.c.Bad(", "at "},
            {"deregister x.y.z", "not registered"},
            {"filters {\"nope\":[\"x\"]}", "nope"},
            {"filters [1", ""},
            {"", "expected register SPEC"},
        };
        for (String[] k : cases) {
            JsonNode error = c.command(k[0], "error");
            assertEquals("websocket", error.path("Type").asText());
            assertEquals(k[0], error.path("Key").asText());
            assertTrue(error.path("Object").path("error").asText().contains(k[1]), error.toString());
        }
        String longBad = "register " + "a".repeat(1000);
        JsonNode error = c.command(longBad, "error");
        assertEquals(Subscriber.MAX_ECHO, error.path("Key").asText().length());
        c.command("filters {\"label\":[\"env=prod\"]}", "filters");
        c.command("register marker.*.*", "register");
        server.publish(Event.builder("marker", "put", "dev").label("env", "dev").build());
        long m = server.publish(Event.builder("marker", "put", "prod").label("env", "prod").build());
        assertEquals(m, c.next().path("Seq").asLong(), "the docker filter let only env=prod through");
        c.command("filters {}", "filters");
        long n = server.publish(Event.builder("marker", "put", "dev").build());
        assertEquals(n, c.next().path("Seq").asLong());
    }

    @Test
    void aCommandOver16KiBClosesWith1009AndABinaryFrameWith1003() throws Exception {
        start(EventLimits.defaults());
        EventsClient big = subscribe("");
        big.hello();
        big.socket.sendText("register " + "a".repeat(EventsHandler.MAX_COMMAND), true);
        assertEquals(1009, big.closed.get(20, TimeUnit.SECONDS));
        EventsClient binary = subscribe("");
        binary.hello();
        binary.socket.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true);
        assertEquals(1003, binary.closed.get(20, TimeUnit.SECONDS));
        awaitSubscribers(0);
    }

    @Test
    void badQueriesAndMethodsAreRefusedBeforeAnyEvent() throws Exception {
        start(EventLimits.defaults());
        assertEquals(400, get("/events?since=abc").statusCode());
        assertEquals(400, get("/events?since=999999").statusCode());
        assertEquals(400, get("/events?epoch=x").statusCode());
        assertEquals(400, get("/events?register=" + q("a.b")).statusCode());
        assertEquals(400, get("/events?sinse=1").statusCode());
        assertEquals(400, get("/events?filters=" + q("{\"bad\":[\"x\"]}")).statusCode());
        HttpResponse<String> post = IngressTest.HTTP.send(HttpRequest.newBuilder(uri("/events"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
    }

    @Test
    void subscribersAreCappedPerPrincipalWith429() throws Exception {
        start(EventLimits.builder().maxSubscribersPerPrincipal(2).build());
        subscribe("").hello();
        subscribe("").hello();
        assertEquals(429, get("/events").statusCode());
    }

    @Test
    void plainHttpStreamsNdjsonOfEveryEventWithoutRegister() throws Exception {
        start(EventLimits.defaults());
        HttpResponse<Stream<String>> r = IngressTest.HTTP.send(HttpRequest.newBuilder(uri("/events"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, r.statusCode());
        assertEquals("application/x-ndjson", r.headers().firstValue("Content-Type").orElse(""));
        Iterator<String> lines = r.body().iterator();
        assertEquals("hello", JSON.readTree(lines.next()).path("Action").asText());
        long a = server.publish(Event.builder("anything", "put", "a").build());
        agent("nd-1");
        JsonNode first = JSON.readTree(lines.next());
        assertEquals(a, first.path("Seq").asLong());
        JsonNode second = JSON.readTree(lines.next());
        assertEquals("connections", second.path("Type").asText());
        r.body().close();
    }

    @Test
    void closingTheServerClosesSubscribersWith1001AndLaterPublishesGoNowhere() throws Exception {
        start(EventLimits.defaults());
        EventsClient c = subscribe("register=" + q("*.*.*"));
        c.hello();
        server.close();
        assertEquals(1001, c.closed.get(20, TimeUnit.SECONDS));
        assertEquals(0, server.publish(Event.builder("late", "put", "k").build()));
    }

    @Test
    void publishRefusesTheServersOwnTypes() throws Exception {
        start(EventLimits.defaults());
        for (String t : List.of("connections", "websocket")) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> server.publish(Event.builder(t, "x", "y").build()));
            assertTrue(e.getMessage().contains("reserved"), e.getMessage());
        }
        assertFalse(server.metrics().hub.count("published") > 0);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return IngressTest.HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private void awaitSubscribers(int n) throws InterruptedException {
        assertTrue(server.hub().awaitSubscribers(n, Duration.ofSeconds(30)), "expected " + n + " subscribers within 30 s");
    }
}
