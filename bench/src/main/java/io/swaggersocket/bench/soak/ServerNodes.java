package io.swaggersocket.bench.soak;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code swaggersocket server} processes of the soak and their access file. Thread-safe.
 *
 * <p>One node: one server on a free port, which agents and callers reach directly. {@code --nodes N}
 * (N > 1): the cluster of docs/SCALE-OUT.md on loopback: a {@code redis-server} as the directory, N
 * servers with {@code --cluster-redis} on fixed ports (so that a restarted node comes back where
 * the balancer looks), and HAProxy in front with deploy/haproxy.cfg's rules (hash on the agent's
 * name, checks on {@code /healthz}), which agents and callers go through ({@link ClusterRig}).
 * Node {@code n1} is the sentinel: never restarted or drained, its resources are the ones compared.
 */
final class ServerNodes implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening: tunnel ws://127\\.0\\.0\\.1:(\\d+)/tunnel");
    /** Bound on the server's start: JVM start, the access file, the listening line. */
    private static final int START_SECONDS = 60;
    /** Bound on a drained node's agents leaving, and on its exit after SIGTERM (handoff plus 35 s, and some). */
    private static final int DRAIN_EXIT_SECONDS = 60;

    private final SoakOptions options;
    private final String token;
    private final Path accessFile;
    private final AtomicInteger reloads = new AtomicInteger();
    private final AtomicInteger rotation = new AtomicInteger();
    private final AtomicInteger faults = new AtomicInteger();
    private final AtomicInteger drains = new AtomicInteger();
    private final HttpClient admin = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<Node> nodes = new java.util.ArrayList<>();
    private ClusterRig cluster;

    /** One server process: its id, public port (0 until known, for a single node) and internal port. */
    private static final class Node {
        final String id;
        final int internalPort;
        volatile int port;
        volatile Process process;

        Node(String id, int port, int internalPort) {
            this.id = id;
            this.port = port;
            this.internalPort = internalPort;
        }
    }

    ServerNodes(SoakOptions options, String token) {
        if (options.nodes() < 1 || options.nodes() > 9) {
            throw new IllegalArgumentException("--nodes " + options.nodes() + ": 1 to 9");
        }
        this.options = options;
        this.token = token;
        this.accessFile = options.out().resolve("access.yaml");
    }

    boolean clustered() {
        return options.nodes() > 1;
    }

    void start() throws IOException, InterruptedException {
        writeAccess(0);
        if (!clustered()) {
            nodes.add(new Node("server", 0, 0));
            launch(nodes.get(0));
            return;
        }
        cluster = ClusterRig.start(options.out());
        for (int i = 1; i <= options.nodes(); i++) {
            nodes.add(new Node("n" + i, ClusterRig.freePort(), ClusterRig.freePort()));
        }
        for (Node n : nodes) {
            launch(n);
        }
        List<Integer> ports = new java.util.ArrayList<>();
        nodes.forEach(n -> ports.add(n.port));
        cluster.startBalancer(ports);
    }

    private void launch(Node node) throws IOException, InterruptedException {
        CompletableFuture<Integer> listening = new CompletableFuture<>();
        Path log = options.out().resolve(clustered() ? "server-" + node.id + ".log" : "server.log");
        node.process = Cli.start(options.cliJar(), System.getenv().getOrDefault("SOAK_SERVER_JVM_OPTS", "-Xmx512m"),
                args(node), null, log, line -> {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        listening.complete(Integer.parseInt(m.group(1)));
                    }
                    if (line.contains("reloaded the access file")) {
                        reloads.incrementAndGet();
                    }
                });
        try {
            node.port = listening.get(START_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("server " + node.id + " did not print its listening line within " + START_SECONDS
                    + " s; see " + log, e);
        }
    }

    /** The server's command line; SOAK_SERVER_ARGS adds options (e.g. {@code --log-level debug}). */
    private List<String> args(Node node) {
        List<String> args = new java.util.ArrayList<>(List.of("server", "--listen", "127.0.0.1:" + node.port,
                "--access-file", accessFile.toString()));
        if (clustered()) {
            args.addAll(List.of("--cluster-redis", cluster.redisUri(), "--node-id", node.id, "--internal-listen",
                    "127.0.0.1:" + node.internalPort, "--cluster-secret-file", cluster.secretFile().toString(),
                    "--drain-handoff", "1"));
        }
        for (String a : System.getenv().getOrDefault("SOAK_SERVER_ARGS", "").trim().split("\\s+")) {
            if (!a.isEmpty()) {
                args.add(a);
            }
        }
        return args;
    }

    /** The sentinel node's pid (the only node with one node). */
    long pid() {
        return nodes.get(0).process.pid();
    }

    /** Whether every node runs (a node being restarted by the chaos loop counts as running). */
    boolean alive() {
        return nodes.stream().allMatch(n -> n.process.isAlive());
    }

    /** Where agents dial: the balancer in a cluster. */
    int tunnelPort() {
        return clustered() ? cluster.balancerPort() : nodes.get(0).port;
    }

    /** Where callers call: the balancer in a cluster. */
    int ingressPort() {
        return tunnelPort();
    }

    /** The sentinel node's own port: its events, its admin API. */
    int sentinelPort() {
        return nodes.get(0).port;
    }

    /**
     * Rewrites the access file with one more rotated principal (the soak's own stays) and reloads it
     * on every node, by {@code POST /access/reload} or by SIGHUP, in turn; returns what was done.
     * Throws when a node does not confirm the reload (its log line) within 20 s.
     */
    String reloadAccess() throws IOException, InterruptedException {
        int n = rotation.incrementAndGet();
        writeAccess(n);
        int before = reloads.get();
        if (n % 2 == 1) { // the admin API answers once the policy is in place; SIGHUP only logs it
            StringBuilder answers = new StringBuilder();
            for (Node node : nodes) {
                HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/access/reload"))
                        .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody())
                        .timeout(Duration.ofSeconds(20)).build();
                HttpResponse<String> r = admin.send(post, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IOException(node.id + ": POST /access/reload answered " + r.statusCode() + ": " + r.body());
                }
                answers.append(answers.length() == 0 ? "" : ", ").append(r.body().trim());
            }
            return "POST /access/reload: 200 " + answers + " (rotation " + n + ")";
        }
        for (Node node : nodes) {
            Cli.signal(node.process.pid(), "HUP");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (reloads.get() - before < nodes.size()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("SIGHUP: " + (reloads.get() - before) + " of " + nodes.size()
                        + " node(s) logged \"reloaded the access file\" within 20 s");
            }
            Thread.sleep(50); // polling the log watcher's counter: no event to wait on across processes
        }
        return "SIGHUP (rotation " + n + ")";
    }

    /** A node other than the sentinel, in turn. */
    private Node victim() {
        if (!clustered()) {
            throw new UnsupportedOperationException("a node fault needs --nodes > 1");
        }
        return nodes.get(1 + faults.getAndIncrement() % (nodes.size() - 1));
    }

    /** kill -9 a node (not the sentinel) and start it again on its ports; its agents move and come back. */
    String restartNode() throws IOException, InterruptedException {
        Node node = victim();
        long old = node.process.pid();
        Cli.kill9(node.process);
        launch(node);
        return node.id + " pid " + old + " killed, restarted as pid " + node.process.pid();
    }

    /**
     * Drains a node (not the sentinel), by {@code POST /admin/drain?handoff=1} and by SIGTERM in
     * turn: its agents are told to go (GOAWAY) and reconnect through the balancer to the others.
     * After the POST the node keeps running, drained: once it holds no agent (within
     * {@link #DRAIN_EXIT_SECONDS}) it gets SIGTERM. A SIGTERM drains first and then exits. Either
     * way the node must exit with 0, and is started again.
     */
    String drainNode() throws IOException, InterruptedException {
        Node node = victim();
        boolean post = drains.getAndIncrement() % 2 == 0;
        long t0 = System.nanoTime();
        if (post) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port
                            + "/admin/drain?handoff=1"))
                    .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(20)).build();
            HttpResponse<String> r = admin.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 202) {
                throw new IOException(node.id + ": POST /admin/drain answered " + r.statusCode() + ": " + r.body());
            }
            long deadline = t0 + TimeUnit.SECONDS.toNanos(DRAIN_EXIT_SECONDS);
            while (!nodeConnections(node).replaceAll("\\s", "").equals("[]")) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(node.id + " drained by POST still held agents " + DRAIN_EXIT_SECONDS
                            + " s later: " + nodeConnections(node));
                }
                Thread.sleep(200); // polling another process's state: GET /connections
            }
        }
        long old = node.process.pid();
        long agentsGone = (System.nanoTime() - t0) / 1_000_000;
        node.process.destroy(); // SIGTERM: the CLI drains a cluster node first
        if (!node.process.waitFor(DRAIN_EXIT_SECONDS, TimeUnit.SECONDS)) {
            Cli.kill9(node.process);
            launch(node);
            throw new IOException(node.id + " still ran " + DRAIN_EXIT_SECONDS + " s after SIGTERM (killed, restarted)");
        }
        int exit = node.process.exitValue();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        launch(node);
        if (exit != 0) {
            throw new IOException(node.id + " exited " + exit + " after its drain (restarted as pid " + node.process.pid() + ")");
        }
        return node.id + " pid " + old + (post ? " drained by POST /admin/drain, no agent left after " + agentsGone
                + " ms, then SIGTERM" : " drained by SIGTERM") + ": exited 0 after " + ms + " ms, restarted as pid "
                + node.process.pid();
    }

    /** {@code GET /connections?scope=node} on one node: the agents it holds itself. */
    private String nodeConnections(Node node) throws IOException, InterruptedException {
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/connections?scope=node"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(20)).build();
        HttpResponse<String> r = admin.send(get, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(node.id + ": GET /connections answered " + r.statusCode());
        }
        return r.body();
    }

    /** The names of the agents the server holds now, from {@code GET /connections}. */
    String connections() throws IOException, InterruptedException {
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sentinelPort() + "/connections"
                        + (clustered() ? "?scope=cluster" : "")))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(20)).build();
        HttpResponse<String> r = admin.send(get, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET /connections answered " + r.statusCode());
        }
        return r.body();
    }

    private void writeAccess(int rotation) throws IOException {
        StringBuilder b = new StringBuilder("principals:\n")
                .append("  - name: soak\n")
                .append("    tokens: [\"").append(token).append("\"]\n")
                .append("    register: [\"*\"]\n    call: [\"*\"]\n    admin: [\"*\"]\n    publish: [\"*\"]\n");
        if (rotation > 0) {
            // a principal that comes and goes with each reload: the reload must leave the soak's agents alone
            b.append("  - name: rotated-").append(rotation).append('\n')
                    .append("    tokens: [\"rotated-token-").append(rotation).append("\"]\n")
                    .append("    register: [\"rotated-").append(rotation).append("\"]\n");
        }
        Path tmp = accessFile.resolveSibling("access.yaml.tmp");
        Files.writeString(tmp, b, StandardCharsets.UTF_8);
        Files.move(tmp, accessFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void close() throws InterruptedException {
        for (Node n : nodes) {
            if (n.process != null) {
                Cli.stop(n.process);
            }
        }
        if (cluster != null) {
            cluster.close();
        }
    }
}
