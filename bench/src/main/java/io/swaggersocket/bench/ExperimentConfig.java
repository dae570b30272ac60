package io.swaggersocket.bench;

import io.swaggersocket.mux.ConnectionConfig;

/**
 * Non-default connection settings for experiments, from system properties
 * {@code bench.streamWindow}, {@code bench.connectionWindow} and {@code bench.maxFrameSize}
 * (bytes), applied to both ends. Unset (the normal case), every run uses the defaults, and the
 * table says so when they are not.
 */
final class ExperimentConfig {
    private static final String[] KEYS = {"bench.streamWindow", "bench.connectionWindow", "bench.maxFrameSize"};

    private ExperimentConfig() {
    }

    static boolean isSet() {
        for (String k : KEYS) {
            if (System.getProperty(k) != null) {
                return true;
            }
        }
        return false;
    }

    static ConnectionConfig config() {
        ConnectionConfig.Builder b = ConnectionConfig.builder();
        if (System.getProperty("bench.streamWindow") != null) {
            b.initialStreamWindow(Integer.getInteger("bench.streamWindow"));
        }
        if (System.getProperty("bench.connectionWindow") != null) {
            b.connectionWindow(Integer.getInteger("bench.connectionWindow"));
        }
        if (System.getProperty("bench.maxFrameSize") != null) {
            b.maxFrameSize(Integer.getInteger("bench.maxFrameSize"));
        }
        return b.build();
    }

    static String describe() {
        StringBuilder sb = new StringBuilder();
        for (String k : KEYS) {
            if (System.getProperty(k) != null) {
                sb.append(k.substring(6)).append('=').append(System.getProperty(k)).append(' ');
            }
        }
        return sb.toString().trim();
    }

    /** The same properties as JVM flags, for a child JVM. */
    static String jvmFlags() {
        StringBuilder sb = new StringBuilder();
        for (String k : KEYS) {
            if (System.getProperty(k) != null) {
                sb.append("-D").append(k).append('=').append(System.getProperty(k)).append(' ');
            }
        }
        return sb.toString().trim();
    }
}
