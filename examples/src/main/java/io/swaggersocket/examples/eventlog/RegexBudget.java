package io.swaggersocket.examples.eventlog;

import io.swaggersocket.events.BoundedRegex;
import java.util.regex.Pattern;

/**
 * Not thread-safe, one per stream: runs regexes over texts whose character reads are counted, so
 * that a pattern with catastrophic backtracking gives up after a bounded amount of work instead of
 * pinning a thread (java.util.regex reads its input only through {@link CharSequence#charAt}). On
 * the filter language's {@link BoundedRegex}, with two limits: one per
 * match, and one for all the matches of a stream (a find over 100,000 events must not cost
 * 100,000 full budgets).
 */
final class RegexBudget {
    /** Character reads allowed for one regex on one event: a scan of the longest content, 15 times over. */
    static final long PER_MATCH = 1_000_000;
    /** Character reads allowed for all the regexes of one {@code find}: a few seconds of one core at worst. */
    static final long PER_FIND = 500_000_000;

    private final long perMatch;
    private final BoundedRegex regex;

    RegexBudget(long perMatch, long total) {
        this.perMatch = perMatch;
        this.regex = new BoundedRegex(total);
    }

    /** A budget for a live follower: each match is bounded; a follower only slows itself. */
    static RegexBudget perMatchOnly() {
        return new RegexBudget(PER_MATCH, Long.MAX_VALUE);
    }

    /** A budget for one find. */
    static RegexBudget forFind() {
        return new RegexBudget(PER_MATCH, PER_FIND);
    }

    /**
     * Whether {@code pattern} finds a match in {@code text}.
     *
     * @throws Exhausted when this match, or this stream, read more characters than allowed
     */
    boolean find(Pattern pattern, String text) {
        try {
            return regex.find(pattern, text, perMatch);
        } catch (BoundedRegex.Exhausted e) {
            throw new Exhausted();
        }
    }

    /** A regex read more of the text than its budget allows. */
    static final class Exhausted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Exhausted() {
            super("a regex ran out of its budget (" + PER_MATCH + " characters read on one event, "
                    + PER_FIND + " in one find): simplify it", null, false, false);
        }
    }
}
