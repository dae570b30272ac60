package io.swaggersocket.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.swaggersocket.client.ReconnectPolicy;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.server.AccessPolicy;
import io.swaggersocket.server.AgentDirectory;
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
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calls that wait on a node for an agent moving between nodes (its name owned, no live node
 * holding it), and the agent then connects to that same node: each is answered there, whatever
 * its answer's size. Found by the chaos soak (RELIABILITY.md): a call whose answer had no body was
 * never answered at all, because the detour ran as a plain task that nothing ended.
 */
@Timeout(120)
class MovingAgentWaitTest {
    private static final String TOKEN_A = "team-a-token-Hx71";
    private static final String TOKEN_OPS = "ops-token-Jd90";
    private static final byte[] SECRET = "cluster-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final String ACCESS = String.join("\n",
            "principals:",
            "  - name: team-a",
            "    tokens: [\"" + TOKEN_A + "\"]",
            "    register: [\"a*\"]",
            "  - name: ops",
            "    tokens: [\"" + TOKEN_OPS + "\"]",
            "    call: [\"*\"]",
            "");
    private static final ConnectionConfig CONFIG = ConnectionConfig.builder()
            .heartbeat(Duration.ofMillis(500), Duration.ofSeconds(2)).shutdownGracePeriod(Duration.ofSeconds(10)).build();
    /** Long, so that the agent's connecting is never outrun by the wait on a busy machine. */
    private static final Duration MOVING_WAIT = Duration.ofSeconds(60);
    /** Well under MOVING_WAIT: a call still unanswered by then was left without an answer. */
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private RedisProcess redis;
    private final List<AutoCloseable> resources = new ArrayList<>();
    /** The threads that looked a1 up and found it moving: one per call waiting for it. */
    private final Set<Thread> waiting = ConcurrentHashMap.newKeySet();
    /** Each of those threads, once, as it first finds a1 moving. */
    private final BlockingQueue<Thread> firstLookups = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        redis = RedisProcess.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        redis.close();
    }

    @Test
    void callsWaitingForAnAgentThatComesBackToTheirNodeAreAnsweredThereWithOrWithoutABody() throws Exception {
        int port = node();
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

        agent(port);
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

    /** Node n1, whose directory notes each thread that finds a1 moving; the moving wait long. */
    private int node() throws Exception {
        Path file = dir.resolve("access.yaml");
        Files.writeString(file, ACCESS);
        int internal = RedisProcess.freePort();
        RedisAgentDirectory directory = RedisAgentDirectory.builder(redis.uri()).nodeId("n1")
                .internalAddress("127.0.0.1:" + internal).heartbeat(Duration.ofMillis(200))
                .entryTtl(Duration.ofSeconds(1)).ownerGrace(Duration.ofSeconds(60))
                .commandTimeout(Duration.ofSeconds(3)).build();
        resources.add(directory);
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).accessPolicy(AccessPolicy.read(file))
                .agentDirectory(new Watched(directory)).internalListener("127.0.0.1", internal, SECRET)
                .limits(ServerLimits.builder().movingAgentWait(MOVING_WAIT).build())
                .connectionConfig(CONFIG).ingress(true).build();
        resources.add(server);
        server.start();
        return server.port();
    }

    /** Agent a1 on {@code port}: echoes a POST's body, answers /nothing with 204, anything else with its name. */
    private void agent(int port) throws Exception {
        SocketClient client = SocketClient.builder(URI.create("ws://127.0.0.1:" + port + "/tunnel")).nameInPath(true)
                .metadata(Map.of("name", "a1")).header("Authorization", "Bearer " + TOKEN_A).connectionConfig(CONFIG)
                .reconnect(ReconnectPolicy.builder().initialDelay(Duration.ofMillis(50)).maxDelay(Duration.ofMillis(200))
                        .build())
                .build();
        resources.add(client);
        client.serve((request, response, context) -> {
            if (request.getMethod().equals("POST")) {
                byte[] body = request.getEntity() == null ? new byte[0] : EntityUtils.toByteArray(request.getEntity());
                response.setEntity(new ByteArrayEntity(body, null));
            } else if (request.getPath().equals("/nothing")) {
                response.setCode(204);
            } else {
                response.setEntity(new StringEntity("agent=a1"));
            }
        });
        client.connect();
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
