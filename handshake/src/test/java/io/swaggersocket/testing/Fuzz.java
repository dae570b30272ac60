package io.swaggersocket.testing;

import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A seeded fuzz runner for plain JUnit tests. {@link #check} runs {@link FuzzBudget#tries()} inputs
 * of one property, each made by a generator from its own {@link SplittableRandom}; the seeds come
 * from the run's seed ({@link FuzzBudget#seed()}) and the target, the calling test method, so that
 * every target fuzzes its own inputs and try {@code i} makes the same input whatever the number of
 * tries. A failure, an unexpected exception or a try that outlasts {@link FuzzBudget#MAX_TRY} fails
 * with an {@link AssertionError} that names the target, the seed, the try and the input, and the
 * command that replays it.
 *
 * <p>The tries run on a worker thread watched by the caller's thread, so a hang fails the test
 * instead of blocking the build (the runaway thread is a daemon, and is interrupted).
 *
 * <p>Also holds the few generator primitives the fuzz tests share: sizes and numbers biased to
 * their edges, as a property-based testing library would make them. Thread-safe: no shared state.
 */
public final class Fuzz {
    /** Makes one input from its own random source; must depend on nothing else. */
    @FunctionalInterface
    public interface Generator<T> {
        T next(SplittableRandom random);
    }

    /** What must hold for every input; throws (an {@link AssertionError} or any other) when it does not. */
    @FunctionalInterface
    public interface Property<T> {
        void check(T input) throws Exception;
    }

    /** Bytes of an input shown in a failure, as hex; the rest is counted. */
    static final int MAX_SHOWN_BYTES = 512;
    /** Chars of an input shown in a failure, escaped; the rest is counted. */
    static final int MAX_SHOWN_CHARS = 1024;

    private Fuzz() {
    }

    /**
     * Checks {@code property} on {@link FuzzBudget#tries()} inputs from {@code generator}. The target is
     * the calling method: call this from the test method itself.
     */
    public static <T> void check(Generator<? extends T> generator, Property<? super T> property) {
        StackWalker.StackFrame caller = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
                .walk(frames -> frames.filter(f -> f.getDeclaringClass() != Fuzz.class).findFirst()).orElseThrow();
        check(caller.getDeclaringClass(), caller.getMethodName(), generator, property);
    }

    /** Checks {@code property} for the target {@code testClass#method}, which the replay command selects. */
    public static <T> void check(Class<?> testClass, String method, Generator<? extends T> generator,
            Property<? super T> property) {
        new Run<>(testClass, method, FuzzBudget.seed(), FuzzBudget.tries(), FuzzBudget.MAX_TRY, generator, property)
                .execute();
    }

    /** As {@link #check(Class, String, Generator, Property)} with its own budget: for testing this class. */
    static <T> void check(Class<?> testClass, String method, long seed, int tries, Duration maxTry,
            Generator<? extends T> generator, Property<? super T> property) {
        new Run<>(testClass, method, seed, tries, maxTry, generator, property).execute();
    }

    // ---------------------------------------------------------------- the run

    private static final class Run<T> {
        private final Class<?> testClass;
        private final String method;
        private final long seed;
        private final int tries;
        private final Duration maxTry;
        private final Generator<? extends T> generator;
        private final Property<? super T> property;
        private final AtomicReference<AssertionError> failure = new AtomicReference<>();
        /** The try under way, for the watchdog; {@code null} before the first. */
        private volatile Try current;

        private record Try(int index, long seed, long startNanos) {
        }

        Run(Class<?> testClass, String method, long seed, int tries, Duration maxTry, Generator<? extends T> generator,
                Property<? super T> property) {
            this.testClass = testClass;
            this.method = method;
            this.seed = seed;
            this.tries = tries;
            this.maxTry = maxTry;
            this.generator = generator;
            this.property = property;
        }

        void execute() {
            Thread worker = new Thread(this::tries, "fuzz " + target());
            worker.setDaemon(true);
            worker.start();
            long maxTry = this.maxTry.toNanos();
            try {
                while (worker.isAlive()) {
                    Try now = current;
                    long waitNanos = now == null ? maxTry : now.startNanos + maxTry - System.nanoTime();
                    if (waitNanos <= 0 && worker.isAlive()) {
                        worker.interrupt();
                        throw failure(now.index, now.seed, regenerate(now.seed),
                                new AssertionError("one input: expected at most " + this.maxTry.toMillis()
                                        + " ms but it was still running after " + (System.nanoTime() - now.startNanos)
                                        / 1_000_000 + " ms (the worker thread was interrupted)"));
                    }
                    worker.join(Math.max(1, waitNanos / 1_000_000 + 1));
                }
            } catch (InterruptedException e) {
                worker.interrupt();
                Thread.currentThread().interrupt();
                throw new AssertionError(target() + ": interrupted while fuzzing", e);
            }
            AssertionError error = failure.get();
            if (error != null) {
                throw error;
            }
        }

        private void tries() {
            SplittableRandom seeds = new SplittableRandom(targetSeed());
            long maxTry = this.maxTry.toNanos();
            for (int i = 0; i < tries && !Thread.currentThread().isInterrupted(); i++) {
                long trySeed = seeds.nextLong();
                long start = System.nanoTime();
                current = new Try(i, trySeed, start);
                T input = null;
                try {
                    input = generator.next(new SplittableRandom(trySeed));
                    property.check(input);
                } catch (Throwable t) {
                    failure.set(failure(i, trySeed, input == null ? regenerate(trySeed) : input, t));
                    return;
                }
                long took = System.nanoTime() - start;
                if (took > maxTry) {
                    failure.set(failure(i, trySeed, regenerate(trySeed), new AssertionError("one input: expected at most "
                            + this.maxTry.toMillis() + " ms but it took " + took / 1_000_000 + " ms")));
                    return;
                }
            }
        }

        /** The input of a try again, for a failure message: generators depend on their random source only. */
        private Object regenerate(long trySeed) {
            try {
                return generator.next(new SplittableRandom(trySeed));
            } catch (Throwable t) {
                return "(the generator itself failed: " + t + ")";
            }
        }

        private AssertionError failure(int index, long trySeed, Object input, Throwable cause) {
            String message = target() + " failed at try " + index + " of " + tries + " (seed " + seed + ")\n"
                    + "  input: " + describe(input) + "\n"
                    + "  cause: " + cause + "\n"
                    + "  replay: " + replayCommand(index);
            return new AssertionError(message, cause);
        }

        private String target() {
            return testClass.getSimpleName() + "#" + method;
        }

        /** Every target its own inputs: the run's seed mixed with the target's name. */
        private long targetSeed() {
            String name = testClass.getName() + "#" + method;
            return new SplittableRandom(seed ^ (name.hashCode() * 0x9E3779B97F4A7C15L)).nextLong();
        }

        private String replayCommand(int index) {
            return "mvn -B test -pl " + module() + " -am -Dtest='" + target() + "' -Dsurefire.failIfNoSpecifiedTests=false"
                    + " -D" + FuzzBudget.SEED_PROPERTY + "=" + seed + " -D" + FuzzBudget.TRIES_PROPERTY + "=" + (index + 1);
        }

        /** The Maven module under test: surefire runs the tests in the module's directory. */
        private static String module() {
            String dir = System.getProperty("basedir", System.getProperty("user.dir", "."));
            Path name = Path.of(dir).toAbsolutePath().normalize().getFileName();
            return name == null ? "." : name.toString();
        }
    }

    // ---------------------------------------------------------------- describing inputs

    /**
     * An input as a failure shows it: bytes as hex, text as an escaped Java string literal (so lone
     * surrogates and control characters show), records component by component, both truncated.
     */
    public static String describe(Object input) {
        StringBuilder out = new StringBuilder();
        describe(input, out, 0);
        return out.toString();
    }

    private static void describe(Object input, StringBuilder out, int depth) {
        if (input == null) {
            out.append("null");
        } else if (input instanceof byte[] bytes) {
            int shown = Math.min(bytes.length, MAX_SHOWN_BYTES);
            out.append("byte[").append(bytes.length).append("] ").append(HexFormat.of().formatHex(bytes, 0, shown));
            if (shown < bytes.length) {
                out.append("... (").append(bytes.length - shown).append(" more bytes)");
            }
        } else if (input instanceof ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            describe(bytes, out, depth);
        } else if (input instanceof CharSequence text) {
            out.append("String(").append(text.length()).append(") ").append(escape(text));
        } else if (input instanceof Record record && depth < 4) {
            out.append(record.getClass().getSimpleName()).append('[');
            RecordComponent[] components = record.getClass().getRecordComponents();
            for (int i = 0; i < components.length; i++) {
                out.append(i == 0 ? "" : ", ").append(components[i].getName()).append('=');
                try {
                    components[i].getAccessor().setAccessible(true);
                    describe(components[i].getAccessor().invoke(record), out, depth + 1);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    out.append('?');
                }
            }
            out.append(']');
        } else if (input instanceof Collection<?> items && depth < 4) {
            out.append('[');
            int i = 0;
            for (Object item : items) {
                out.append(i++ == 0 ? "" : ", ");
                describe(item, out, depth + 1);
            }
            out.append(']');
        } else {
            String text = String.valueOf(input);
            out.append(text, 0, Math.min(text.length(), MAX_SHOWN_CHARS));
            if (text.length() > MAX_SHOWN_CHARS) {
                out.append("... (").append(text.length() - MAX_SHOWN_CHARS).append(" more chars)");
            }
        }
    }

    /** {@code text} as a Java string literal, at most {@link #MAX_SHOWN_CHARS} chars of it. */
    static String escape(CharSequence text) {
        int shown = Math.min(text.length(), MAX_SHOWN_CHARS);
        StringBuilder out = new StringBuilder(shown + 2).append('"');
        for (int i = 0; i < shown; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c >= 0x20 && c < 0x7f) {
                        out.append(c);
                    } else {
                        out.append(String.format("\\u%04x", (int) c));
                    }
                }
            }
        }
        out.append('"');
        if (shown < text.length()) {
            out.append("... (").append(text.length() - shown).append(" more chars)");
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- generator primitives

    /** A length in {@code [min, max]}: often {@code min}, {@code max} or short, otherwise uniform. */
    public static int size(SplittableRandom random, int min, int max) {
        return switch (random.nextInt(8)) {
            case 0 -> min;
            case 1 -> max;
            case 2, 3, 4 -> min + random.nextInt(Math.min(max - min, 16) + 1);
            default -> random.nextInt(min, max + 1);
        };
    }

    /** An int in {@code [min, max]}, one in four times one of its edges, otherwise uniform. */
    public static int between(SplittableRandom random, int min, int max) {
        if (random.nextInt(4) == 0) {
            long[] edges = {min, (long) min + 1, (long) max - 1, max, 0};
            long edge = edges[random.nextInt(edges.length)];
            return (int) Math.max(min, Math.min(max, edge));
        }
        return (int) random.nextLong(min, (long) max + 1);
    }

    /** A long in {@code [min, max]}, one in four times one of its edges, otherwise uniform. */
    public static long between(SplittableRandom random, long min, long max) {
        if (random.nextInt(4) == 0) {
            long[] edges = {min, min + 1, max - 1, max, 0};
            long edge = edges[random.nextInt(edges.length)];
            return Math.max(min, Math.min(max, edge));
        }
        if (max < Long.MAX_VALUE) {
            return random.nextLong(min, max + 1);
        }
        return min == Long.MIN_VALUE ? random.nextLong() : random.nextLong(min - 1, max) + 1;
    }

    /** Any int, one in four times an edge (0, ±1, the extremes). */
    public static int anyInt(SplittableRandom random) {
        return between(random, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** Random bytes, {@code [minLength, maxLength]} of them. */
    public static byte[] bytes(SplittableRandom random, int minLength, int maxLength) {
        byte[] out = new byte[size(random, minLength, maxLength)];
        random.nextBytes(out);
        return out;
    }

    /** A string of {@code [minLength, maxLength]} chars, each from {@code chars}. */
    public static String string(SplittableRandom random, String chars, int minLength, int maxLength) {
        char[] out = new char[size(random, minLength, maxLength)];
        for (int i = 0; i < out.length; i++) {
            out[i] = chars.charAt(random.nextInt(chars.length()));
        }
        return new String(out);
    }

    /** A string of {@code [minLength, maxLength]} chars, each any UTF-16 code unit, lone surrogates included. */
    public static String anyChars(SplittableRandom random, int minLength, int maxLength) {
        char[] out = new char[size(random, minLength, maxLength)];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (random.nextInt(4)) {
                case 0 -> (char) random.nextInt(0x80);
                case 1 -> (char) random.nextInt(0x20);
                default -> (char) random.nextInt(0x10000);
            };
        }
        return new String(out);
    }

    /** A list of {@code [min, max]} elements. */
    public static <T> List<T> list(SplittableRandom random, int min, int max, Generator<? extends T> element) {
        int n = size(random, min, max);
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(element.next(random));
        }
        return out;
    }

    /** One of {@code values}, uniformly. */
    @SafeVarargs
    public static <T> T pick(SplittableRandom random, T... values) {
        return values[random.nextInt(values.length)];
    }

    /** The value of one of {@code generators}, picked uniformly. */
    @SafeVarargs
    public static <T> T oneOf(SplittableRandom random, Generator<? extends T>... generators) {
        return generators[random.nextInt(generators.length)].next(random);
    }
}
