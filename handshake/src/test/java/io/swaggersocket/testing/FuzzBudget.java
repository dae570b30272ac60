package io.swaggersocket.testing;

import java.time.Duration;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.AroundTryHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import net.jqwik.api.lifecycle.TryExecutionResult;
import net.jqwik.api.lifecycle.TryExecutor;
import net.jqwik.api.lifecycle.TryLifecycleContext;
import java.util.List;

/**
 * The budget of every fuzz property, added with {@code @AddLifecycleHook(FuzzBudget.class)}.
 * Thread-safe: it holds no state of its own.
 *
 * <p>It sets the number of tries and the seed from system properties, so one command switches
 * between the short run of every build and the long run (see {@code docs/FUZZING.md}):
 * <ul>
 *   <li>{@value #TRIES_PROPERTY}: tries per property, {@value #DEFAULT_TRIES} when unset or blank;
 *   <li>{@value #SEED_PROPERTY}: the seed, {@value #DEFAULT_SEED} when unset or blank so that every
 *       build fuzzes the same inputs; {@code random} for a new seed each run (jqwik prints the seed
 *       of a failing run so it can be replayed with this property).
 * </ul>
 * Inputs are bounded in size by each property; on top of that, one try that takes longer than
 * {@link #MAX_TRY} fails the property, so a parser that turns quadratic on some input is reported
 * rather than slowing the build down.
 */
public final class FuzzBudget implements AroundPropertyHook, AroundTryHook {
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

    /** Added on a test class, the budget reaches every property in it. */
    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS;
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        context.attributes().setTries(tries());
        String seed = System.getProperty(SEED_PROPERTY, "").trim();
        if (seed.isEmpty()) {
            context.attributes().setSeed(DEFAULT_SEED);
        } else if (!seed.equals("random")) {
            context.attributes().setSeed(seed);
        }
        return property.execute();
    }

    @Override
    public TryExecutionResult aroundTry(TryLifecycleContext context, TryExecutor aTry, List<Object> parameters) {
        long start = System.nanoTime();
        TryExecutionResult result = aTry.execute(parameters);
        long took = System.nanoTime() - start;
        if (result.isSatisfied() && took > MAX_TRY.toNanos()) {
            return TryExecutionResult.falsified(new AssertionError("one input: expected at most " + MAX_TRY.toMillis()
                    + " ms but it took " + took / 1_000_000 + " ms"));
        }
        return result;
    }

    static int tries() {
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
}
