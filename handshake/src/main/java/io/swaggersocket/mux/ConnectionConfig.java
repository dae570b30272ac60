package io.swaggersocket.mux;

import io.swaggersocket.handshake.Settings;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * How one end runs its connections: the settings it proposes in the handshake, its timeouts and
 * the threads it uses. Immutable and thread-safe; build with {@link #builder()}.
 *
 * <p>Defaults: the {@linkplain Settings#DEFAULT default settings} (64 KiB frames, 256 KiB stream
 * window, 16 MiB connection window, 256 concurrent streams each way, 64 KiB message heads, a ping
 * after 15 s of silence and the peer declared dead after 28 s, so a dead or half-open peer is found
 * within 29 s); a 10 s handshake timeout; no request timeout (set one per call or here); a 30 s
 * grace period for {@link SocketConnection#close()}; handlers and body uploads on a shared cached
 * pool of daemon threads; timers on one shared daemon thread.
 */
public final class ConnectionConfig {
    /** One instance, so that every connection on the default clock shares its scheduler's heartbeat wheel. */
    private static final LongSupplier SYSTEM_NANOS = System::nanoTime;
    private static final ConnectionConfig DEFAULTS = builder().build();

    private final Settings settings;
    private final Duration handshakeTimeout;
    private final Duration requestTimeout;
    private final Duration shutdownGracePeriod;
    private final Executor executor;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier nanoClock;
    private final boolean upgrades;
    private final Duration continueTimeout;
    /** For tests: features this end does not offer, as a peer of an earlier revision would not. */
    private final java.util.List<String> withheld;

    private ConnectionConfig(Builder b) {
        settings = b.settings;
        handshakeTimeout = b.handshakeTimeout;
        requestTimeout = b.requestTimeout;
        shutdownGracePeriod = b.shutdownGracePeriod;
        executor = b.executor != null ? b.executor : SharedThreads.EXECUTOR;
        scheduler = b.scheduler != null ? b.scheduler : SharedThreads.SCHEDULER;
        nanoClock = b.nanoClock;
        upgrades = b.upgrades;
        continueTimeout = b.continueTimeout;
        withheld = b.withheld;
    }

    /** The configuration with every default. */
    public static ConnectionConfig defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.settings = settings;
        b.handshakeTimeout = handshakeTimeout;
        b.requestTimeout = requestTimeout;
        b.shutdownGracePeriod = shutdownGracePeriod;
        b.executor = executor;
        b.scheduler = scheduler;
        b.nanoClock = nanoClock;
        b.upgrades = upgrades;
        b.continueTimeout = continueTimeout;
        b.withheld = withheld;
        return b;
    }

    /** Whether this end offers HTTP upgrades over streams (the handshake feature {@code "upgrade"}). */
    public boolean upgrades() {
        return upgrades;
    }

    /**
     * How long a request with {@code Expect: 100-continue} waits for the peer's {@code 100} (or its
     * final answer) before it sends its body all the same; default 1 s (as curl waits).
     */
    public Duration continueTimeout() {
        return continueTimeout;
    }

    /** The features this end lists in its hello or welcome. */
    java.util.List<String> features() {
        java.util.List<String> offered = new java.util.ArrayList<>(io.swaggersocket.handshake.Protocol.FEATURES);
        if (!upgrades) {
            offered.remove(io.swaggersocket.handshake.Protocol.FEATURE_UPGRADE);
        }
        offered.removeAll(withheld);
        return offered;
    }

    /** The settings this end proposes; the connection uses the negotiated ones. */
    public Settings settings() {
        return settings;
    }

    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** The default deadline for a response head; {@link Duration#ZERO} means none. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    public Duration shutdownGracePeriod() {
        return shutdownGracePeriod;
    }

    /** Runs request handlers, asynchronous body uploads and completion of asynchronous calls. */
    public Executor executor() {
        return executor;
    }

    /**
     * Runs heartbeats and timeouts. The heartbeats of all connections that share a scheduler are
     * checked by one periodic task, not one task per connection.
     */
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** The monotonic clock of heartbeats, in nanoseconds: {@link System#nanoTime()} except in tests. */
    LongSupplier nanoClock() {
        return nanoClock;
    }

    /** Builds a {@link ConnectionConfig}; not thread-safe. */
    public static final class Builder {
        private Settings settings = Settings.DEFAULT;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ZERO;
        private Duration shutdownGracePeriod = Duration.ofSeconds(30);
        private Executor executor;
        private ScheduledExecutorService scheduler;
        private LongSupplier nanoClock = SYSTEM_NANOS;
        private boolean upgrades = true;
        private Duration continueTimeout = Duration.ofSeconds(1);
        private java.util.List<String> withheld = java.util.List.of();

        /** For tests: do not offer {@code feature}, as a peer of an earlier revision would not. */
        Builder withhold(String feature) {
            java.util.List<String> w = new java.util.ArrayList<>(withheld);
            w.add(feature);
            this.withheld = java.util.List.copyOf(w);
            return this;
        }

        private Builder() {
        }

        /** See {@link ConnectionConfig#continueTimeout()}; positive. */
        public Builder continueTimeout(Duration timeout) {
            this.continueTimeout = positive("continueTimeout", timeout);
            return this;
        }

        /**
         * Whether to offer HTTP upgrades over streams ({@link SocketConnection#upgrade}); default
         * true. A connection uses them only when both ends offer them; without, an upgrade request
         * from the peer reaches the handler as a plain request without its {@code Upgrade} header.
         */
        public Builder upgrades(boolean offered) {
            this.upgrades = offered;
            return this;
        }

        public Builder settings(Settings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        public Builder maxFrameSize(int bytes) {
            return settings(settings.withMaxFrameSize(bytes));
        }

        public Builder initialStreamWindow(int bytes) {
            return settings(settings.withInitialStreamWindow(bytes));
        }

        public Builder connectionWindow(int bytes) {
            return settings(settings.withConnectionWindow(bytes));
        }

        public Builder maxConcurrentStreams(int streams) {
            return settings(settings.withMaxConcurrentStreams(streams));
        }

        public Builder maxHeaderSize(int bytes) {
            return settings(settings.withMaxHeaderSize(bytes));
        }

        /** Ping after {@code interval} of silence; declare the peer dead after {@code timeout}. */
        public Builder heartbeat(Duration interval, Duration timeout) {
            return settings(settings.withHeartbeat(interval.toMillis(), timeout.toMillis()));
        }

        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive("handshakeTimeout", timeout);
            return this;
        }

        /** The default deadline for a response head; {@link Duration#ZERO} for none. */
        public Builder requestTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "requestTimeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("requestTimeout: " + timeout + " is negative");
            }
            this.requestTimeout = timeout;
            return this;
        }

        public Builder shutdownGracePeriod(Duration period) {
            this.shutdownGracePeriod = positive("shutdownGracePeriod", period);
            return this;
        }

        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** For tests: a clock to step together with a manual {@link #scheduler}. One instance per test. */
        Builder nanoClock(LongSupplier clock) {
            this.nanoClock = Objects.requireNonNull(clock, "nanoClock");
            return this;
        }

        public ConnectionConfig build() {
            return new ConnectionConfig(this);
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " is not positive");
            }
            return d;
        }
    }

    /** Threads shared by every connection that was not given its own. */
    private static final class SharedThreads {
        static final ExecutorService EXECUTOR = Executors.newCachedThreadPool(daemon("swaggersocket-worker-"));
        static final ScheduledExecutorService SCHEDULER = scheduler();

        private static ScheduledExecutorService scheduler() {
            ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, daemon("swaggersocket-timer-"));
            s.setRemoveOnCancelPolicy(true); // cancelled request timeouts must not pile up
            return s;
        }

        private static ThreadFactory daemon(String prefix) {
            AtomicInteger n = new AtomicInteger();
            return r -> {
                Thread t = new Thread(r, prefix + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
        }
    }
}
