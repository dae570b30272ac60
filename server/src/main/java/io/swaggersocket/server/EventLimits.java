package io.swaggersocket.server;

import java.time.Duration;

/**
 * Immutable and thread-safe: the bounds of a {@link SocketServer}'s event hub and of its
 * {@code /events} subscribers (docs/EVENTS.md), so that no publisher, subscriber or stalled client
 * can make the server hold unbounded memory or wait. Build with {@link #builder()}; give it to
 * {@link SocketServer.Builder#eventLimits}.
 *
 * <table>
 * <caption>defaults</caption>
 * <tr><td>{@link #historySize}</td><td>10,000 events kept for {@code since} resumes</td></tr>
 * <tr><td>{@link #historyBytes}</td><td>32 MiB of event JSON kept at most (the oldest go first)</td></tr>
 * <tr><td>{@link #subscriberQueue}</td><td>1,024 events waiting for one subscriber; past it a {@code slow} gap</td></tr>
 * <tr><td>{@link #writeTimeout}</td><td>30 s: a subscriber whose socket takes no byte for that long is closed (4008)</td></tr>
 * <tr><td>{@link #maxSubscribers}</td><td>1,024 subscribers on the server; more: 429</td></tr>
 * <tr><td>{@link #maxSubscribersPerPrincipal}</td><td>64 subscribers per principal; more: 429</td></tr>
 * </table>
 */
public final class EventLimits {
    private static final EventLimits DEFAULTS = builder().build();

    private final int historySize;
    private final long historyBytes;
    private final int subscriberQueue;
    private final Duration writeTimeout;
    private final int maxSubscribers;
    private final int maxSubscribersPerPrincipal;

    private EventLimits(Builder b) {
        historySize = b.historySize;
        historyBytes = b.historyBytes;
        subscriberQueue = b.subscriberQueue;
        writeTimeout = b.writeTimeout;
        maxSubscribers = b.maxSubscribers;
        maxSubscribersPerPrincipal = b.maxSubscribersPerPrincipal;
    }

    /** Every default. */
    public static EventLimits defaults() {
        return DEFAULTS;
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** How many events the history keeps for {@code since} resumes; default 10,000. */
    public int historySize() {
        return historySize;
    }

    /** How many bytes of event JSON the history keeps at most; default 32 MiB. */
    public long historyBytes() {
        return historyBytes;
    }

    /** How many events may wait for one subscriber before it gets a {@code slow} gap; default 1,024. */
    public int subscriberQueue() {
        return subscriberQueue;
    }

    /** How long a subscriber's socket may take no byte while events wait before it is closed; default 30 s. */
    public Duration writeTimeout() {
        return writeTimeout;
    }

    /** The most {@code /events} subscribers at once; default 1,024. */
    public int maxSubscribers() {
        return maxSubscribers;
    }

    /** The most {@code /events} subscribers of one principal (anonymous callers count as one); default 64. */
    public int maxSubscribersPerPrincipal() {
        return maxSubscribersPerPrincipal;
    }

    @Override
    public String toString() {
        return "EventLimits[historySize=" + historySize + ", historyBytes=" + historyBytes + ", subscriberQueue="
                + subscriberQueue + ", writeTimeout=" + writeTimeout + ", maxSubscribers=" + maxSubscribers
                + ", maxSubscribersPerPrincipal=" + maxSubscribersPerPrincipal + "]";
    }

    /** Not thread-safe: sets limits, each checked at once with a message naming it. */
    public static final class Builder {
        private int historySize = 10_000;
        private long historyBytes = 32L * 1024 * 1024;
        private int subscriberQueue = 1024;
        private Duration writeTimeout = Duration.ofSeconds(30);
        private int maxSubscribers = 1024;
        private int maxSubscribersPerPrincipal = 64;

        private Builder() {
        }

        /** @throws IllegalArgumentException outside [1, 10,000,000] */
        public Builder historySize(int events) {
            this.historySize = (int) range("historySize", events, 1, 10_000_000);
            return this;
        }

        /** @throws IllegalArgumentException outside [1 KiB, 16 GiB] */
        public Builder historyBytes(long bytes) {
            this.historyBytes = range("historyBytes", bytes, 1024, 16L << 30);
            return this;
        }

        /** @throws IllegalArgumentException outside [1, 1,000,000] */
        public Builder subscriberQueue(int events) {
            this.subscriberQueue = (int) range("subscriberQueue", events, 1, 1_000_000);
            return this;
        }

        /** @throws IllegalArgumentException outside [10 ms, 1 day] */
        public Builder writeTimeout(Duration timeout) {
            java.util.Objects.requireNonNull(timeout, "writeTimeout");
            if (timeout.compareTo(Duration.ofMillis(10)) < 0 || timeout.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("writeTimeout: " + timeout + " is out of range [PT0.01S, PT24H]");
            }
            this.writeTimeout = timeout;
            return this;
        }

        /** @throws IllegalArgumentException outside [1, 1,000,000] */
        public Builder maxSubscribers(int max) {
            this.maxSubscribers = (int) range("maxSubscribers", max, 1, 1_000_000);
            return this;
        }

        /** @throws IllegalArgumentException outside [1, 1,000,000] */
        public Builder maxSubscribersPerPrincipal(int max) {
            this.maxSubscribersPerPrincipal = (int) range("maxSubscribersPerPrincipal", max, 1, 1_000_000);
            return this;
        }

        public EventLimits build() {
            return new EventLimits(this);
        }

        private static long range(String name, long value, long min, long max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + ": " + value + " is out of range [" + min + ", " + max + "]");
            }
            return value;
        }
    }
}
