package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swaggersocket.client.AuthenticationException;
import io.swaggersocket.client.ClientState;
import io.swaggersocket.client.ClientStateEvent;
import io.swaggersocket.client.ReconnectPolicy;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.cluster.RedisProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scale-out scenario with real processes: Redis, three {@code swaggersocket server} nodes,
 * HAProxy in front (hash on the agent name, checks on /healthz), 30 agents. Every agent is
 * reachable through the balancer and through each node; a node killed with SIGKILL loses its
 * agents to the others and no call is answered by the wrong agent; a node stopped with SIGTERM
 * drains with no failed call; a name of team A cannot be taken by team B on another node.
 */
@Timeout(300)
class ScaleOutProcessTest {
    private static final String TOKEN_A = "team-a-token-Hx71";
    private static final String TOKEN_B = "team-b-token-Kq28";
    private static final String TOKEN_OPS = "ops-token-Jd90";
    private static final int AGENTS = 30;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final ReconnectPolicy FAST = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(200))
            .maxDelay(Duration.ofSeconds(1)).build();

    @TempDir
    Path dir;
    private final List<AutoCloseable> resources = new ArrayList<>();

    /** A server node process, its public port and what it prints. */
    record NodeProcess(String id, Process process, int port, BlockingQueue<String> lines) {
    }

    @AfterEach
    void stop() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                // already gone
            }
        }
    }

    @Test
    void threeNodesABalancerAndThirtyAgents() throws Exception {
        RedisProcess redis = RedisProcess.start();
        resources.add(redis);
        Path access = dir.resolve("access.yaml");
        Files.writeString(access, String.join("\n", "principals:",
                "  - name: team-a", "    tokens: [\"" + TOKEN_A + "\"]", "    register: [\"agent-*\"]", "    call: [\"*\"]",
                "  - name: team-b", "    tokens: [\"" + TOKEN_B + "\"]", "    register: [\"*\"]", "    call: [\"*\"]",
                "  - name: ops", "    tokens: [\"" + TOKEN_OPS + "\"]", "    admin: [\"*\"]", "    call: [\"*\"]", ""));
        Path secret = dir.resolve("cluster.secret");
        Files.writeString(secret, "cluster-secret-0123456789\n");
        Map<String, NodeProcess> nodes = new LinkedHashMap<>();
        for (String id : List.of("n1", "n2", "n3")) {
            nodes.put(id, node(id, redis, access, secret));
        }
        int balancer = haproxy(nodes.values());

        // 30 agents through the balancer, their names in the tunnel path.
        Map<String, SocketClient> agents = new LinkedHashMap<>();
        Map<String, BlockingQueue<ClientStateEvent>> states = new HashMap<>();
        for (int i = 0; i < AGENTS; i++) {
            String name = String.format("agent-%02d", i);
            BlockingQueue<ClientStateEvent> q = new LinkedBlockingQueue<>();
            SocketClient c = SocketClient.builder(URI.create("ws://127.0.0.1:" + balancer + "/tunnel")).nameInPath(true)
                    .metadata(Map.of("name", name)).header("Authorization", "Bearer " + TOKEN_A).reconnect(FAST).build();
            resources.add(c);
            c.addStateListener(q::add);
            c.serve((request, response, context) -> response.setEntity(new StringEntity("agent=" + name)));
            c.connect();
            agents.put(name, c);
            states.put(name, q);
        }
        Map<String, String> where = awaitPlacement(nodes.values(), AGENTS);
        assertTrue(where.values().stream().distinct().count() >= 2, "the hash spreads agents: " + where);
        everyAgentAnswersEverywhere(agents.keySet(), balancer, nodes.values());

        // Team B cannot take team A's name, on whichever node it dials.
        for (NodeProcess n : nodes.values()) {
            SocketClient b = SocketClient.builder(URI.create("ws://127.0.0.1:" + n.port() + "/tunnel")).nameInPath(true)
                    .metadata(Map.of("name", "agent-00")).header("Authorization", "Bearer " + TOKEN_B).reconnect(FAST)
                    .build();
            resources.add(b);
            assertEquals(403, assertThrows(AuthenticationException.class, b::connect).status(), n.id());
        }

        // SIGKILL the node with the most agents: they reconnect elsewhere, and calls follow them.
        String victim = where.values().stream().reduce((a, b) -> count(where, a) >= count(where, b) ? a : b).orElseThrow();
        List<String> moved = where.entrySet().stream().filter(e -> e.getValue().equals(victim)).map(Map.Entry::getKey)
                .toList();
        moved.forEach(name -> states.get(name).clear());
        nodes.remove(victim).process().destroyForcibly();
        for (String name : moved) {
            awaitState(states.get(name), ClientState.CONNECTED);
        }
        Map<String, String> after = awaitPlacement(nodes.values(), AGENTS);
        assertTrue(after.values().stream().noneMatch(victim::equals), after.toString());
        everyAgentAnswersEverywhere(agents.keySet(), balancer, nodes.values());

        // SIGTERM another node: it drains; calls through the last one never fail meanwhile.
        List<NodeProcess> left = new ArrayList<>(nodes.values());
        NodeProcess drained = left.get(0);
        NodeProcess last = left.get(1);
        AtomicBoolean stop = new AtomicBoolean();
        List<String> failures = new CopyOnWriteArrayList<>();
        CountDownLatch callersDone = new CountDownLatch(2);
        List<String> names = new ArrayList<>(agents.keySet());
        for (int t = 0; t < 2; t++) {
            int offset = t;
            Thread caller = new Thread(() -> {
                try {
                    for (int i = offset; !stop.get(); i += 2) {
                        String name = names.get(i % names.size());
                        HttpResponse<String> r = call(last.port(), "/agents/" + name + "/who", TOKEN_OPS);
                        if (r.statusCode() != 200 || !r.body().equals("agent=" + name)) {
                            failures.add(name + ": " + r.statusCode() + " " + r.body());
                        }
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
        drained.process().destroy(); // SIGTERM
        assertTrue(drained.process().waitFor(90, TimeUnit.SECONDS), "the drained node stops");
        assertEquals(0, drained.process().exitValue());
        Map<String, String> finalPlacement = awaitPlacement(List.of(last), AGENTS);
        stop.set(true);
        assertTrue(callersDone.await(60, TimeUnit.SECONDS));
        assertEquals(List.of(), failures);
        assertEquals(AGENTS, finalPlacement.size());
        everyAgentAnswersEverywhere(agents.keySet(), balancer, List.of(last));
    }

    private static long count(Map<String, String> where, String node) {
        return where.values().stream().filter(node::equals).count();
    }

    private NodeProcess node(String id, RedisProcess redis, Path access, Path secret) throws Exception {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        int internal = RedisProcess.freePort();
        Process p = new ProcessBuilder(java.toString(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                "io.swaggersocket.cli.Main", "server", "--listen", "127.0.0.1:0", "--access-file", access.toString(),
                "--cluster-redis", redis.uri(), "--node-id", id, "--internal-listen", "127.0.0.1:" + internal,
                "--cluster-secret-file", secret.toString(), "--drain-handoff", "1")
                .redirectErrorStream(true).start();
        resources.add(() -> {
            p.destroyForcibly();
            p.waitFor(20, TimeUnit.SECONDS);
        });
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        }, "node-" + id);
        reader.setDaemon(true);
        reader.start();
        String listening = awaitLine(lines, "swaggersocket server listening: ");
        int port = Integer.parseInt(listening.replaceAll(".*ws://127\\.0\\.0\\.1:(\\d+)/tunnel.*", "$1"));
        return new NodeProcess(id, p, port, lines);
    }

    /** HAProxy from deploy/haproxy.cfg's rules, on loopback without TLS; returns its port. */
    private int haproxy(java.util.Collection<NodeProcess> nodes) throws Exception {
        int port = RedisProcess.freePort();
        StringBuilder cfg = new StringBuilder(String.join("\n",
                "global", "    maxconn 2000",
                "defaults", "    mode http", "    timeout connect 2s", "    timeout client 120s",
                "    timeout server 120s", "    timeout tunnel 1h", "    option http-server-close",
                "frontend tunnels", "    bind 127.0.0.1:" + port,
                "    http-request set-var(txn.agent) path,field(3,/) if { path_beg /tunnel/ } || { path_beg /agents/ }",
                "    default_backend nodes",
                "backend nodes", "    balance hash var(txn.agent)", "    hash-type consistent",
                "    option httpchk GET /healthz", "    http-check expect status 200",
                "    default-server inter 300ms fall 1 rise 1", "    retry-on conn-failure", "    retries 1", ""));
        for (NodeProcess n : nodes) {
            cfg.append("    server ").append(n.id()).append(" 127.0.0.1:").append(n.port()).append(" check\n");
        }
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, cfg);
        String binary = Files.isExecutable(Path.of("/usr/sbin/haproxy")) ? "/usr/sbin/haproxy" : "haproxy";
        Process p = new ProcessBuilder(binary, "-db", "-f", file.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        resources.add(() -> {
            p.destroyForcibly();
            p.waitFor(20, TimeUnit.SECONDS);
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) { // no event says HAProxy is listening: try its port, bounded
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return port;
            } catch (java.io.IOException e) {
                if (System.nanoTime() > deadline || !p.isAlive()) {
                    throw new AssertionError("haproxy did not start: " + Files.readString(dir.resolve("haproxy.log")), e);
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
    }

    /** Agent name to node id, from /connections?scope=cluster, once {@code expected} agents are listed (bounded). */
    private static Map<String, String> awaitPlacement(java.util.Collection<NodeProcess> nodes, int expected)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Map<String, String> where = new HashMap<>();
        while (System.nanoTime() < deadline) {
            where.clear();
            for (NodeProcess n : nodes) { // each node's own view: a dead node is simply not asked
                HttpResponse<String> r = call(n.port(), "/connections?scope=node", TOKEN_OPS);
                for (JsonNode c : new ObjectMapper().readTree(r.body())) {
                    where.put(c.path("name").asText(), c.path("node").asText());
                }
            }
            if (where.size() == expected) {
                return where;
            }
            TimeUnit.MILLISECONDS.sleep(100); // agents reconnect on their own schedule; this only looks
        }
        throw new AssertionError("expected " + expected + " agents listed but found " + where);
    }

    private static void everyAgentAnswersEverywhere(java.util.Set<String> names, int balancer,
            java.util.Collection<NodeProcess> nodes) throws Exception {
        for (String name : names) {
            HttpResponse<String> viaBalancer = call(balancer, "/agents/" + name + "/who", TOKEN_OPS);
            assertEquals("agent=" + name, viaBalancer.body(), "through the balancer, status " + viaBalancer.statusCode());
            for (NodeProcess n : nodes) {
                HttpResponse<String> r = call(n.port(), "/agents/" + name + "/who", TOKEN_OPS);
                assertEquals("agent=" + name, r.body(), name + " through " + n.id() + ", status " + r.statusCode());
            }
        }
    }

    private static HttpResponse<String> call(int port, String path, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitState(BlockingQueue<ClientStateEvent> q, ClientState state) throws InterruptedException {
        while (true) {
            ClientStateEvent e = q.poll(30, TimeUnit.SECONDS);
            if (e == null) {
                throw new AssertionError("no " + state + " within 30 s");
            }
            if (e.state() == state) {
                return;
            }
        }
    }

    private static String awaitLine(BlockingQueue<String> lines, String part) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<String> seen = new ArrayList<>();
        while (true) {
            String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("no line with \"" + part + "\"; got " + seen);
            }
            if (line.contains(part)) {
                return line;
            }
            seen.add(line);
        }
    }
}
