package io.swaggersocket.testing;

import java.time.Duration;

/**
 * The budget of every fuzz property run by {@link Fuzz}, read from system properties so that one
 * command switches between the short run of every build and the long run (see
 * {@code docs/FUZZING.md}):
 * <ul>
 *   <li>{@value #TRIES_PROPERTY}: tries per property, {@value #DEFAULT_TRIES} when unset or blank;
 *   <li>{@value #SEED_PROPERTY}: the seed, {@value #DEFAULT_SEED} when unset or blank so that every
 *       build fuzzes the same inputs; {@code random} for a new seed each run, printed once and
 *       named in every failure so that the run can be replayed with this property.
 * </ul>
 * Inputs are bounded in size by each property; on top of that, one try that takes longer than
 * {@link #MAX_TRY} fails the property, so a parser that hangs or turns quadratic on some input is
 * reported rather than blocking or slowing the build down. Thread-safe.
 */
public final class FuzzBudget {
    /** The system property that sets the tries per property. */
    public static final String TRIES_PROPERTY = "fuzz.tries";
    /** The system property that sets the seed, or {@code random}. */
    public static final String SEED_PROPERTY = "fuzz.seed";
    /** Tries per property in a normal build. */
    public static final int DEFAULT_TRIES = 1000;
    /** The seed of a normal build. */
    public static final String DEFAULT_SEED = "7340327156284012347";
    /** The most one try may take; generous, because only a runaway parser comes near it. */
    public static final Duration MAX_TRY = Duration.ofSeconds(10);

    private FuzzBudget() {
    }

    /** Tries per property: {@value #TRIES_PROPERTY}, or {@value #DEFAULT_TRIES}. */
    public static int tries() {
        String value = System.getProperty(TRIES_PROPERTY, "").trim();
        if (value.isEmpty()) {
            return DEFAULT_TRIES;
        }
        int tries;
        try {
            tries = Integer.parseInt(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(TRIES_PROPERTY + ": expected a positive integer but was \"" + value + "\"");
        }
        if (tries < 1) {
            throw new IllegalArgumentException(TRIES_PROPERTY + ": expected a positive integer but was " + tries);
        }
        return tries;
    }

    /**
     * The seed of this run: {@value #SEED_PROPERTY}, {@value #DEFAULT_SEED} when blank, or for
     * {@code random} one picked once per JVM and printed to standard output.
     */
    public static long seed() {
        String value = System.getProperty(SEED_PROPERTY, "").trim();
        if (value.isEmpty()) {
            return Long.parseLong(DEFAULT_SEED);
        }
        if (value.equals("random")) {
            return RandomSeed.SEED;
        }
        try {
            return Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SEED_PROPERTY + ": expected a long or \"random\" but was \"" + value + "\"");
        }
    }

    /** Picked on first use, so that all properties of one run share the seed a failure names. */
    private static final class RandomSeed {
        static final long SEED = new java.security.SecureRandom().nextLong();

        static {
            System.out.println("fuzz: " + SEED_PROPERTY + "=random picked -D" + SEED_PROPERTY + "=" + SEED);
        }
    }
}
