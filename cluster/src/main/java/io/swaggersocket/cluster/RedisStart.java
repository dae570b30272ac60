package io.swaggersocket.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * How a node's Redis clients start: each attempt bounded by the command timeout, tried again until
 * the start deadline (default 15 s). A node and its Redis may start side by side, and on a loaded
 * machine a new JVM's first connection can take longer than one command timeout.
 */
final class RedisStart {
    /** How long a node keeps trying to reach Redis at start. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    private RedisStart() {
    }

    /**
     * A client of {@code uri} as every node's: it reconnects by itself, refuses commands at once
     * while disconnected (a caller waits {@code commandTimeout} at most, never in a queue), connects
     * within {@code commandTimeout}, and bounds each command by its connection's timeout, which is
     * {@code commandTimeout} unless the connection sets another (a blocking read's).
     */
    static RedisClient client(RedisURI uri, Duration commandTimeout) {
        uri.setTimeout(commandTimeout);
        RedisClient client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout).build())
                .timeoutOptions(TimeoutOptions.enabled())
                .build());
        return client;
    }

    /** A deadline {@code timeout} from now, in {@link System#nanoTime()}. */
    static long deadline(Duration timeout) {
        return System.nanoTime() + timeout.toNanos();
    }

    static StatefulRedisConnection<String, String> connect(RedisClient client, long deadline) {
        return retry(client::connect, deadline);
    }

    /** Runs {@code step} until it succeeds or {@code deadline} passes (then its last failure is thrown). */
    static <T> T retry(Supplier<T> step, long deadline) {
        while (true) {
            try {
                return step.get();
            } catch (RedisException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    TimeUnit.MILLISECONDS.sleep(100); // bounded by the deadline; Lettuce has no event for "reachable again"
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
