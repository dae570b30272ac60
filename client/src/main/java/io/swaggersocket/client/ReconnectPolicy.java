package io.swaggersocket.client;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.DoubleSupplier;

/**
 * Immutable and thread-safe: when a {@link SocketClient} reconnects after losing its connection,
 * by exponential backoff with jitter, reset after every successful connect. Build with
 * {@link #builder()}.
 *
 * <p>Defaults: the first attempt after a loss waits 1 s, each further one 1.6 times longer, up to
 * 30 s; every delay is spread by &plusmn;20 % so that agents dropped together do not return
 * together; unlimited attempts; a 401 or 403 from the server stops reconnecting.
 */
public final class ReconnectPolicy {
    private static final ReconnectPolicy DEFAULTS = builder().build();
    private static final ReconnectPolicy DISABLED = new ReconnectPolicy(builder(), false);

    private final boolean enabled;
    private final Duration initialDelay;
    private final double multiplier;
    private final Duration maxDelay;
    private final double jitter;
    private final int maxAttempts;
    private final boolean retryOnAuthFailure;

    private ReconnectPolicy(Builder b, boolean enabled) {
        this.enabled = enabled;
        this.initialDelay = b.initialDelay;
        this.multiplier = b.multiplier;
        this.maxDelay = b.maxDelay;
        this.jitter = b.jitter;
        this.maxAttempts = b.maxAttempts;
        this.retryOnAuthFailure = b.retryOnAuthFailure;
    }

    /** The policy with every default. */
    public static ReconnectPolicy defaults() {
        return DEFAULTS;
    }

    /** Never reconnects: a lost connection closes the client. */
    public static ReconnectPolicy disabled() {
        return DISABLED;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** False for {@link #disabled()}. */
    public boolean isEnabled() {
        return enabled;
    }

    /** The base delay before the first attempt after a loss. */
    public Duration initialDelay() {
        return initialDelay;
    }

    /** How much the base delay grows from one attempt to the next. */
    public double multiplier() {
        return multiplier;
    }

    /** The cap on the base delay; with jitter, a delay is at most {@code maxDelay * (1 + jitter)}. */
    public Duration maxDelay() {
        return maxDelay;
    }

    /** The spread of each delay around its base, as a fraction: 0.2 means &plusmn;20 %. */
    public double jitter() {
        return jitter;
    }

    /** How many attempts follow one loss before the client gives up; empty for no limit. */
    public OptionalInt maxAttempts() {
        return maxAttempts == 0 ? OptionalInt.empty() : OptionalInt.of(maxAttempts);
    }

    /** Whether a 401 or 403 answer is retried like any other failure instead of closing the client. */
    public boolean retryOnAuthFailure() {
        return retryOnAuthFailure;
    }

    /** True if attempt number {@code attempt} (counted from 1 after each loss) may be made. */
    public boolean allowsAttempt(int attempt) {
        return enabled && (maxAttempts == 0 || attempt <= maxAttempts);
    }

    /**
     * The delay before attempt number {@code attempt} (1 for the first attempt after a loss): a
     * pure function of its arguments. The base is {@code initialDelay * multiplier^(attempt - 1)},
     * capped at {@code maxDelay}; the delay is the base scaled by {@code 1 + jitter * (2r - 1)},
     * where {@code r} is the next value of {@code random} in [0, 1), rounded to the millisecond.
     *
     * @throws IllegalArgumentException if {@code attempt} is below 1 or {@code random} gives a value outside [0, 1]
     */
    public Duration delay(int attempt, DoubleSupplier random) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt: " + attempt + " is below 1");
        }
        double r = random.getAsDouble();
        if (!(r >= 0 && r <= 1)) {
            throw new IllegalArgumentException("random: " + r + " is out of range [0, 1]");
        }
        double maxNanos = maxDelay.toNanos();
        double base = Math.min(maxNanos, initialDelay.toNanos() * Math.pow(multiplier, attempt - 1));
        double jittered = base * (1 + jitter * (2 * r - 1));
        return Duration.ofMillis(Math.round(jittered / 1_000_000d));
    }

    @Override
    public String toString() {
        if (!enabled) {
            return "ReconnectPolicy[disabled]";
        }
        return "ReconnectPolicy[initialDelay=" + initialDelay + ", multiplier=" + multiplier + ", maxDelay=" + maxDelay
                + ", jitter=" + jitter + ", maxAttempts=" + (maxAttempts == 0 ? "unlimited" : maxAttempts)
                + ", retryOnAuthFailure=" + retryOnAuthFailure + "]";
    }

    /** Builds a {@link ReconnectPolicy}; not thread-safe. */
    public static final class Builder {
        private Duration initialDelay = Duration.ofSeconds(1);
        private double multiplier = 1.6;
        private Duration maxDelay = Duration.ofSeconds(30);
        private double jitter = 0.2;
        private int maxAttempts;
        private boolean retryOnAuthFailure;

        private Builder() {
        }

        /** The base delay before the first attempt after a loss; positive. Default 1 s. */
        public Builder initialDelay(Duration delay) {
            Objects.requireNonNull(delay, "initialDelay");
            if (delay.isNegative() || delay.isZero()) {
                throw new IllegalArgumentException("initialDelay: " + delay + " is not positive");
            }
            this.initialDelay = delay;
            return this;
        }

        /** The growth of the base delay per attempt; at least 1. Default 1.6. */
        public Builder multiplier(double multiplier) {
            if (!(multiplier >= 1 && multiplier <= 100)) {
                throw new IllegalArgumentException("multiplier: " + multiplier + " is out of range [1, 100]");
            }
            this.multiplier = multiplier;
            return this;
        }

        /** The cap on the base delay; at least initialDelay. Default 30 s. */
        public Builder maxDelay(Duration delay) {
            Objects.requireNonNull(delay, "maxDelay");
            if (delay.isNegative() || delay.isZero()) {
                throw new IllegalArgumentException("maxDelay: " + delay + " is not positive");
            }
            this.maxDelay = delay;
            return this;
        }

        /** The spread of each delay, a fraction in [0, 1). Default 0.2. */
        public Builder jitter(double jitter) {
            if (!(jitter >= 0 && jitter < 1)) {
                throw new IllegalArgumentException("jitter: " + jitter + " is out of range [0, 1)");
            }
            this.jitter = jitter;
            return this;
        }

        /** Gives up after {@code attempts} failed attempts in a row; at least 1. Default unlimited. */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts: " + attempts + " is below 1");
            }
            this.maxAttempts = attempts;
            return this;
        }

        /** Attempts without limit (the default). */
        public Builder unlimitedAttempts() {
            this.maxAttempts = 0;
            return this;
        }

        /** Whether a 401 or 403 is retried; default false, which closes the client. */
        public Builder retryOnAuthFailure(boolean retry) {
            this.retryOnAuthFailure = retry;
            return this;
        }

        /** @throws IllegalArgumentException if maxDelay is below initialDelay */
        public ReconnectPolicy build() {
            if (maxDelay.compareTo(initialDelay) < 0) {
                throw new IllegalArgumentException("maxDelay: " + maxDelay + " is below initialDelay " + initialDelay);
            }
            return new ReconnectPolicy(this, true);
        }
    }
}
