package io.swaggersocket.bench.soak;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a cluster of the soak runs beside its nodes (docs/SCALE-OUT.md): a {@code redis-server}
 * without persistence as the agent directory, the shared secret of the internal listeners, and
 * HAProxy with deploy/haproxy.cfg's rules on loopback without TLS: the agent's name from
 * {@code /tunnel/NAME} or {@code /agents/NAME/} (else its {@code Swaggersocket-Agent} header),
 * {@code balance hash} on it, {@code hash-type consistent}, checks on {@code /healthz} every
 * 300 ms ({@code fall 1}: within the 1 s drain handoff), one retry on a refused connection. Needs
 * {@code redis-server} and {@code haproxy} on the PATH (or /usr/sbin). Not thread-safe: started
 * and closed by {@link ServerNodes}.
 */
final class ClusterRig implements AutoCloseable {
    /** Bound on Redis and HAProxy taking connections after they start. */
    private static final long START_SECONDS = 20;

    private final Path dir;
    private final int redisPort;
    private final Process redis;
    private final Path secretFile;
    /** SOAK_HAPROXY_LOG=1: HAProxy logs every request (httplog) to haproxy.log, to follow one call. */
    private static final boolean LOG = "1".equals(System.getenv("SOAK_HAPROXY_LOG"));
    private Process haproxy;
    private int balancerPort;

    private ClusterRig(Path dir, int redisPort, Process redis, Path secretFile) {
        this.dir = dir;
        this.redisPort = redisPort;
        this.redis = redis;
        this.secretFile = secretFile;
    }

    static ClusterRig start(Path dir) throws IOException, InterruptedException {
        int port = freePort();
        Process redis = new ProcessBuilder(binary("redis-server", "/usr/bin/redis-server"), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no").redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile()).start();
        awaitPort(port, redis, "redis-server", dir.resolve("redis.log"));
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        Path secretFile = dir.resolve("cluster.secret");
        Files.writeString(secretFile, HexFormat.of().formatHex(secret), StandardCharsets.UTF_8);
        return new ClusterRig(dir, port, redis, secretFile);
    }

    /** Starts HAProxy in front of the nodes' public ports. */
    void startBalancer(List<Integer> nodePorts) throws IOException, InterruptedException {
        balancerPort = freePort();
        StringBuilder cfg = new StringBuilder(String.join("\n",
                "global", "    maxconn 4000", LOG ? "    log stdout format raw local0" : "",
                "defaults", "    mode http", LOG ? "    log global\n    option httplog" : "", "    timeout connect 2s", "    timeout client 200s",
                "    timeout server 200s", "    timeout tunnel 1h", "    timeout http-request 10s",
                "    option http-server-close", "    option forwardfor",
                "frontend tunnels", "    bind 127.0.0.1:" + balancerPort,
                "    http-request set-var(txn.agent) path,field(3,/) if { path_beg /tunnel/ } || { path_beg /agents/ }",
                "    http-request set-var(txn.agent) req.hdr(swaggersocket-agent) unless { var(txn.agent) -m found }",
                "    default_backend nodes",
                "backend nodes", "    balance hash var(txn.agent)", "    hash-type consistent",
                "    option httpchk GET /healthz", "    http-check expect status 200",
                "    default-server inter 300ms fall 1 rise 1", "    retry-on conn-failure", "    retries 1", ""));
        for (int i = 0; i < nodePorts.size(); i++) {
            cfg.append("    server n").append(i + 1).append(" 127.0.0.1:").append(nodePorts.get(i)).append(" check\n");
        }
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, cfg, StandardCharsets.UTF_8);
        haproxy = new ProcessBuilder(binary("haproxy", "/usr/sbin/haproxy"), "-db", "-f", file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        awaitPort(balancerPort, haproxy, "haproxy", dir.resolve("haproxy.log"));
    }

    String redisUri() {
        return "redis://127.0.0.1:" + redisPort;
    }

    Path secretFile() {
        return secretFile;
    }

    int balancerPort() {
        return balancerPort;
    }

    private static String binary(String name, String usual) {
        return Files.isExecutable(Path.of(usual)) ? usual : name;
    }

    /** A port free now (the nodes need fixed ports: a restarted node must come back where HAProxy looks). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitPort(int port, Process p, String what, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (true) { // no event says another process listens: try its port, bounded
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !p.isAlive()) {
                    throw new IOException(what + " did not take connections on port " + port + " within "
                            + START_SECONDS + " s; see " + log, e);
                }
                Thread.sleep(50);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : new Process[] {haproxy, redis}) {
            if (p != null) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }
}
