package io.swaggersocket.handshake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Connection settings exchanged in the handshake. Immutable and thread-safe.
 *
 * <p>The dialing side proposes its settings in hello, the accepting side answers in welcome with
 * the {@linkplain #negotiate(Settings) smaller} of each pair, and both ends then use those
 * values. All limits apply in both directions.
 *
 * @param maxFrameSize most DATA payload bytes in one frame, in [1024, 16777215]
 * @param initialStreamWindow DATA credit each new stream starts with, per direction, in [1024, 2147483647]
 * @param connectionWindow DATA credit of the whole connection, per direction, in [1024, 2147483647]
 * @param maxConcurrentStreams streams each side may have open at once, in [1, 1000000]
 * @param maxHeaderSize most bytes of one HTTP message head, in [1024, 16777215]
 * @param heartbeatIntervalMillis silence after which the dialer pings (PROTOCOL.md section 8), in [10, 86399999]
 * @param heartbeatTimeoutMillis silence after which the peer is dead, above the interval, at most 86400000
 */
public record Settings(
        int maxFrameSize,
        int initialStreamWindow,
        int connectionWindow,
        int maxConcurrentStreams,
        int maxHeaderSize,
        long heartbeatIntervalMillis,
        long heartbeatTimeoutMillis) {

    /**
     * The defaults: 64 KiB frames, 256 KiB stream and 16 MiB connection windows, 256 streams, 64 KiB
     * heads, 15 s / 28 s heartbeat (with the heartbeat's one-second checks, a dead peer is found
     * within 29 s, and an idle connection costs one ping and one pong every 15 s or so).
     */
    public static final Settings DEFAULT = new Settings(64 * 1024, 256 * 1024, 16 * 1024 * 1024, 256, 64 * 1024,
            15_000, 28_000);

    private static final long MAX_MILLIS = 86_400_000;

    public Settings {
        range("maxFrameSize", maxFrameSize, 1024, 16_777_215);
        range("initialStreamWindow", initialStreamWindow, 1024, Integer.MAX_VALUE);
        range("connectionWindow", connectionWindow, 1024, Integer.MAX_VALUE);
        range("maxConcurrentStreams", maxConcurrentStreams, 1, 1_000_000);
        range("maxHeaderSize", maxHeaderSize, 1024, 16_777_215);
        range("heartbeatIntervalMillis", heartbeatIntervalMillis, 10, MAX_MILLIS - 1);
        range("heartbeatTimeoutMillis", heartbeatTimeoutMillis, heartbeatIntervalMillis + 1, MAX_MILLIS);
    }

    /** The settings both ends use: the smaller value of each pair. */
    public Settings negotiate(Settings other) {
        return new Settings(
                Math.min(maxFrameSize, other.maxFrameSize),
                Math.min(initialStreamWindow, other.initialStreamWindow),
                Math.min(connectionWindow, other.connectionWindow),
                Math.min(maxConcurrentStreams, other.maxConcurrentStreams),
                Math.min(maxHeaderSize, other.maxHeaderSize),
                Math.min(heartbeatIntervalMillis, other.heartbeatIntervalMillis),
                Math.min(heartbeatTimeoutMillis, other.heartbeatTimeoutMillis));
    }

    public Settings withMaxFrameSize(int value) {
        return new Settings(value, initialStreamWindow, connectionWindow, maxConcurrentStreams, maxHeaderSize,
                heartbeatIntervalMillis, heartbeatTimeoutMillis);
    }

    public Settings withInitialStreamWindow(int value) {
        return new Settings(maxFrameSize, value, connectionWindow, maxConcurrentStreams, maxHeaderSize,
                heartbeatIntervalMillis, heartbeatTimeoutMillis);
    }

    public Settings withConnectionWindow(int value) {
        return new Settings(maxFrameSize, initialStreamWindow, value, maxConcurrentStreams, maxHeaderSize,
                heartbeatIntervalMillis, heartbeatTimeoutMillis);
    }

    public Settings withMaxConcurrentStreams(int value) {
        return new Settings(maxFrameSize, initialStreamWindow, connectionWindow, value, maxHeaderSize,
                heartbeatIntervalMillis, heartbeatTimeoutMillis);
    }

    public Settings withMaxHeaderSize(int value) {
        return new Settings(maxFrameSize, initialStreamWindow, connectionWindow, maxConcurrentStreams, value,
                heartbeatIntervalMillis, heartbeatTimeoutMillis);
    }

    public Settings withHeartbeat(long intervalMillis, long timeoutMillis) {
        return new Settings(maxFrameSize, initialStreamWindow, connectionWindow, maxConcurrentStreams, maxHeaderSize,
                intervalMillis, timeoutMillis);
    }

    ObjectNode toJson() {
        return Json.MAPPER.createObjectNode()
                .put("maxFrameSize", maxFrameSize)
                .put("initialStreamWindow", initialStreamWindow)
                .put("connectionWindow", connectionWindow)
                .put("maxConcurrentStreams", maxConcurrentStreams)
                .put("maxHeaderSize", maxHeaderSize)
                .put("heartbeatIntervalMillis", heartbeatIntervalMillis)
                .put("heartbeatTimeoutMillis", heartbeatTimeoutMillis);
    }

    static Settings fromJson(String message, JsonNode node) throws HandshakeException {
        JsonNode obj = Json.object(message, "settings", node);
        try {
            return new Settings(
                    Json.intField(message + ".settings", obj, "maxFrameSize"),
                    Json.intField(message + ".settings", obj, "initialStreamWindow"),
                    Json.intField(message + ".settings", obj, "connectionWindow"),
                    Json.intField(message + ".settings", obj, "maxConcurrentStreams"),
                    Json.intField(message + ".settings", obj, "maxHeaderSize"),
                    Json.longField(message + ".settings", obj, "heartbeatIntervalMillis"),
                    Json.longField(message + ".settings", obj, "heartbeatTimeoutMillis"));
        } catch (IllegalArgumentException e) {
            throw new HandshakeException(CloseCode.HANDSHAKE_MALFORMED, message + ".settings: " + e.getMessage());
        }
    }

    private static void range(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " is out of range [" + min + ", " + max + "]");
        }
    }
}
