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
 * <p>Single node only for now. The hook for {@code --nodes 3} (the scale-out issue's cluster,
 * being built on branch {@code cluster}): start the nodes in {@link #start} with the cluster's
 * options, give {@link #tunnelPort} and {@link #ingressPort} a node index, and implement
 * {@link #restartNode} and {@link #drainNode}, which the chaos loop then calls in its rotation.
 */
final class ServerNodes implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening: tunnel ws://127\\.0\\.0\\.1:(\\d+)/tunnel");
    /** Bound on the server's start: JVM start, the access file, the listening line. */
    private static final int START_SECONDS = 60;

    private final SoakOptions options;
    private final String token;
    private final Path accessFile;
    private final AtomicInteger reloads = new AtomicInteger();
    private final AtomicInteger rotation = new AtomicInteger();
    private final HttpClient admin = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private Process process;
    private int port;

    ServerNodes(SoakOptions options, String token) {
        if (options.nodes() != 1) {
            throw new IllegalArgumentException("--nodes " + options.nodes() + ": only 1 node is supported on this branch;"
                    + " a cluster needs the scale-out issue's set-up (branch cluster): see ServerNodes's hook");
        }
        this.options = options;
        this.token = token;
        this.accessFile = options.out().resolve("access.yaml");
    }

    void start() throws IOException, InterruptedException {
        writeAccess(0);
        CompletableFuture<Integer> listening = new CompletableFuture<>();
        process = Cli.start(options.cliJar(), System.getenv().getOrDefault("SOAK_SERVER_JVM_OPTS", "-Xmx512m"),
                args(), null,
                options.out().resolve("server.log"), line -> {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        listening.complete(Integer.parseInt(m.group(1)));
                    }
                    if (line.contains("reloaded the access file")) {
                        reloads.incrementAndGet();
                    }
                });
        try {
            port = listening.get(START_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("the server did not print its listening line within " + START_SECONDS + " s; see "
                    + options.out().resolve("server.log"), e);
        }
    }

    /** The server's command line; SOAK_SERVER_ARGS adds options (e.g. {@code --log-level debug}). */
    private List<String> args() {
        List<String> args = new java.util.ArrayList<>(List.of("server", "--listen", "127.0.0.1:0", "--access-file",
                accessFile.toString()));
        for (String a : System.getenv().getOrDefault("SOAK_SERVER_ARGS", "").trim().split("\\s+")) {
            if (!a.isEmpty()) {
                args.add(a);
            }
        }
        return args;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    int tunnelPort() {
        return port;
    }

    int ingressPort() {
        return port;
    }

    /**
     * Rewrites the access file with one more rotated principal (the soak's own stays) and reloads it,
     * by {@code POST /access/reload} or by SIGHUP, in turn; returns what was done. Throws when the
     * server does not confirm the reload (its log line) within 20 s.
     */
    String reloadAccess() throws IOException, InterruptedException {
        int n = rotation.incrementAndGet();
        writeAccess(n);
        int before = reloads.get();
        String how;
        if (n % 2 == 1) { // the admin API answers once the policy is in place; SIGHUP only logs it
            HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/access/reload"))
                    .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(20)).build();
            HttpResponse<String> r = admin.send(post, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("POST /access/reload answered " + r.statusCode() + ": " + r.body());
            }
            return "POST /access/reload: 200 " + r.body().trim() + " (rotation " + n + ")";
        } else {
            Cli.signal(process.pid(), "HUP");
            how = "SIGHUP";
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (reloads.get() == before) {
            if (System.nanoTime() > deadline) {
                throw new IOException(how + ": the server did not log \"reloaded the access file\" within 20 s");
            }
            Thread.sleep(50); // polling the log watcher's counter: no event to wait on across processes
        }
        return how + " (rotation " + n + ")";
    }

    /** Cluster hook: restart one node; not possible with one node. */
    String restartNode() {
        throw new UnsupportedOperationException("restart a node: needs --nodes > 1 (cluster, not on this branch)");
    }

    /** Cluster hook: drain one node; not possible with one node. */
    String drainNode() {
        throw new UnsupportedOperationException("drain a node: needs --nodes > 1 (cluster, not on this branch)");
    }

    /** The names of the agents the server holds now, from {@code GET /connections}. */
    String connections() throws IOException, InterruptedException {
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/connections"))
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
        if (process != null) {
            Cli.stop(process);
        }
    }
}
