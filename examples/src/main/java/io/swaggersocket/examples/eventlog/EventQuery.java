package io.swaggersocket.examples.eventlog;

import io.swaggersocket.openapi.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Immutable and thread-safe: the filter of {@code find} and {@code live}. An event matches when
 * its timestamp is within [start, end] (either bound may be absent), every tag pattern finds a
 * match in at least one of its tags, and the content pattern finds a match in its content. Regexes
 * are evaluated with a budget ({@link RegexBudget}).
 *
 * @param start the earliest timestamp, or null
 * @param end the latest timestamp, or null
 * @param tags the tag patterns, all of which must match
 * @param content the content pattern, or null
 */
record EventQuery(Double start, Double end, List<Pattern> tags, Pattern content) {
    /** Matches every event. */
    static final EventQuery ALL = new EventQuery(null, null, List.of(), null);

    EventQuery {
        tags = List.copyOf(tags);
    }

    /**
     * The query of validated parameters, compiling the regexes.
     *
     * @throws ApiException 400 naming the parameter when a regex does not compile or start is after end
     */
    static EventQuery of(Double start, Double end, List<String> tags, String content) {
        if (start != null && end != null && start > end) {
            throw new ApiException(400, "start " + start + " is after end " + end);
        }
        List<Pattern> patterns = new ArrayList<>();
        if (tags != null) {
            for (String tag : tags) {
                patterns.add(compile("tag", tag));
            }
        }
        return new EventQuery(start, end, patterns, content == null ? null : compile("content", content));
    }

    private static Pattern compile(String parameter, String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            // getDescription and getIndex, not getMessage: the message spans lines with a caret drawing
            throw new ApiException(400, parameter + ": '" + regex + "' is not a valid regex: " + e.getDescription()
                    + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""));
        }
    }

    /** Whether the timestamp is within [start, end]. */
    boolean inTime(double timestamp) {
        return (start == null || timestamp >= start) && (end == null || timestamp <= end);
    }

    /**
     * Whether {@code event} matches.
     *
     * @throws RegexBudget.Exhausted when a regex ran out of budget on this event
     */
    boolean matches(LoggedEvent event, RegexBudget budget) {
        if (!inTime(event.timestamp())) {
            return false;
        }
        for (Pattern tag : tags) {
            boolean found = false;
            for (String t : event.tags()) {
                if (budget.find(tag, t)) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
        return content == null || budget.find(content, event.content());
    }

    /** Whether any regex is evaluated: without one, the database's time range is the whole filter. */
    boolean hasRegex() {
        return !tags.isEmpty() || content != null;
    }
}
