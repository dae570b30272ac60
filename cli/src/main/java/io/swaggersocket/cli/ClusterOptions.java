package io.swaggersocket.cli;

import io.swaggersocket.cluster.RedisAgentDirectory;
import io.swaggersocket.cluster.RedisEventBackend;
import io.swaggersocket.server.SocketServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Option;

/**
 * The {@code server} options of a cluster node (docs/SCALE-OUT.md), off unless
 * {@code --cluster-redis} is given. A picocli mixin, so that the environment and the config file
 * name them as the other options. Not thread-safe (filled by picocli).
 */
final class ClusterOptions {
    @Option(names = "--cluster-redis", paramLabel = "URI",
            description = "join a cluster whose agent directory is this Redis (redis://[password@]host:port[/db]); off by default")
    String redis;

    @Option(names = "--node-id", paramLabel = "ID", description = "this node's id in the cluster: 1 to 64 of A-Z a-z 0-9 . _ -")
    String nodeId;

    @Option(names = "--internal-listen", paramLabel = "HOST:PORT",
            description = "the internal listener other nodes forward calls to: a private or loopback address, never the public one")
    String internalListen;

    @Option(names = "--internal-advertise", paramLabel = "HOST:PORT",
            description = "where other nodes reach --internal-listen, when it binds 0.0.0.0 (default: --internal-listen)")
    String internalAdvertise;

    @Option(names = "--cluster-secret-file", paramLabel = "FILE",
            description = "the secret every node of the cluster shares (one word of at least 16 characters)")
    Path secretFile;

    @Option(names = "--drain-handoff", paramLabel = "SECONDS", defaultValue = "2",
            description = "on SIGTERM in a cluster: how long /healthz says draining before agents get GOAWAY (default 2)")
    int drainHandoff;

    /** A cluster node's settings, checked. */
    record Parsed(String redisUri, String nodeId, HostPort listen, String advertise, String secret, Duration handoff) {
        @Override
        public String toString() {
            return "Parsed[" + nodeId + " internal " + listen + "]"; // neither the secret nor the Redis password
        }
    }

    /**
     * The settings, or {@code null} without {@code --cluster-redis}.
     *
     * @throws UsageException naming the option missing or wrong
     */
    Parsed check() throws UsageException {
        if (redis == null) {
            if (nodeId != null || internalListen != null || internalAdvertise != null || secretFile != null) {
                throw new UsageException("--node-id, --internal-listen, --internal-advertise and --cluster-secret-file"
                        + " need --cluster-redis");
            }
            return null;
        }
        if (!redis.startsWith("redis://") && !redis.startsWith("rediss://")) {
            throw new UsageException("--cluster-redis: expected redis://HOST:PORT or rediss://HOST:PORT");
        }
        if (nodeId == null || internalListen == null || secretFile == null) {
            throw new UsageException("--cluster-redis needs --node-id, --internal-listen and --cluster-secret-file");
        }
        HostPort listen;
        try {
            listen = HostPort.parse(internalListen);
        } catch (UsageException e) {
            throw new UsageException(e.getMessage().replace("--listen", "--internal-listen"));
        }
        if (listen.port() == 0) {
            throw new UsageException("--internal-listen: expected a fixed port (other nodes are told it) but was 0");
        }
        String advertise = internalAdvertise != null ? internalAdvertise
                : (listen.host().contains(":") ? "[" + listen.host() + "]" : listen.host()) + ":" + listen.port();
        if (advertise.startsWith(HostPort.EVERY_INTERFACE + ":")) {
            throw new UsageException("--internal-listen binds every interface: say where other nodes reach it with"
                    + " --internal-advertise HOST:PORT");
        }
        String secret = Secrets.read("cluster-secret-file", secretFile);
        if (secret.getBytes(StandardCharsets.UTF_8).length < 16) {
            throw new UsageException("--cluster-secret-file: expected a secret of at least 16 characters");
        }
        if (drainHandoff < 0 || drainHandoff > 300) {
            throw new UsageException("--drain-handoff: expected seconds in [0, 300] but was " + drainHandoff);
        }
        return new Parsed(redis, nodeId, listen, advertise, secret, Duration.ofSeconds(drainHandoff));
    }

    /**
     * Connects the directory and puts it and the internal listener on {@code builder}; a name lost
     * to another principal while Redis was away closes this node's agents of that name.
     *
     * @throws IOException when Redis cannot be reached or a setting is refused
     */
    static Node apply(Parsed cluster, SocketServer.Builder builder, AtomicReference<SocketServer> server)
            throws IOException {
        RedisAgentDirectory directory;
        try {
            directory = RedisAgentDirectory.builder(cluster.redisUri()).nodeId(cluster.nodeId())
                    .internalAddress(cluster.advertise())
                    .onNameLost(name -> {
                        SocketServer s = server.get();
                        if (s != null) {
                            s.connectionsByMetadata(m -> name.equals(m.path("name").asText(null)))
                                    .forEach(c -> c.shutdownNow());
                        }
                    })
                    .build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IOException(e.getMessage(), e);
        }
        RedisEventBackend events;
        try {
            events = RedisEventBackend.builder(cluster.redisUri()).build(); // /events cluster-wide, same Redis
        } catch (IllegalArgumentException | IllegalStateException e) {
            directory.close();
            throw new IOException(e.getMessage(), e);
        }
        builder.agentDirectory(directory).eventBackend(events).internalListener(cluster.listen().host(),
                cluster.listen().port(), cluster.secret().getBytes(StandardCharsets.UTF_8));
        return new Node(directory, events);
    }

    /** A node's connections to Redis: the directory and the event log; closed after the server. */
    record Node(RedisAgentDirectory directory, RedisEventBackend events) implements AutoCloseable {
        @Override
        public void close() {
            events.close();
            directory.close();
        }
    }
}
