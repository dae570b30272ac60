package io.swaggersocket.cluster;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.swaggersocket.server.AgentDirectory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Thread-safe: an {@link AgentDirectory} kept in one Redis, shared by every node of a cluster.
 *
 * <pre>{@code
 * RedisAgentDirectory directory = RedisAgentDirectory.builder("redis://10.0.0.9:6379")
 *         .nodeId("node-1").internalAddress("10.0.0.11:9444").build();   // connects, or throws
 * SocketServer server = SocketServer.builder().bind("0.0.0.0", 8443).agentDirectory(directory)...build();
 * ...
 * server.close();
 * directory.close();   // this node's entries and liveness key go: the others take over at once
 * }</pre>
 *
 * <p><b>What is kept.</b> For each agent name: its owner (a principal's name), which expires
 * {@link Builder#ownerGrace ownerGrace} (30 s) after the last refresh, and one entry per
 * connection ({@code node|connection}) that expires {@link Builder#entryTtl entryTtl} (6 s) after
 * its last refresh; for each node, a liveness key holding its internal address, which expires
 * {@code entryTtl} after its last heartbeat. A heartbeat every {@link Builder#heartbeat heartbeat}
 * (2 s) refreshes this node's key and every entry it holds. A claim, a lookup and a release are Lua
 * scripts ({@link DirectoryScripts}): atomic, on Redis time, and each drops the entries of nodes
 * whose liveness key is gone, so a node that dies stops counting within {@code entryTtl}, and one
 * that closes ({@link #close}) at once.
 *
 * <p><b>Name ownership.</b> A claim is granted when the name is free or its owner's; another owner
 * is refused while the name has live entries, and also during the owner's grace after its last
 * node died, so that no tenant can take a name while its agents move to another node. A release
 * of the last live entry frees the name at once, as on one node.
 *
 * <p><b>When Redis cannot be reached</b> (every command bounded by {@link Builder#commandTimeout
 * commandTimeout}, 1 s; commands fail at once while disconnected; Lettuce reconnects in the
 * background): claims answer {@link Claim#UNAVAILABLE} (new tunnels refused, 503, and retried by the
 * agents) rather than granted unchecked, since a name granted without the directory could be
 * another tenant's on another node; lookups answer {@link Lookup.State#UNAVAILABLE} (forwarded calls
 * get 503); agents already connected stay, and calls to an agent on the node that took the call go
 * on, since that node never asks Redis for them. The heartbeat keeps trying: when Redis is back it
 * writes this node's entries again (a Redis that lost its data is refilled within one heartbeat);
 * an entry whose name another owner took meanwhile is reported to {@link Builder#onNameLost}.
 */
public final class RedisAgentDirectory implements AgentDirectory {
    private static final System.Logger LOG = System.getLogger(RedisAgentDirectory.class.getName());
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final String nodeId;
    private final String internalAddress;
    private final String prefix;
    private final Duration heartbeat;
    private final Duration entryTtl;
    private final Duration ownerGrace;
    private final Duration commandTimeout;
    private final Duration startTimeout;
    private final Consumer<String> onNameLost;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final DirectoryScripts scripts = new DirectoryScripts();
    private final ScheduledExecutorService timer;
    /** This node's claims: connection id to name (and owner), refreshed by the heartbeat. */
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private record Held(String name, String owner) {
    }

    private RedisAgentDirectory(Builder b) {
        nodeId = b.nodeId;
        internalAddress = b.internalAddress;
        prefix = b.keyPrefix;
        heartbeat = b.heartbeat;
        entryTtl = b.entryTtl;
        ownerGrace = b.ownerGrace;
        commandTimeout = b.commandTimeout;
        startTimeout = b.startTimeout;
        onNameLost = b.onNameLost;
        RedisURI uri = RedisURI.create(b.redisUri);
        client = RedisStart.client(uri, commandTimeout);
        try {
            long startBy = RedisStart.deadline(startTimeout);
            connection = RedisStart.connect(client, startBy);
            connection.setTimeout(commandTimeout);
            RedisStart.retry(() -> {
                beat(); // the node is live before its first claim; a Redis still starting may drop it
                return null;
            }, startBy);
        } catch (RuntimeException e) {
            client.shutdown(Duration.ZERO, commandTimeout);
            throw new IllegalStateException("agent directory: cannot reach Redis at " + uri.getHost() + ":"
                    + uri.getPort() + ": " + e.getMessage(), e);
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "swaggersocket-directory-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        long every = heartbeat.toMillis();
        timer.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * A builder for the directory at {@code redisUri} ({@code redis://[password@]host:port[/db]},
     * {@code rediss://} for TLS, as Lettuce reads it).
     */
    public static Builder builder(String redisUri) {
        return new Builder(redisUri);
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    /** The internal listener's {@code host:port} this node announces. */
    public String internalAddress() {
        return internalAddress;
    }

    @Override
    public Claim claim(String name, String owner, String connectionId) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(owner, "owner");
        if (closed) {
            return Claim.UNAVAILABLE;
        }
        try {
            String result = runClaim(name, owner, connectionId);
            if ("G".equals(result)) {
                held.put(connectionId, new Held(name, owner));
                return Claim.GRANTED;
            }
            return Claim.TAKEN;
        } catch (RedisException e) {
            LOG.log(System.Logger.Level.WARNING, "agent directory: claim of \"{0}\" failed, refused: {1}", name,
                    e.getMessage());
            return Claim.UNAVAILABLE;
        }
    }

    private String runClaim(String name, String owner, String connectionId) {
        return scripts.run(connection.sync(), DirectoryScripts.CLAIM, ScriptOutputType.VALUE,
                new String[] {ownerKey(name), membersKey(name)}, owner, member(connectionId),
                Long.toString(entryTtl.toMillis()), Long.toString(ownerGrace.toMillis()), nodePrefix());
    }

    @Override
    public void release(String name, String connectionId) {
        if (held.remove(connectionId) == null || closed) {
            return; // never claimed here, or released already: the claim's close listeners may both call
        }
        releaseAsync(name, connectionId, "free");
    }

    @Override
    public void handOff(String name, String connectionId) {
        if (held.remove(connectionId) == null || closed) {
            return;
        }
        releaseAsync(name, connectionId, "keep");
    }

    private void releaseAsync(String name, String connectionId, String owner) {
        scripts.runAsync(connection.async(), DirectoryScripts.RELEASE, ScriptOutputType.STATUS,
                new String[] {ownerKey(name), membersKey(name)}, member(connectionId), nodePrefix(), owner)
                .whenComplete((ok, failure) -> {
                    if (failure != null) { // the entry expires on its own within entryTtl
                        LOG.log(System.Logger.Level.DEBUG, "agent directory: release of \"{0}\" failed: {1}", name,
                                failure.getMessage());
                    }
                });
    }

    @Override
    public Lookup locate(String name) {
        if (closed) {
            return Lookup.of(Lookup.State.UNAVAILABLE);
        }
        try {
            List<Object> out = scripts.run(connection.sync(), DirectoryScripts.LOCATE, ScriptOutputType.MULTI,
                    new String[] {ownerKey(name), membersKey(name)}, nodePrefix());
            Lookup.State state = Lookup.State.valueOf(String.valueOf(out.get(0)));
            List<Node> nodes = new ArrayList<>();
            for (int i = 1; i + 1 < out.size(); i += 2) {
                nodes.add(new Node(String.valueOf(out.get(i)), String.valueOf(out.get(i + 1))));
            }
            // Entries whose nodes all died between the prune and the address read: the name moves.
            return state == Lookup.State.HELD && nodes.isEmpty() ? Lookup.of(Lookup.State.MOVING)
                    : new Lookup(state, nodes);
        } catch (RedisException e) {
            LOG.log(System.Logger.Level.DEBUG, "agent directory: lookup of \"{0}\" failed: {1}", name, e.getMessage());
            return Lookup.of(Lookup.State.UNAVAILABLE);
        }
    }

    @Override
    public List<Node> nodes() {
        try {
            List<Object> out = scripts.run(connection.sync(), DirectoryScripts.NODES, ScriptOutputType.MULTI,
                    new String[] {prefix + "nodes"}, nodePrefix());
            List<Node> nodes = new ArrayList<>();
            for (int i = 0; i + 1 < out.size(); i += 2) {
                nodes.add(new Node(String.valueOf(out.get(i)), String.valueOf(out.get(i + 1))));
            }
            return nodes;
        } catch (RedisException e) {
            return List.of();
        }
    }

    /** How many claims this node holds now; for tests and metrics. */
    public int heldCount() {
        return held.size();
    }

    /**
     * Stops the heartbeat, removes this node's liveness key and its entries (the names then free or
     * move at once), and disconnects. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        try {
            var redis = connection.sync();
            for (Map.Entry<String, Held> e : held.entrySet()) {
                scripts.run(redis, DirectoryScripts.RELEASE, ScriptOutputType.STATUS,
                        new String[] {ownerKey(e.getValue().name()), membersKey(e.getValue().name())},
                        member(e.getKey()), nodePrefix(), "free");
            }
            redis.del(nodePrefix() + nodeId);
            redis.srem(prefix + "nodes", nodeId);
        } catch (RedisException e) { // the entries and the liveness key expire on their own
            LOG.log(System.Logger.Level.DEBUG, "agent directory: could not remove node {0} on close: {1}", nodeId,
                    e.getMessage());
        } finally {
            held.clear();
            connection.close();
            client.shutdown(Duration.ZERO, commandTimeout);
        }
    }

    @Override
    public String toString() {
        return "RedisAgentDirectory[" + nodeId + " at " + internalAddress + "]";
    }

    // ---------------------------------------------------------------------------------------------

    /** Connects, trying again (each try bounded by the command timeout) until {@code within} has passed. */
    private void beat() {
        var redis = connection.sync();
        redis.set(nodePrefix() + nodeId, internalAddress, SetArgs.Builder.px(entryTtl.toMillis()));
        redis.sadd(prefix + "nodes", nodeId);
    }

    /** On the timer: this node's key, then every entry it holds (pipelined), each bounded by the timeout. */
    private void heartbeat() {
        try {
            beat();
            List<CompletableFuture<Void>> pending = new ArrayList<>();
            for (Map.Entry<String, Held> e : held.entrySet()) {
                String id = e.getKey();
                Held h = e.getValue();
                pending.add(scripts.<String>runAsync(connection.async(), DirectoryScripts.CLAIM, ScriptOutputType.VALUE,
                        new String[] {ownerKey(h.name()), membersKey(h.name())}, h.owner(), member(id),
                        Long.toString(entryTtl.toMillis()), Long.toString(ownerGrace.toMillis()), nodePrefix())
                        .thenAccept(result -> {
                            if ("G".equals(result) && !held.containsKey(id)) {
                                releaseAsync(h.name(), id, "keep"); // released while this refresh was on its way
                            } else if ("T".equals(result) && held.remove(id, h)) {
                                LOG.log(System.Logger.Level.WARNING, "agent directory: \"{0}\" was taken by another "
                                        + "principal while this node could not reach Redis; connection {1} loses it",
                                        h.name(), id);
                                onNameLost.accept(h.name());
                            }
                        }).toCompletableFuture());
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                    .get(commandTimeout.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) { // Redis down: keep beating; the next beat writes everything again
            LOG.log(System.Logger.Level.WARNING, "agent directory: heartbeat of node {0} failed: {1}", nodeId,
                    e.getMessage());
        }
    }

    private String nodePrefix() {
        return prefix + "node:";
    }

    private String ownerKey(String name) {
        return prefix + "owner:" + name;
    }

    private String membersKey(String name) {
        return prefix + "members:" + name;
    }

    private String member(String connectionId) {
        return nodeId + "|" + connectionId;
    }

    /** Not thread-safe: configures a {@link RedisAgentDirectory}; {@link #build()} validates and connects. */
    public static final class Builder {
        private final String redisUri;
        private String nodeId;
        private String internalAddress;
        private String keyPrefix = "swaggersocket:";
        private Duration heartbeat = Duration.ofSeconds(2);
        private Duration entryTtl = Duration.ofSeconds(6);
        private Duration ownerGrace = Duration.ofSeconds(30);
        private Duration commandTimeout = Duration.ofSeconds(1);
        private Duration startTimeout = RedisStart.DEFAULT_TIMEOUT;
        private Consumer<String> onNameLost = name -> { };

        private Builder(String redisUri) {
            this.redisUri = Objects.requireNonNull(redisUri, "redisUri");
        }

        /** This node's id, unique in the cluster: 1 to 64 of {@code A-Z a-z 0-9 . _ -}. Required. */
        public Builder nodeId(String id) {
            this.nodeId = id;
            return this;
        }

        /** Where other nodes reach this node's internal listener, {@code host:port}. Required. */
        public Builder internalAddress(String hostPort) {
            this.internalAddress = hostPort;
            return this;
        }

        /** The prefix of every key; default {@code swaggersocket:}. One per cluster sharing a Redis. */
        public Builder keyPrefix(String prefix) {
            this.keyPrefix = Objects.requireNonNull(prefix, "keyPrefix");
            return this;
        }

        /** How often this node refreshes its key and entries; default 2 s. Below entryTtl / 2. */
        public Builder heartbeat(Duration every) {
            this.heartbeat = Objects.requireNonNull(every, "heartbeat");
            return this;
        }

        /** How long an entry and a node's liveness key last without a heartbeat; default 6 s. */
        public Builder entryTtl(Duration ttl) {
            this.entryTtl = Objects.requireNonNull(ttl, "entryTtl");
            return this;
        }

        /**
         * How long a name stays its owner's after its last entry is gone without a release (its node
         * died): no other principal may take it meanwhile; default 30 s. At least entryTtl.
         */
        public Builder ownerGrace(Duration grace) {
            this.ownerGrace = Objects.requireNonNull(grace, "ownerGrace");
            return this;
        }

        /** The bound on every Redis command and on each attempt to connect; default 1 s. */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = Objects.requireNonNull(timeout, "commandTimeout");
            return this;
        }

        /**
         * How long {@link #build()} keeps trying to connect and write this node's liveness key
         * before it gives up; default 15 s (a Redis starting beside the node, a loaded machine).
         */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout, "startTimeout");
            return this;
        }

        /**
         * Told (on the heartbeat's thread; must not block) the name of a connection of this node
         * whose claim another principal took while Redis was out of reach; the caller should
         * close the connections of that name. Default: only a WARNING in the log.
         */
        public Builder onNameLost(Consumer<String> listener) {
            this.onNameLost = Objects.requireNonNull(listener, "onNameLost");
            return this;
        }

        /**
         * Validates, connects to Redis and writes this node's liveness key.
         *
         * @throws IllegalArgumentException naming the value at fault
         * @throws IllegalStateException when Redis cannot be reached within startTimeout
         */
        public RedisAgentDirectory build() {
            if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
                throw new IllegalArgumentException("nodeId: expected 1 to 64 of A-Z a-z 0-9 . _ - but was "
                        + (nodeId == null ? "none" : "\"" + nodeId + "\""));
            }
            if (internalAddress == null || !internalAddress.matches("\\[?[^\\s\\]]+\\]?:\\d{1,5}")) {
                throw new IllegalArgumentException("internalAddress: expected host:port but was "
                        + (internalAddress == null ? "none" : "\"" + internalAddress + "\""));
            }
            positive("heartbeat", heartbeat);
            positive("commandTimeout", commandTimeout);
            positive("startTimeout", startTimeout);
            if (entryTtl.compareTo(heartbeat.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException("entryTtl: " + entryTtl + " is below twice the heartbeat ("
                        + heartbeat + "): one late beat would drop live entries");
            }
            if (ownerGrace.compareTo(entryTtl) < 0) {
                throw new IllegalArgumentException("ownerGrace: " + ownerGrace + " is below entryTtl (" + entryTtl + ")");
            }
            return new RedisAgentDirectory(this);
        }

        private static void positive(String what, Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + ": " + d + " is not positive");
            }
        }
    }
}
