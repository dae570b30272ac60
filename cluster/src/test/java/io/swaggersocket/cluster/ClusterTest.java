package io.swaggersocket.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.client.AuthenticationException;
import io.swaggersocket.client.ClientStateEvent;
import io.swaggersocket.client.ReconnectPolicy;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.server.AccessPolicy;
import io.swaggersocket.server.AgentDirectory;
import io.swaggersocket.server.ConnectionEvent;
import io.swaggersocket.server.ServerLimits;
import io.swaggersocket.server.SocketServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Two or three SocketServer nodes in this JVM sharing a real Redis, with agents over real sockets. */
@Timeout(180)
class ClusterTest {
    private static final String TOKEN_A = "team-a-token-Hx71";
    private static final String TOKEN_B = "team-b-token-Kq28";
    private static final String TOKEN_OPS = "ops-token-Jd90";
    private static final byte[] SECRET = "cluster-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final String ACCESS = String.join("\n",
            "principals:",
            "  - name: team-a",
            "    tokens: [\"" + TOKEN_A + "\"]",
            "    register: [\"a*\", \"shared-*\"]",
            "    call: [\"*\"]",
            "  - name: team-b",
            "    tokens: [\"" + TOKEN_B + "\"]",
            "    register: [\"b*\", \"shared-*\"]",
            "    call: [\"*\"]",
            "  - name: ops",
            "    tokens: [\"" + TOKEN_OPS + "\"]",
            "    admin: [\"*\"]",
            "    call: [\"*\"]",
            "");
    private static final ConnectionConfig CONFIG = ConnectionConfig.builder()
            .heartbeat(Duration.ofMillis(500), Duration.ofSeconds(2)).shutdownGracePeriod(Duration.ofSeconds(10)).build();
    private static final ReconnectPolicy FAST = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(50))
            .maxDelay(Duration.ofMillis(200)).build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** Long, so that the agent's connecting never outruns the moving wait on a busy machine. */
    private static final Duration MOVING_WAIT = Duration.ofSeconds(60);
    /** Well under MOVING_WAIT: a call still unanswered by then was left without an answer. */
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(30);
    /** The threads that looked a1 up and found it moving: one per call waiting for it. */
    private final java.util.Set<Thread> waiting = ConcurrentHashMap.newKeySet();
    /** Each of those threads, once, as it first finds a1 moving. */
    private final BlockingQueue<Thread> firstLookups = new LinkedBlockingQueue<>();

    @TempDir
    Path dir;
    private RedisProcess redis;
    private AccessPolicy policy;
    private final List<AutoCloseable> resources = new ArrayList<>();

    /** One node: its directory, its server, its internal port, and its connection events. */
    record Node(String id, RedisAgentDirectory directory, SocketServer server, int internalPort,
            BlockingQueue<ConnectionEvent> events) {
        int port() {
            return server.port();
        }
    }

    @BeforeEach
    void start() throws Exception {
        redis = RedisProcess.start();
        Path file = dir.resolve("access.yaml");
        Files.writeString(file, ACCESS);
        policy = AccessPolicy.read(file);
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                // the test's own close (a killed node) got there first
            }
        }
        redis.close();
    }

    private Node node(String id) throws Exception {
        return node(id, d -> d, ServerLimits.defaults());
    }

    /** A node whose server sees its directory through {@code view}, with {@code limits}. */
    private Node node(String id, java.util.function.UnaryOperator<AgentDirectory> view, ServerLimits limits)
            throws Exception {
        int internal = RedisProcess.freePort();
        RedisAgentDirectory directory = RedisAgentDirectory.builder(redis.uri()).nodeId(id)
                .internalAddress("127.0.0.1:" + internal).heartbeat(Duration.ofMillis(200))
                .entryTtl(Duration.ofSeconds(1)).ownerGrace(Duration.ofSeconds(20))
                .commandTimeout(Duration.ofSeconds(3)).build(); // generous: the machine is shared
        resources.add(directory);
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).accessPolicy(policy)
                .agentDirectory(view.apply(directory)).internalListener("127.0.0.1", internal, SECRET).limits(limits)
                .connectionConfig(CONFIG).ingress(true).adminApi(true).build();
        BlockingQueue<ConnectionEvent> events = new LinkedBlockingQueue<>();
        server.addListener(events::add);
        resources.add(server);
        server.start();
        return new Node(id, directory, server, internal, events);
    }

    /**
     * An agent named {@code name} dialing {@code port}'s /tunnel/NAME: echoes a POST's body (none:
     * an empty answer), answers /nothing with 204, anything else with who it is.
     */
    private SocketClient agent(String name, String token, int port, BlockingQueue<ClientStateEvent> states)
            throws Exception {
        SocketClient client = SocketClient.builder(URI.create("ws://127.0.0.1:" + port + "/tunnel")).nameInPath(true)
                .metadata(Map.of("name", name)).header("Authorization", "Bearer " + token)
                .connectionConfig(CONFIG).reconnect(FAST).build();
        resources.add(client);
        if (states != null) {
            client.addStateListener(states::add);
        }
        client.serve((request, response, context) -> {
            if (request.getMethod().equals("POST")) {
                byte[] body = request.getEntity() == null ? new byte[0] : EntityUtils.toByteArray(request.getEntity());
                response.setEntity(new ByteArrayEntity(body, null));
                return;
            }
            if (request.getPath().equals("/nothing")) {
                response.setCode(204);
                return;
            }
            StringBuilder seen = new StringBuilder("agent=" + name);
            if (request.getFirstHeader("Swaggersocket-Cluster-Secret") != null) {
                seen.append(" saw-secret");
            }
            if (request.getFirstHeader("Authorization") != null) {
                seen.append(" saw-token");
            }
            response.setEntity(new StringEntity(seen.toString()));
        });
        client.connect();
        return client;
    }

    private static HttpResponse<String> call(int port, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void await(BlockingQueue<ConnectionEvent> events, ConnectionEvent.Type type) throws InterruptedException {
        while (true) {
            ConnectionEvent e = events.poll(20, TimeUnit.SECONDS);
            if (e == null) {
                throw new AssertionError("no " + type + " event within 20 s");
            }
            if (e.type() == type) {
                return;
            }
        }
    }

    @Test
    void aCallReachingAnyNodeIsAnsweredByTheRightAgentAndACorrectlyRoutedOneTakesNoHop() throws Exception {
        Node n1 = node("n1");
        Node n2 = node("n2");
        Node n3 = node("n3");
        agent("a1", TOKEN_A, n1.port(), null);
        agent("a2", TOKEN_A, n2.port(), null);
        await(n1.events(), ConnectionEvent.Type.RECEIVED);
        await(n2.events(), ConnectionEvent.Type.RECEIVED);

        for (Node n : List.of(n1, n2, n3)) {
            HttpResponse<String> r = call(n.port(), "/agents/a1/who", TOKEN_OPS);
            assertEquals(200, r.statusCode(), n.id() + ": " + r.body());
            // The caller's token and the cluster secret never reach the agent, forwarded or not.
            assertEquals("agent=a1", r.body(), n.id());
            assertEquals("agent=a2", call(n.port(), "/agents/a2/who", TOKEN_OPS).body(), n.id());
        }
        // /connections: this node's agents by default, every node's with ?scope=cluster.
        assertEquals("[]", call(n3.port(), "/connections", TOKEN_OPS).body());
        HttpResponse<String> all = call(n3.port(), "/connections?scope=cluster", TOKEN_OPS);
        assertEquals(200, all.statusCode(), all.body());
        var listed = new com.fasterxml.jackson.databind.ObjectMapper().readTree(all.body());
        assertEquals(2, listed.size(), all.body());
        assertEquals(java.util.Set.of("a1@n1", "a2@n2"), java.util.Set.of(
                listed.get(0).path("name").asText() + "@" + listed.get(0).path("node").asText(),
                listed.get(1).path("name").asText() + "@" + listed.get(1).path("node").asText()));
        assertEquals(400, call(n3.port(), "/connections?scope=galaxy", TOKEN_OPS).statusCode());
        assertEquals(401, call(n1.internalPort(), "/connections", TOKEN_OPS).statusCode(), "the internal listing needs the secret");

        // A body streamed through the forward both ways, byte for byte.
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(big);
        HttpResponse<byte[]> echoed = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n3.port()
                + "/agents/a1/echo")).header("Authorization", "Bearer " + TOKEN_OPS)
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, echoed.statusCode());
        assertArrayEquals(big, echoed.body());

        // Statuses as on one node: unknown 404, no credentials 401, forged cluster headers ignored.
        HttpResponse<String> unknown = call(n2.port(), "/agents/nobody/x", TOKEN_OPS);
        assertEquals(404, unknown.statusCode());
        assertEquals("{\"error\":\"no agent named \\\"nobody\\\" is connected\"}", unknown.body());
        assertEquals(401, call(n2.port(), "/agents/a1/who", null).statusCode());
        HttpResponse<String> forged = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n2.port()
                + "/agents/a1/who")).header("Swaggersocket-Cluster-Secret", new String(SECRET, StandardCharsets.UTF_8))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, forged.statusCode(), "the secret means nothing on the public port");

        // The internal listener: the secret is required, and a call for an agent it does not hold is
        // never forwarded again (503, the agent is moving), even though n1 holds it.
        HttpResponse<String> noSecret = call(n2.internalPort(), "/agents/a1/who", TOKEN_OPS);
        assertEquals(401, noSecret.statusCode());
        HttpResponse<String> notHere = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + n2.internalPort() + "/agents/a1/who")).header("Swaggersocket-Cluster-Secret",
                new String(SECRET, StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, notHere.statusCode(), notHere.body());
        assertEquals("1", notHere.headers().firstValue("Retry-After").orElse(null));
        HttpResponse<String> direct = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + n1.internalPort() + "/agents/a1/who")).header("Swaggersocket-Cluster-Secret",
                new String(SECRET, StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("agent=a1", direct.body());
    }

    /**
     * Calls that wait on a node for an agent moving between nodes (its name owned, no live node
     * holding it), and the agent then connects to that same node: each is answered there, whatever
     * its answer's size. Found by the chaos soak (RELIABILITY.md, "What the soak found", item 4): a
     * call whose answer had no body was never answered, because the detour ran as a plain task
     * that nothing ended. The wait is long (MOVING_WAIT) so that the agent's connecting never races
     * it on a busy machine, and the node's directory tells when all three calls wait.
     */
    @Test
    void callsWaitingForAnAgentThatComesBackToTheirNodeAreAnsweredThereWithOrWithoutABody() throws Exception {
        int port = node("n1", Watched::new, ServerLimits.builder().movingAgentWait(MOVING_WAIT).build()).port();
        // Team A owns a1 with no live entry: as while its node drains, or after it died.
        RedisAgentDirectory elsewhere = RedisAgentDirectory.builder(redis.uri()).nodeId("n9")
                .internalAddress("127.0.0.1:" + RedisProcess.freePort()).commandTimeout(Duration.ofSeconds(3)).build();
        resources.add(elsewhere);
        assertEquals(AgentDirectory.Claim.GRANTED, elsewhere.claim("a1", "team-a", "gone"));
        elsewhere.handOff("a1", "gone");

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        // As the soak's callers: an empty POST echoed (an empty answer), an empty GET answer, and one with a body.
        var emptyEcho = http.sendAsync(request(port, "/agents/a1/echo").POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        var noContent = http.sendAsync(request(port, "/agents/a1/nothing").build(), HttpResponse.BodyHandlers.ofString());
        var who = http.sendAsync(request(port, "/agents/a1/who").build(), HttpResponse.BodyHandlers.ofString());
        awaitWaiting(3, List.of(emptyEcho, noContent, who));

        agent("a1", TOKEN_A, port, null);
        HttpResponse<String> echoed = emptyEcho.get(ANSWER_WITHIN.toSeconds() + 5, TimeUnit.SECONDS);
        assertEquals(200, echoed.statusCode(), echoed.body());
        assertEquals("", echoed.body());
        HttpResponse<String> nothing = noContent.get(ANSWER_WITHIN.toSeconds() + 5, TimeUnit.SECONDS);
        assertEquals(204, nothing.statusCode(), nothing.body());
        HttpResponse<String> named = who.get(ANSWER_WITHIN.toSeconds() + 5, TimeUnit.SECONDS);
        assertEquals(200, named.statusCode(), named.body());
        assertEquals("agent=a1", named.body());

        // The connections those calls came on serve their next request (each exchange was ended).
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> next = http.send(request(port, "/agents/a1/nothing").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(204, next.statusCode(), next.body());
        }
    }

    /** Waits until {@code n} calls are waiting for a1 on the node (each on its own ingress thread). */
    private void awaitWaiting(int n, List<CompletableFuture<HttpResponse<String>>> calls) throws Exception {
        for (int i = 0; i < n; i++) {
            if (firstLookups.poll(30, TimeUnit.SECONDS) == null) {
                StringBuilder ended = new StringBuilder();
                for (var call : calls) {
                    if (call.isDone()) {
                        ended.append(' ').append(call.get().statusCode()).append(' ').append(call.get().body());
                    }
                }
                throw new AssertionError("expected " + n + " calls waiting for a1 but " + i + " are; ended:" + ended);
            }
        }
    }

    private HttpRequest.Builder request(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + TOKEN_OPS).timeout(ANSWER_WITHIN);
    }

    @Test
    void aNodeThatCannotStartReleasesItsInternalListener() throws Exception {
        Node n1 = node("n1");
        int internal = RedisProcess.freePort();
        RedisAgentDirectory directory = RedisAgentDirectory.builder(redis.uri()).nodeId("n2")
                .internalAddress("127.0.0.1:" + internal).commandTimeout(Duration.ofSeconds(3)).build();
        resources.add(directory);
        SocketServer taken = SocketServer.builder().bind("127.0.0.1", n1.port()).accessPolicy(policy)
                .agentDirectory(directory).internalListener("127.0.0.1", internal, SECRET).ingress(true).build();
        assertThrows(java.net.BindException.class, taken::start);
        assertEquals(internal, bindWithin(internal, Duration.ofSeconds(10)), "the internal port is free again");
        // And without an internal listener, a clustered directory with an ingress is refused.
        var e = assertThrows(IllegalArgumentException.class, () -> SocketServer.builder().bind("127.0.0.1", 0)
                .agentDirectory(directory).ingress(true).build());
        assertTrue(e.getMessage().startsWith("internalListener: expected one with a clustered agentDirectory"),
                e.getMessage());
    }

    @Test
    void aNameClaimedByTeamAOnOneNodeIsRefusedForTeamBOnAnother() throws Exception {
        Node n1 = node("n1");
        Node n2 = node("n2");
        agent("shared-1", TOKEN_A, n1.port(), null);
        SocketClient b = SocketClient.builder(URI.create("ws://127.0.0.1:" + n2.port() + "/tunnel")).nameInPath(true)
                .metadata(Map.of("name", "shared-1")).header("Authorization", "Bearer " + TOKEN_B)
                .connectionConfig(CONFIG).reconnect(FAST).build();
        resources.add(b);
        AuthenticationException refused = assertThrows(AuthenticationException.class, b::connect);
        assertEquals(403, refused.status());
        assertTrue(refused.getMessage().contains("agent name \\\"shared-1\\\" is in use by another principal")
                || refused.getMessage().contains("agent name \"shared-1\" is in use by another principal"),
                refused.getMessage());
        assertTrue(n2.server().activeConnections().isEmpty());
        // A hello naming an agent the upgrade did not announce is refused in a cluster (4006).
        assertEquals(AgentDirectory.Claim.TAKEN, n2.directory().claim("shared-1", "team-b", "probe"));
    }

    @Test
    void agentsOfAKilledNodeReconnectElsewhereAndCallsFollowThem() throws Exception {
        Node n1 = node("n1");
        Node n2 = node("n2");
        Node n3 = node("n3");
        try (TestBalancer lb = new TestBalancer(List.of(n1.port(), n2.port()))) {
            BlockingQueue<ClientStateEvent> states = new LinkedBlockingQueue<>();
            SocketClient a = agent("a1", TOKEN_A, lb.port(), states);
            await(n1.events(), ConnectionEvent.Type.RECEIVED);
            assertEquals("agent=a1", call(n3.port(), "/agents/a1/who", TOKEN_OPS).body());

            // A call in flight on n1 (forwarded there by n3, its agent busy) when n1 dies fails fast with 502.
            CountDownLatch inHandler = new CountDownLatch(1);
            CountDownLatch never = new CountDownLatch(1);
            resources.add(never::countDown);
            a.serve((request, response, context) -> {
                if (!request.getPath().equals("/slow")) {
                    response.setEntity(new StringEntity("agent=a1"));
                    return;
                }
                inHandler.countDown();
                try {
                    never.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                response.setEntity(new StringEntity("too late"));
            });
            var inFlight = HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n3.port()
                    + "/agents/a1/slow")).header("Authorization", "Bearer " + TOKEN_OPS)
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(inHandler.await(20, TimeUnit.SECONDS));

            // Kill n1: its sockets reset, its Redis connection gone without a word, then the process.
            kill(n1, lb);
            HttpResponse<String> lost = inFlight.get(20, TimeUnit.SECONDS);
            assertEquals(502, lost.statusCode(), lost.body());
            await(n2.events(), ConnectionEvent.Type.RECEIVED);
            assertTrue(a.awaitConnection(Duration.ofSeconds(30)).isOpen());
            // The call through n3 goes to n2, the freshest entry, even before n1's key has expired.
            HttpResponse<String> moved = call(n3.port(), "/agents/a1/who", TOKEN_OPS);
            assertEquals(200, moved.statusCode(), moved.body());
            assertEquals("agent=a1", moved.body());
            assertEquals("agent=a1", call(n2.port(), "/agents/a1/who", TOKEN_OPS).body());
        }
    }

    /** What SIGKILL leaves: reset sockets, no release in Redis, and the node's ports closed. */
    private static void kill(Node n, TestBalancer lb) throws Exception {
        var timer = RedisAgentDirectory.class.getDeclaredField("timer");
        timer.setAccessible(true);
        ((java.util.concurrent.ScheduledExecutorService) timer.get(n.directory())).shutdownNow();
        var connection = RedisAgentDirectory.class.getDeclaredField("connection");
        connection.setAccessible(true);
        ((io.lettuce.core.api.StatefulRedisConnection<?, ?>) connection.get(n.directory())).close();
        lb.down(n.port(), true);
        n.server().close();
    }

    @Test
    void aDrainedNodesAgentsMoveWithNoFailedCall() throws Exception {
        Node n1 = node("n1");
        Node n2 = node("n2");
        try (TestBalancer lb = new TestBalancer(List.of(n1.port(), n2.port()))) {
            List<String> names = List.of("a1", "a2", "a3");
            for (String name : names) {
                agent(name, TOKEN_A, lb.port(), null);
                await(n1.events(), ConnectionEvent.Type.RECEIVED);
            }
            AtomicBoolean stop = new AtomicBoolean();
            List<String> failures = new CopyOnWriteArrayList<>();
            Map<String, Integer> answered = new ConcurrentHashMap<>();
            CountDownLatch callersDone = new CountDownLatch(2);
            for (int t = 0; t < 2; t++) {
                Thread caller = new Thread(() -> {
                    try {
                        int i = 0;
                        while (!stop.get()) {
                            String name = names.get(i++ % names.size());
                            HttpResponse<String> r = call(n2.port(), "/agents/" + name + "/who", TOKEN_OPS);
                            if (r.statusCode() != 200 || !r.body().equals("agent=" + name)) {
                                failures.add(name + ": " + r.statusCode() + " " + r.body());
                            }
                            answered.merge(name, 1, Integer::sum);
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    } finally {
                        callersDone.countDown();
                    }
                });
                caller.setDaemon(true);
                caller.start();
            }
            assertEquals(200, call(n1.port(), "/healthz", null).statusCode());
            n1.server().drain(Duration.ofMillis(300));
            HttpResponse<String> health = call(n1.port(), "/healthz", null);
            assertEquals(503, health.statusCode());
            assertEquals("{\"status\":\"draining\"}", health.body());
            lb.down(n1.port(), false); // the balancer saw /healthz fail: no new connection goes to n1
            n1.server().drain(Duration.ZERO).toCompletableFuture().get(30, TimeUnit.SECONDS);
            n1.server().close();
            for (int i = 0; i < names.size(); i++) {
                await(n2.events(), ConnectionEvent.Type.RECEIVED);
            }
            stop.set(true);
            assertTrue(callersDone.await(30, TimeUnit.SECONDS));
            assertEquals(List.of(), failures);
            assertTrue(answered.values().stream().allMatch(n -> n > 0), answered.toString());
        }
    }

    /**
     * Binds {@code port} and lets it go, trying again for up to {@code within}: the listener of a
     * failed start is closed on its XNIO thread, a moment after start() has thrown.
     */
    private static int bindWithin(int port, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            try (java.net.ServerSocket again = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return again.getLocalPort();
            } catch (java.net.BindException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    /** The node's directory, noting which threads found a1 moving. */
    private final class Watched implements AgentDirectory {
        private final AgentDirectory d;

        Watched(AgentDirectory d) {
            this.d = d;
        }

        @Override
        public Lookup locate(String name) {
            Lookup lookup = d.locate(name);
            if (name.equals("a1") && lookup.state() == Lookup.State.MOVING) {
                if (waiting.add(Thread.currentThread())) {
                    firstLookups.add(Thread.currentThread());
                }
            }
            return lookup;
        }

        @Override
        public String nodeId() {
            return d.nodeId();
        }

        @Override
        public Claim claim(String name, String owner, String connectionId) {
            return d.claim(name, owner, connectionId);
        }

        @Override
        public void release(String name, String connectionId) {
            d.release(name, connectionId);
        }

        @Override
        public void handOff(String name, String connectionId) {
            d.handOff(name, connectionId);
        }

        @Override
        public List<Node> nodes() {
            return d.nodes();
        }

        @Override
        public boolean clustered() {
            return d.clustered();
        }

        @Override
        public void close() {
            d.close();
        }
    }
}
