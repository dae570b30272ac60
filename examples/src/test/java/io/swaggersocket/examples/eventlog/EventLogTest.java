package io.swaggersocket.examples.eventlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.examples.eventlog.client.ApiClient;
import io.swaggersocket.examples.eventlog.client.api.DefaultApi;
import io.swaggersocket.examples.eventlog.client.model.BatchResult;
import io.swaggersocket.examples.eventlog.client.model.Event;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.server.SocketServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event log over real sockets on 127.0.0.1: a server with its ingress, an agent serving
 * {@link EventLogAgent#handler}, 100,000 events published once for the class with the generated
 * client through the tunnel; then find (each filter field, both orders) through the tunnel and the
 * ingress, live as NDJSON and over a WebSocket (arrival, cancellation freeing the streams on both
 * sides, a slow follower), bad input, and a restart.
 *
 * <p>Event {@code i} (0 to 99,999) has seq {@code i + 1}, timestamp {@code 1000 + i / 2} (two
 * events per timestamp, so ties are ordered by seq), tags {@code sensor-(i % 10)}, {@code even} or
 * {@code odd}, {@code m(i % 3)}, and content {@code "ok i"}, with {@code " C"} after it when
 * {@code i % 7 == 0}. Events of the live tests come later and carry timestamps after 60,000, outside
 * every find that has no end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class EventLogTest {
    private static final int EVENTS = 100_000;
    private static final int BATCH = 10_000;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private SocketServer server;
    private EventLog log;
    private SocketClient agent;
    private SocketConnection serverSide;
    private SocketConnection agentSide;
    private DefaultApi api;
    private HttpClient tunnel;
    private final HttpClient plain = HttpClient.newHttpClient();

    @BeforeAll
    @Timeout(600) // a hang guard only: 100,000 events take seconds, a minute or more on a loaded 2-core machine
    void start() throws Exception {
        server = SocketServer.builder().bind("127.0.0.1", 0).ingress(true).publicIngress(true).build();
        server.start();
        // a short heartbeat: through the ingress, a caller that left is noticed at the next line written
        log = EventLog.builder(dir.resolve("log")).heartbeat(Duration.ofMillis(200)).build();
        agent = SocketClient.builder(server.uri()).metadata(Map.of("name", "eventlog")).build();
        agent.serve(EventLogAgent.handler(log));
        agentSide = agent.connect();
        serverSide = server.awaitConnection(m -> "eventlog".equals(m.path("name").asText()), WAIT);
        ApiClient client = new ApiClient();
        client.setHttpClientBuilder(serverSide.httpClientBuilder());
        client.updateBaseUri(EventLogExample.BASE_URI);
        client.setReadTimeout(WAIT);
        api = new DefaultApi(client);
        tunnel = serverSide.httpClient();

        long t0 = System.nanoTime();
        for (int from = 0; from < EVENTS; from += BATCH) {
            List<Event> batch = new ArrayList<>(BATCH);
            for (int i = from; i < from + BATCH; i++) {
                batch.add(event(i));
            }
            BatchResult stored = api.sendBatch(batch);
            assertEquals(BATCH, stored.getCount());
            assertEquals(from + 1L, stored.getFirstSeq());
            assertEquals(from + (long) BATCH, stored.getLastSeq());
        }
        System.out.printf("event log: %d events sent in %d ms through the tunnel%n", EVENTS,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        assertEquals(EVENTS, log.size());
    }

    @AfterAll
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (log != null) {
            log.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static Event event(int i) {
        return new Event().id("e" + i).timestamp(1000.0 + i / 2).source("/dev/sensor-" + (i % 10))
                .tags(List.of("sensor-" + (i % 10), i % 2 == 0 ? "even" : "odd", "m" + (i % 3)))
                .content("ok " + i + (i % 7 == 0 ? " C" : ""));
    }

    /** The seqs of events {@code from..to} (inclusive) that {@code match}, in the asked order. */
    private static List<Long> expected(int from, int to, IntPredicate match, boolean descending) {
        List<Long> seqs = new ArrayList<>();
        IntStream.rangeClosed(from, to).filter(match).forEach(i -> seqs.add(i + 1L));
        if (descending) {
            java.util.Collections.reverse(seqs);
        }
        return seqs;
    }

    // ---- find

    @Test
    void findByStartAndEndAscending() throws Exception {
        // timestamps 1000 + i / 2 in [50990, 51000]: i in [99980, 99999]
        assertEquals(expected(99_980, 99_999, i -> true, false), seqs(find(tunnel, "start=50990&end=60000")));
        assertEquals(expected(0, 9, i -> true, false), seqs(find(tunnel, "end=1004.5")));
    }

    @Test
    void findWindowDescendingOrdersTiesBySeq() throws Exception {
        // timestamps in [26000, 26010]: i in [50000, 50021]; ties (two per timestamp) newest seq first
        List<JsonNode> lines = find(tunnel, "start=26000&end=26010&order=desc");
        assertEquals(expected(50_000, 50_021, i -> true, true), seqs(lines));
        JsonNode first = lines.get(0).get("event");
        assertEquals("e50021", first.get("id").asText());
        assertEquals(26010.0, first.get("timestamp").asDouble());
        assertEquals("/dev/sensor-1", first.get("source").asText());
        assertEquals("[\"sensor-1\",\"odd\",\"m2\"]", first.get("tags").toString());
        assertEquals("ok 50021", first.get("content").asText());
    }

    @Test
    void eachTagRegexAndAllOfThemMustMatch() throws Exception {
        String window = "start=1000&end=1100"; // i in [0, 201]
        assertEquals(expected(0, 201, i -> i % 10 == 4, false), seqs(find(tunnel, window + "&tag=" + enc("^sensor-4$"))));
        assertEquals(expected(0, 201, i -> i % 2 == 0, false), seqs(find(tunnel, window + "&tag=even")));
        assertEquals(expected(0, 201, i -> i % 3 != 0, false), seqs(find(tunnel, window + "&tag=" + enc("^m[12]$"))));
        assertEquals(expected(0, 201, i -> i % 10 == 4 && i % 3 == 1, false),
                seqs(find(tunnel, window + "&tag=" + enc("^sensor-4$") + "&tag=" + enc("^m1$"))));
        assertEquals(List.of(), seqs(find(tunnel, window + "&tag=" + enc("^sensor-4$") + "&tag=" + enc("^odd$"))));
        assertEquals(expected(0, 201, i -> i % 10 == 4 && i % 3 == 1 && i % 2 == 0, true), seqs(find(tunnel,
                window + "&tag=" + enc("sensor-4") + "&tag=" + enc("^m1$") + "&tag=" + enc("^ev") + "&order=desc")));
    }

    @Test
    void contentRegexOverTheWholeLog() throws Exception {
        assertEquals(expected(0, 201, i -> i % 7 == 0, false), seqs(find(tunnel, "end=1100&content=" + enc(" C$"))));
        // every stored row scanned and the regex applied to each; 14,286 of 100,000 match
        List<Long> all = seqs(find(tunnel, "end=60000&limit=100000&content=" + enc("\\d C$")));
        assertEquals(expected(0, EVENTS - 1, i -> i % 7 == 0, false), all);
    }

    @Test
    void everyFieldAtOnceThroughTheIngressBothOrders() throws Exception {
        String query = "start=1010&end=1500&tag=" + enc("^sensor-[37]$") + "&tag=odd&content=" + enc(" C$");
        IntPredicate match = i -> (i % 10 == 3 || i % 10 == 7) && i % 7 == 0; // odd follows from sensor-3/7
        // timestamps in [1010, 1500]: i in [20, 1001]
        assertEquals(expected(20, 1001, match, false), seqs(find(plain, ingress("/log/events?" + query))));
        assertEquals(expected(20, 1001, match, true), seqs(find(plain, ingress("/log/events?" + query + "&order=desc"))));
        assertEquals(expected(20, 1001, match, false), seqs(find(tunnel, query + "&order=asc")));
    }

    @Test
    void limitEndsWithALimitLineAndDefaultsToAThousand() throws Exception {
        List<JsonNode> lines = find(tunnel, "limit=7");
        assertEquals(expected(0, 6, i -> true, false), seqs(lines));
        assertEquals("limit", lines.get(lines.size() - 1).get("end").get("reason").asText());
        assertEquals(7, lines.get(lines.size() - 1).get("end").get("count").asLong());
        lines = find(tunnel, "end=60000&order=desc");
        assertEquals(expected(EVENTS - 1000, EVENTS - 1, i -> true, true), seqs(lines));
        assertEquals("limit", lines.get(lines.size() - 1).get("end").get("reason").asText());
        lines = find(tunnel, "start=1000&end=1000");
        assertEquals("complete", lines.get(lines.size() - 1).get("end").get("reason").asText());
        assertEquals(2, lines.get(lines.size() - 1).get("end").get("count").asLong());
    }

    // ---- live

    @Test
    void liveNdjsonThroughTheTunnelSeesANewEventAndCancellingFreesBothSides() throws Exception {
        int serverStreams = serverSide.activeStreams();
        int agentStreams = agentSide.activeStreams();
        HttpResponse<InputStream> response = tunnel.send(HttpRequest.newBuilder(URI.create(EventLogExample.BASE_URI
                + "/live?tag=" + enc("^live-tunnel$"))).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertEquals("application/x-ndjson", response.headers().firstValue("Content-Type").orElse(""));
        assertEquals(1, log.followers()); // the head came once the follower was registered
        try (BufferedReader reader = reader(response.body())) {
            api.send(new Event().source("/dev/x").timestamp(70_000.0).tags(List.of("other")).content("not this one"));
            long t0 = System.nanoTime();
            Event sent = api.send(new Event().source("/dev/door").timestamp(70_001.0).tags(List.of("live-tunnel"))
                    .content("door open"));
            JsonNode event = nextEvent(reader);
            long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0);
            System.out.printf("event log: live (NDJSON, tunnel) saw the event %d us after its send began%n", micros);
            assertEquals(sent.getSeq(), event.get("seq").asLong());
            assertEquals("door open", event.get("content").asText());
        }
        await(() -> log.followers() == 0, "the follower to end after the body was closed");
        await(() -> serverSide.activeStreams() == serverStreams && agentSide.activeStreams() == agentStreams,
                "the streams to be freed on both sides (server " + serverStreams + ", agent " + agentStreams + ")");
    }

    @Test
    void liveNdjsonThroughTheIngressAndACallerThatLeaves() throws Exception {
        int serverStreams = serverSide.activeStreams();
        int agentStreams = agentSide.activeStreams();
        // a plain socket, so that leaving is a closed connection and nothing else
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            socket.getOutputStream().write(("GET /agents/eventlog/log/live?start=70000&tag=" + enc("^live-ingress$")
                    + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertTrue(readUntil(in, "\r\n\r\n").startsWith("HTTP/1.1 200"));
            assertEquals(1, log.followers()); // the head came once the follower was registered
            api.send(new Event().source("/dev/x").timestamp(65_000.0).tags(List.of("live-ingress")).content("before start"));
            api.send(new Event().source("/dev/y").timestamp(70_002.0).tags(List.of("live-ingress")).content("window open"));
            String read = readUntil(in, "window open");
            assertTrue(!read.contains("before start"), read);
        }
        // the ingress finds the caller gone at the next line (a heartbeat at the latest) and resets the agent's stream
        await(() -> log.followers() == 0, "the follower to end after the caller left");
        await(() -> serverSide.activeStreams() == serverStreams && agentSide.activeStreams() == agentStreams,
                "the streams to be freed on both sides");
    }

    @Test
    void liveOverAWebSocketThroughTheIngressAndItsClose() throws Exception {
        int serverStreams = serverSide.activeStreams();
        int agentStreams = agentSide.activeStreams();
        Collector collector = new Collector();
        WebSocket ws = plain.newWebSocketBuilder().connectTimeout(WAIT)
                .buildAsync(URI.create("ws" + ingress("/log/live/ws?tag=" + enc("^live-ws$")).toString().substring(4)),
                        collector).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(1, log.followers());
        long t0 = System.nanoTime();
        Event sent = api.send(new Event().source("/dev/z").timestamp(70_003.0).tags(List.of("live-ws")).content("smoke"));
        JsonNode event = collector.nextEvent();
        System.out.printf("event log: live (WebSocket, ingress) saw the event %d us after its send began%n",
                TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0));
        assertEquals(sent.getSeq(), event.get("seq").asLong());

        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(1000, collector.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        await(() -> log.followers() == 0, "the follower to end after the close");
        await(() -> serverSide.activeStreams() == serverStreams && agentSide.activeStreams() == agentStreams,
                "the streams to be freed on both sides");
    }

    @Test
    void aWebSocketDroppedWithoutACloseEndsItsFollowToo() throws Exception {
        int serverStreams = serverSide.activeStreams();
        int agentStreams = agentSide.activeStreams();
        WebSocket ws = plain.newWebSocketBuilder().connectTimeout(WAIT)
                .buildAsync(URI.create("ws" + ingress("/log/live/ws").toString().substring(4)), new Collector())
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(1, log.followers());
        ws.abort();
        await(() -> log.followers() == 0, "the follower to end after the socket dropped");
        await(() -> serverSide.activeStreams() == serverStreams && agentSide.activeStreams() == agentStreams,
                "the streams to be freed on both sides");
    }

    @Test
    void aStalledFollowerIsCutWithASlowEndWhilePublishersGoOn() throws Exception {
        HttpResponse<InputStream> response = tunnel.send(HttpRequest.newBuilder(URI.create(EventLogExample.BASE_URI
                + "/live?tag=stall")).build(), HttpResponse.BodyHandlers.ofInputStream());
        // not read: the stream's window fills, the follower's thread blocks, its buffer (1024) overflows
        String padding = "x".repeat(400);
        for (int round = 0; round < 4; round++) {
            List<Event> batch = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                batch.add(new Event().source("/dev/s").timestamp(80_000.0).tags(List.of("stall")).content(padding));
            }
            assertEquals(2000, api.sendBatch(batch).getCount()); // publishers never wait for the follower
        }
        JsonNode last = null;
        try (BufferedReader reader = reader(response.body())) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                last = JSON.readTree(line);
            }
        }
        assertNotNull(last);
        assertEquals("slow", last.path("end").path("reason").asText(), last.toString());
        assertEquals(0, log.followers());
    }

    // ---- bad input

    @Test
    void badInputIsA400ProblemNamingWhatIsWrong() throws Exception {
        long stored = log.size();
        assertProblem(get("/events?content=" + enc("(unclosed")), 400, "content: '(unclosed' is not a valid regex");
        assertProblem(get("/events?tag=ok&tag=" + enc("[a-")), 400, "tag: '[a-' is not a valid regex");
        assertProblem(get("/live?content=" + enc("*")), 400, "content: '*' is not a valid regex");
        assertProblem(get("/events?start=yesterday"), 400, "start");
        assertProblem(get("/events?start=-1"), 400, "start");
        assertProblem(get("/events?start=20&end=10"), 400, "start 20.0 is after end 10.0");
        assertProblem(get("/live?start=20&end=10"), 400, "start 20.0 is after end 10.0");
        assertProblem(get("/events?limit=100001"), 400, "limit");
        assertProblem(get("/events?order=sideways"), 400, "order");
        assertProblem(get("/events?" + "tag=a&".repeat(17)), 400, "tag");
        assertProblem(get("/events?content=" + "a".repeat(1025)), 400, "content");
        assertEquals(0, log.followers());

        assertProblem(post("/events", "{\"source\":\"s\",\"content\":\"" + "c".repeat(65537) + "\"}"), 400, "/content");
        assertProblem(post("/events", "{\"source\":\"s\",\"content\":\"c\",\"seq\":5}"), 400, "seq");
        assertProblem(post("/events", "{\"source\":\"s\",\"content\":\"c\",\"timestamp\":\"noon\"}"), 400, "/timestamp");
        assertProblem(post("/events", "{\"content\":\"c\"}"), 400, "source");
        assertProblem(post("/events/batch", "[" + "{\"source\":\"s\",\"content\":\"c\"},".repeat(10_000)
                + "{\"source\":\"s\",\"content\":\"c\"}]"), 400, "10001");
        assertProblem(post("/events/batch", "[{\"source\":\"s\",\"content\":\"" + "c".repeat(9 * 1024 * 1024) + "\"}]"),
                413, "");
        assertEquals(stored, log.size(), "nothing bad was stored");

        WebSocketHandshakeException refused = assertInstanceOf(WebSocketHandshakeException.class, assertThrows(
                () -> plain.newWebSocketBuilder().buildAsync(URI.create("ws" + ingress("/log/live/ws?tag="
                        + enc("(")).toString().substring(4)), new Collector()).join()).getCause());
        assertEquals(400, refused.getResponse().statusCode());
        assertProblem(get("/live/ws"), 400, "Sec-WebSocket-Key");
        assertProblem(tunnel.send(HttpRequest.newBuilder(URI.create(EventLogExample.BASE_URI + "/live/ws"))
                .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==").timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString()), 426, "expected a WebSocket upgrade (Upgrade: websocket) but was none");
        assertEquals(0, log.followers());
    }

    @Test
    void aHostileRegexEndsTheFindWithAnErrorLineInsteadOfRunningOn() throws Exception {
        api.send(new Event().source("/dev/evil").timestamp(90_000.0).content("a".repeat(40)));
        // polynomial backtracking (about 40^20 steps unbounded); the budget stops it after 10^6 reads
        String hostile = "content=" + enc("(.*a){20}!");
        List<JsonNode> lines = find(tunnel, "start=90000&end=90000&" + hostile);
        JsonNode end = lines.get(lines.size() - 1).get("end");
        assertEquals("error", end.get("reason").asText());
        assertTrue(end.get("detail").asText().contains("ran out of its budget"), end.toString());
        // on a text without the work, the same pattern is cheap and simply does not match
        api.send(new Event().source("/dev/fine").timestamp(90_001.0).content("b!"));
        lines = find(tunnel, "start=90001&end=90001&" + hostile);
        assertEquals("complete", lines.get(lines.size() - 1).get("end").get("reason").asText());
    }

    // ---- restart

    @Test
    void theLogSurvivesARestart() throws Exception {
        try (EventLog first = EventLog.open(dir.resolve("restart"))) {
            first.append(List.of(new NewEvent("a", 1.0, "/s", List.of("t"), "one"),
                    new NewEvent(null, 2.0, "/s", null, "two")));
        }
        try (EventLog reopened = EventLog.open(dir.resolve("restart"));
                SocketClient second = SocketClient.builder(server.uri()).metadata(Map.of("name", "restarted")).build()) {
            second.serve(EventLogAgent.handler(reopened));
            second.connect();
            SocketConnection toSecond = server.awaitConnection(m -> "restarted".equals(m.path("name").asText()), WAIT);
            ApiClient client = new ApiClient();
            client.setHttpClientBuilder(toSecond.httpClientBuilder());
            client.updateBaseUri(EventLogExample.BASE_URI);
            Event third = new DefaultApi(client).send(new Event().source("/s").timestamp(3.0).content("three"));
            assertEquals(3, third.getSeq(), "seqs go on after the stored ones");
            List<JsonNode> lines = find(toSecond.httpClient(), "order=desc");
            List<String> contents = new ArrayList<>();
            lines.stream().filter(l -> l.has("event")).forEach(l -> contents.add(l.get("event").get("content").asText()));
            assertEquals(List.of("three", "two", "one"), contents);
            assertEquals("a", lines.get(2).get("event").get("id").asText());
            assertEquals(36, lines.get(1).get("event").get("id").asText().length(), "a UUID when none was sent");
        }
    }

    // ---- helpers

    private URI ingress(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + "/agents/eventlog" + path);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return tunnel.send(HttpRequest.newBuilder(URI.create(EventLogExample.BASE_URI + path)).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return tunnel.send(HttpRequest.newBuilder(URI.create(EventLogExample.BASE_URI + path)).timeout(WAIT)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertProblem(HttpResponse<String> response, int status, String detailContains) throws IOException {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse(""));
        JsonNode problem = JSON.readTree(response.body());
        assertEquals(status, problem.get("status").asInt());
        String all = problem.toString();
        assertTrue(all.contains(detailContains), "expected '" + detailContains + "' in " + all);
    }

    private static Throwable assertThrows(Runnable call) {
        try {
            call.run();
        } catch (CompletionException e) {
            return e;
        }
        throw new AssertionError("expected the call to fail");
    }

    /** All lines of a find; the last must be the end line. */
    private static List<JsonNode> find(HttpClient client, String query) throws Exception {
        return find(client, URI.create(EventLogExample.BASE_URI + "/events?" + query));
    }

    private static List<JsonNode> find(HttpClient client, URI uri) throws Exception {
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(uri).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        List<JsonNode> lines = new ArrayList<>();
        try (BufferedReader reader = reader(response.body())) {
            assertEquals(200, response.statusCode());
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines.add(JSON.readTree(line));
            }
        }
        assertTrue(!lines.isEmpty() && lines.get(lines.size() - 1).has("end"), "expected an end line: " + lines);
        return lines;
    }

    /** The seqs of the event lines, in order. */
    private static List<Long> seqs(List<JsonNode> lines) {
        List<Long> seqs = new ArrayList<>();
        for (JsonNode line : lines) {
            if (line.has("event")) {
                seqs.add(line.get("event").get("seq").asLong());
            }
        }
        return seqs;
    }

    private static JsonNode nextEvent(BufferedReader reader) throws IOException {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            JsonNode node = JSON.readTree(line);
            if (node.has("event")) {
                return node.get("event");
            }
            assertTrue(node.has("heartbeat"), "expected an event or a heartbeat but was " + line);
        }
        throw new AssertionError("the live stream ended before an event");
    }

    /** Reads (Latin-1) until {@code marker} has been read; fails at the end of the stream. */
    private static String readUntil(InputStream in, String marker) throws IOException {
        StringBuilder read = new StringBuilder();
        while (read.indexOf(marker) < 0) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("the stream ended before '" + marker + "': " + read);
            }
            read.append((char) b);
        }
        return read.toString();
    }

    private static BufferedReader reader(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    private static String enc(String s) {
        return EventLogExample.enc(s);
    }

    /** Waits (bounded by {@link #WAIT}) for a condition that a peer makes true asynchronously. */
    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + what + " within " + WAIT);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /** Whole text messages of a WebSocket, and its close. */
    private static final class Collector implements WebSocket.Listener {
        final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }

        JsonNode nextEvent() throws Exception {
            while (true) {
                String message = messages.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertNotNull(message, "expected a message within " + WAIT);
                JsonNode node = JSON.readTree(message);
                if (node.has("event")) {
                    return node.get("event");
                }
                assertTrue(node.has("heartbeat"), "expected an event or a heartbeat but was " + message);
            }
        }
    }
}
