package io.swaggersocket.cluster;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.swaggersocket.server.EventBackend;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Thread-safe: a shared {@link EventBackend} on one Redis stream, so that the {@code /events} of every
 * node of a cluster show one order of events (docs/EVENTS.md, "In a cluster"; docs/SCALE-OUT.md).
 *
 * <pre>{@code
 * RedisEventBackend events = RedisEventBackend.builder("redis://10.0.0.9:6379").build(); // connects, or throws
 * SocketServer server = SocketServer.builder()...eventBackend(events).build();
 * ...
 * server.close();
 * events.close();
 * }</pre>
 *
 * <p><b>What Redis holds</b> (under {@link Builder#keyPrefix}, {@code swaggersocket:} by default):
 * {@code events:epoch}, the id of the log's history, set by the first node that finds none;
 * {@code events:seq}, the last sequence number; {@code events}, a stream of entries with ids
 * {@code SEQ-0} and fields {@code e} (the epoch) and {@code j} (the event's JSON), trimmed to about
 * the hub's history size ({@code XADD MAXLEN ~}). An append is one Lua script (epoch check,
 * {@code INCR}, {@code XADD}): atomic, so the stream's order is the numbers' order. A Redis that
 * lost its data has no epoch: the next script sets a new one and numbers start again at 1.
 *
 * <p><b>Reading.</b> One thread per node ({@code swaggersocket-events-log}) reads the last entries
 * at start, then follows the stream with {@code XREAD BLOCK} {@link Builder#readBlock readBlock}
 * (1 s), checking the epoch on every round. When Redis cannot be reached it says so once to the hub
 * (subscribers get an {@code unavailable} gap), waits {@link Builder#commandTimeout commandTimeout}
 * between tries, and on its return goes on from the last entry it read: nothing still in the stream
 * is lost, trimmed entries become a gap.
 */
public final class RedisEventBackend implements EventBackend {
    private static final System.Logger LOG = System.getLogger(RedisEventBackend.class.getName());
    private static final int READ_BATCH = 512;

    /**
     * KEYS: epoch, stream, seq. ARGV[1]: a new epoch. Leaves the epoch in {@code e}, set (and the
     * log emptied) if there was none: the start of both scripts below.
     */
    private static final String ENSURE_EPOCH = """
            local e = redis.call('GET', KEYS[1])
            if not e then
              redis.call('SET', KEYS[1], ARGV[1])
              redis.call('DEL', KEYS[2], KEYS[3])
              e = ARGV[1]
            end
            """;
    /** KEYS: epoch, stream, seq. ARGV: a new epoch. The epoch. */
    private static final String EPOCH = ENSURE_EPOCH + "return e\n";
    /** KEYS: epoch, stream, seq. ARGV: a new epoch, json, max length. The entry's number. */
    private static final String APPEND = ENSURE_EPOCH + """
            local n = redis.call('INCR', KEYS[3])
            redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], n .. '-0', 'e', e, 'j', ARGV[2])
            return n
            """;

    private final Duration commandTimeout;
    private final Duration readBlock;
    private final String epochKey;
    private final String streamKey;
    private final String seqKey;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> commands;
    private final StatefulRedisConnection<String, String> reads;
    private final String firstEpoch;
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile int maxLength = 10_000;
    private volatile boolean closed;
    private Thread thread;
    // The reader thread's own.
    private Reader reader;
    private String epoch;
    private String lastId;
    private boolean failing;

    private RedisEventBackend(Builder b) {
        commandTimeout = b.commandTimeout;
        readBlock = b.readBlock;
        epochKey = b.keyPrefix + "events:epoch";
        streamKey = b.keyPrefix + "events";
        seqKey = b.keyPrefix + "events:seq";
        RedisURI uri = RedisURI.create(b.redisUri);
        // Each connection's own timeout: commands commandTimeout, blocking reads readBlock more.
        client = RedisStart.client(uri, commandTimeout);
        try {
            long startBy = RedisStart.deadline(b.startTimeout);
            commands = RedisStart.connect(client, startBy);
            commands.setTimeout(commandTimeout);
            reads = RedisStart.connect(client, startBy);
            reads.setTimeout(readBlock.plus(commandTimeout));
            firstEpoch = RedisStart.retry(this::ensureEpoch, startBy);
        } catch (RuntimeException e) {
            client.shutdown(Duration.ZERO, commandTimeout);
            throw new IllegalStateException("event backend: cannot reach Redis at " + uri.getHost() + ":"
                    + uri.getPort() + ": " + e.getMessage(), e);
        }
    }

    /** A builder for the log at {@code redisUri} ({@code redis://[password@]host:port[/db]}, {@code rediss://} for TLS). */
    public static Builder builder(String redisUri) {
        return new Builder(redisUri);
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public String epoch() {
        return firstEpoch;
    }

    private static String newEpoch() {
        byte[] id = new byte[8];
        new SecureRandom().nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    private String ensureEpoch() {
        return commands.sync().eval(EPOCH, ScriptOutputType.VALUE, new String[] {epochKey, streamKey, seqKey},
                newEpoch());
    }

    @Override
    public synchronized void start(Reader reader, int history) {
        if (this.reader != null) {
            throw new IllegalStateException("event backend: started already (one server per backend)");
        }
        this.reader = Objects.requireNonNull(reader, "reader");
        this.maxLength = Math.max(1, history);
        try {
            preload();
        } catch (RedisException e) {
            failed(e);
        }
        thread = new Thread(this::follow, "swaggersocket-events-log");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public CompletableFuture<Long> append(String json) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("event backend: closed"));
        }
        // Async commands on one connection go out in order: one node's events keep their order.
        return commands.async().<Long>eval(APPEND, ScriptOutputType.INTEGER, new String[] {epochKey, streamKey, seqKey},
                newEpoch(), json, Integer.toString(maxLength)).toCompletableFuture();
    }

    /** Reads the retained entries, oldest first (at most the history size). */
    private void preload() {
        epoch = ensureEpoch();
        List<StreamMessage<String, String>> last = new ArrayList<>(reads.sync().xrevrange(streamKey,
                Range.create("-", "+"), Limit.from(maxLength)));
        Collections.reverse(last);
        lastId = "0-0";
        deliver(last);
        failing = false;
    }

    private void follow() {
        while (!closed) {
            try {
                if (lastId == null) {
                    preload();
                    continue;
                }
                String now = ensureEpoch();
                if (!now.equals(epoch)) { // Redis lost its data: a new history, read from its start
                    epoch = now;
                    lastId = "0-0";
                }
                List<StreamMessage<String, String>> got = reads.sync().xread(
                        XReadArgs.Builder.block(readBlock.toMillis()).count(READ_BATCH),
                        XReadArgs.StreamOffset.from(streamKey, lastId));
                failing = false;
                deliver(got);
            } catch (RedisException | IllegalStateException e) {
                if (closed) {
                    return;
                }
                failed(e);
                try {
                    closing.await(commandTimeout.toMillis(), TimeUnit.MILLISECONDS); // bounded pause between tries
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void deliver(List<StreamMessage<String, String>> entries) {
        if (entries == null) {
            return;
        }
        for (StreamMessage<String, String> m : entries) {
            String e = m.getBody().get("e");
            String j = m.getBody().get("j");
            long n = Long.parseLong(m.getId().substring(0, m.getId().indexOf('-')));
            if (e == null || j == null) {
                lastId = m.getId();
                continue; // not written by a node: the hub sees the skipped number as a gap
            }
            if (!e.equals(epoch)) { // written after a new epoch began while this node read the old one
                epoch = e;
            }
            reader.entry(e, n, j);
            lastId = m.getId();
        }
    }

    private void failed(Exception e) {
        if (!failing) {
            failing = true;
            LOG.log(System.Logger.Level.WARNING, "event backend: Redis cannot be read: {0}", e.getMessage());
            reader.unavailable(e.getMessage());
        }
    }

    /** Stops the reader (within {@code readBlock} plus {@code commandTimeout}) and disconnects. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closing.countDown();
        reads.close(); // fails a blocked XREAD at once
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(readBlock.plus(commandTimeout).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        commands.close();
        client.shutdown(Duration.ZERO, commandTimeout);
    }

    /** Settings; {@link #build} connects. Not thread-safe. */
    public static final class Builder {
        private final String redisUri;
        private String keyPrefix = "swaggersocket:";
        private Duration commandTimeout = Duration.ofSeconds(1);
        private Duration readBlock = Duration.ofSeconds(1);
        private Duration startTimeout = RedisStart.DEFAULT_TIMEOUT;

        private Builder(String redisUri) {
            this.redisUri = Objects.requireNonNull(redisUri, "redisUri");
        }

        /**
         * How long {@link #build()} keeps trying to connect and read the epoch before it gives up;
         * default 15 s (a Redis starting beside the node, a loaded machine).
         */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = range("startTimeout", timeout, Duration.ZERO, Duration.ofMinutes(10));
            return this;
        }

        /** The prefix of every key; default {@code swaggersocket:} (the directory's, so one Redis serves one cluster). */
        public Builder keyPrefix(String prefix) {
            this.keyPrefix = Objects.requireNonNull(prefix, "keyPrefix");
            return this;
        }

        /** The bound of each command and of connecting; default 1 s, from 10 ms to 60 s. */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = range("commandTimeout", timeout, Duration.ofMillis(10), Duration.ofSeconds(60));
            return this;
        }

        /** How long one {@code XREAD} waits for new entries; default 1 s, from 10 ms to 60 s. */
        public Builder readBlock(Duration block) {
            this.readBlock = range("readBlock", block, Duration.ofMillis(10), Duration.ofSeconds(60));
            return this;
        }

        private static Duration range(String name, Duration d, Duration min, Duration max) {
            Objects.requireNonNull(d, name);
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + ": " + d + " is out of range [" + min + ", " + max + "]");
            }
            return d;
        }

        /** Connects and reads (or sets) the log's epoch; throws {@link IllegalStateException} if Redis cannot be reached. */
        public RedisEventBackend build() {
            return new RedisEventBackend(this);
        }
    }
}
