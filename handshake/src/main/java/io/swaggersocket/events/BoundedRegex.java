package io.swaggersocket.events;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Not thread-safe, one per task: regular-expression searches over texts whose character reads are
 * counted, so that a pattern with catastrophic backtracking gives up after a bounded amount of work
 * instead of pinning a thread ({@code java.util.regex} reads its input only through
 * {@link CharSequence#charAt}). Each search has its own limit, and all the searches of one instance
 * share a total: a scan over many texts must not cost a full limit per text. The filter language's
 * {@code Re} runs on it ({@link EventFilter#REGEX_BUDGET} per match); so may any code that runs
 * regexes its users wrote.
 */
public final class BoundedRegex {
    private long left;

    /**
     * @param totalReads the character reads all searches of this instance may make together
     */
    public BoundedRegex(long totalReads) {
        if (totalReads < 0) {
            throw new IllegalArgumentException("totalReads: expected 0 or more but was " + totalReads);
        }
        this.left = totalReads;
    }

    /**
     * Whether {@code pattern} is found in {@code text} ({@link java.util.regex.Matcher#find}), reading
     * at most {@code maxReads} characters (and no more than this instance has left).
     *
     * @throws Exhausted when the search needed more reads than that; the reads it made are spent
     */
    public boolean find(Pattern pattern, String text, long maxReads) {
        Objects.requireNonNull(pattern, "pattern");
        long allowed = Math.min(maxReads, left);
        Counted counted = new Counted(text, new long[] {allowed});
        try {
            return pattern.matcher(counted).find();
        } finally {
            left -= allowed - Math.max(0, counted.left[0]);
        }
    }

    /** The character reads this instance has left. */
    public long left() {
        return left;
    }

    /** A search read more of its text than its limit allows. */
    public static final class Exhausted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Exhausted() {
            super("a regular expression read more characters than its limit allows", null, false, false);
        }
    }

    private static final class Counted implements CharSequence {
        private final String text;
        private final long[] left; // shared with the sub-sequences the matcher takes for groups

        Counted(String text, long[] left) {
            this.text = text;
            this.left = left;
        }

        @Override
        public char charAt(int index) {
            if (--left[0] < 0) {
                throw new Exhausted();
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Counted(text.substring(start, end), left);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
