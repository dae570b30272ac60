package io.swaggersocket.events;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * An event specifier of a {@code register} / {@code deregister} command:
 * {@code type.action.key} or {@code type.action.key.filter}. Each of type, action and key is
 * {@code *} (anything) or a comma-separated list of values; within a value {@code \1} stands for
 * {@code .}, {@code \2} for {@code ,} and {@code \3} for {@code *}, so that any string can be
 * named. Everything after the third {@code .} is an {@link EventFilter}. Immutable and
 * thread-safe; equal specifiers (the same text) match the same events, which is what a
 * {@code deregister} is checked against.
 */
public final class EventSpec {
    /** Most characters of a specifier, filter included. */
    public static final int MAX_LENGTH = EventFilter.MAX_LENGTH + 1024;

    private final String source;
    private final Set<String> types;
    private final Set<String> actions;
    private final Set<String> keys;
    /** Null when the specifier has none. */
    private final EventFilter filter;

    private EventSpec(String source, Set<String> types, Set<String> actions, Set<String> keys, EventFilter filter) {
        this.source = source;
        this.types = types;
        this.actions = actions;
        this.keys = keys;
        this.filter = filter;
    }

    /**
     * Parses a specifier.
     *
     * @throws FilterSyntaxException naming the position (in the specifier) and what was expected
     */
    public static EventSpec parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        if (spec.length() > MAX_LENGTH) {
            throw new FilterSyntaxException(spec, MAX_LENGTH, "a specifier of at most " + MAX_LENGTH + " characters");
        }
        int[] dots = new int[3];
        int found = 0;
        for (int i = 0; i < spec.length() && found < 3; i++) {
            if (spec.charAt(i) == '.') {
                dots[found++] = i;
            }
        }
        if (found < 2) {
            throw new FilterSyntaxException(spec, spec.length(), "type.action.key (two dots at least)");
        }
        int keyEnd = found == 3 ? dots[2] : spec.length();
        Set<String> types = field(spec, 0, dots[0], "type");
        Set<String> actions = field(spec, dots[0] + 1, dots[1], "action");
        Set<String> keys = field(spec, dots[1] + 1, keyEnd, "key");
        EventFilter filter = null;
        if (found == 3) {
            try {
                filter = EventFilter.parse(spec.substring(keyEnd + 1));
            } catch (FilterSyntaxException e) {
                throw new FilterSyntaxException(spec, keyEnd + 1 + e.position(), e.expected());
            }
        }
        return new EventSpec(spec, types, actions, keys, filter);
    }

    /** The set of allowed values, or {@code null} for {@code *}. */
    private static Set<String> field(String spec, int start, int end, String name) {
        String text = spec.substring(start, end);
        if (text.equals("*")) {
            return null;
        }
        List<String> values = new ArrayList<>();
        int at = start;
        for (String raw : text.split(",", -1)) {
            if (raw.isEmpty()) {
                throw new FilterSyntaxException(spec, at, "a " + name + " value or * (no empty values, no spaces)");
            }
            for (int i = 0; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (c == '*' || Character.isWhitespace(c)) {
                    throw new FilterSyntaxException(spec, at + i, "a " + name + " value without * or spaces"
                            + " (\\3 stands for a literal *)");
                }
                if (c == '\\' && (i + 1 >= raw.length() || "123".indexOf(raw.charAt(i + 1)) < 0)) {
                    throw new FilterSyntaxException(spec, at + i, "an escape \\1 (.), \\2 (,) or \\3 (*)");
                }
            }
            values.add(raw.replace("\\1", ".").replace("\\2", ",").replace("\\3", "*"));
            at += raw.length() + 1;
        }
        return Set.copyOf(values);
    }

    /**
     * True if {@code event} (an object with {@code Type}, {@code Action}, {@code Key} strings) is
     * one this specifier asks for: each named field among its values (or any, for {@code *}), and
     * the filter, if any, passes.
     */
    public boolean matches(JsonNode event) {
        return in(types, event, "Type") && in(actions, event, "Action") && in(keys, event, "Key")
                && (filter == null || filter.test(event));
    }

    private static boolean in(Set<String> allowed, JsonNode event, String field) {
        if (allowed == null) {
            return true;
        }
        JsonNode value = event == null ? null : event.get(field);
        return value != null && value.isTextual() && allowed.contains(value.textValue());
    }

    /** The specifier as given. */
    @Override
    public String toString() {
        return source;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventSpec other && other.source.equals(source);
    }

    @Override
    public int hashCode() {
        return source.hashCode();
    }
}
