package io.swaggersocket.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The client-compatible event filter language of Digital Rebar's event WebSocket, parsed once and
 * evaluated over Jackson trees: {@code And(terms)}, {@code Or(terms)}, {@code Not(term)} and
 * {@code FIELD=Op(...)} with {@code Exists()}, {@code Eq(v)}, {@code Ne(v)}, {@code Re(v)},
 * {@code In(v,...)}, {@code Nin(v,...)} and {@code Changed(from,to)}. FIELD is a dot path
 * ({@code Object.Tags.0}) or an RFC 6901 pointer ({@code /Object/Tags/0}); values are JSON. The
 * exact semantics are in docs/EVENTS.md. Immutable and thread-safe; usable on either side.
 *
 * <pre>{@code
 * EventFilter f = EventFilter.parse("And(Object.Name=Re(\"^edge-\"),Not(Object.Zone=In(\"eu\",\"us\")))");
 * boolean yes = f.test(eventAsJson);
 * }</pre>
 */
public final class EventFilter {
    /** Most characters a filter may have: a filter comes from a subscriber, so it is bounded. */
    public static final int MAX_LENGTH = 8192;
    /** Deepest nesting of And/Or/Not and of JSON values in a filter. */
    public static final int MAX_DEPTH = 32;
    /**
     * Most character reads one {@code Re} match may make before it counts as no match: a
     * backtracking pattern on a long value could otherwise hold a thread for minutes.
     */
    public static final long REGEX_BUDGET = 1_000_000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();

    private final String source;
    private final Term root;

    private EventFilter(String source, Term root) {
        this.source = source;
        this.root = root;
    }

    /**
     * Parses {@code filter}.
     *
     * @throws FilterSyntaxException naming the position (0-based) and what was expected there
     */
    public static EventFilter parse(String filter) {
        Objects.requireNonNull(filter, "filter");
        if (filter.length() > MAX_LENGTH) {
            throw new FilterSyntaxException(filter, MAX_LENGTH, "a filter of at most " + MAX_LENGTH + " characters");
        }
        Parser p = new Parser(filter);
        Term root = p.term(0);
        p.end();
        return new EventFilter(filter, root);
    }

    /** True if {@code value} (an event, or any JSON value) passes the filter. */
    public boolean test(JsonNode value) {
        return root.test(value == null ? JSON.nullNode() : value);
    }

    /** The filter as given. */
    @Override
    public String toString() {
        return source;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventFilter other && other.source.equals(source);
    }

    @Override
    public int hashCode() {
        return source.hashCode();
    }

    // ---------------------------------------------------------------------------------------------
    // Terms

    private interface Term {
        boolean test(JsonNode value);
    }

    private record And(List<Term> terms) implements Term {
        @Override
        public boolean test(JsonNode value) {
            for (Term t : terms) {
                if (!t.test(value)) {
                    return false; // left to right; the first miss stops
                }
            }
            return true;
        }
    }

    private record Or(List<Term> terms) implements Term {
        @Override
        public boolean test(JsonNode value) {
            for (Term t : terms) {
                if (t.test(value)) {
                    return true; // left to right; the first match stops
                }
            }
            return false;
        }
    }

    private record Not(Term term) implements Term {
        @Override
        public boolean test(JsonNode value) {
            return !term.test(value);
        }
    }

    private record Exists(Field field) implements Term {
        @Override
        public boolean test(JsonNode value) {
            return field.lookup(value) != null;
        }
    }

    private record In(Field field, List<JsonNode> values) implements Term {
        @Override
        public boolean test(JsonNode value) {
            JsonNode found = field.lookup(value);
            if (found == null) {
                return false;
            }
            for (JsonNode v : values) {
                if (same(found, v)) {
                    return true;
                }
            }
            return false;
        }
    }

    private record Re(Field field, Pattern pattern) implements Term {
        @Override
        public boolean test(JsonNode value) {
            JsonNode found = field.lookup(value);
            if (found == null || !found.isTextual()) {
                return false; // only strings match a pattern
            }
            try {
                return new BoundedRegex(REGEX_BUDGET).find(pattern, found.textValue(), REGEX_BUDGET);
            } catch (BoundedRegex.Exhausted e) {
                return false;
            }
        }
    }

    /** {@code Changed(from,to)}; either may be absent ({@code null}). */
    private record Changed(Field field, JsonNode from, JsonNode to) implements Term {
        @Override
        public boolean test(JsonNode value) {
            JsonNode object = value.get("Object");
            JsonNode original = value.get("Original");
            if (object == null || object.isNull() || original == null || original.isNull()) {
                // Not an event with both sides: true when no "to" is asked for, or the value is "to".
                if (to == null) {
                    return true;
                }
                JsonNode found = field.lookup(value);
                return found != null && same(found, to);
            }
            JsonNode before = field.lookup(original);
            JsonNode after = field.lookup(object);
            if (before == null || after == null || same(before, after)) {
                return false;
            }
            return (from == null || same(before, from)) && (to == null || same(after, to));
        }
    }

    /**
     * JSON equality: numbers by value (1 equals 1.0 and 1e0), strings, booleans and null as
     * themselves, arrays element by element in order, objects by the same keys with equal values.
     */
    static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.getNodeType() != b.getNodeType()) {
            return false;
        }
        if (a.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!same(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            Iterator<Map.Entry<String, JsonNode>> fields = a.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                JsonNode other = b.get(e.getKey());
                if (other == null || !same(e.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** Where a field is: the path's segments, each an object key or, on an array, an index. */
    private record Field(List<String> segments) {
        /** The value there, or {@code null} when there is none (a JSON null is a value). */
        JsonNode lookup(JsonNode value) {
            JsonNode at = value;
            for (String s : segments) {
                if (at.isObject()) {
                    at = at.get(s);
                } else if (at.isArray() && isIndex(s)) {
                    at = at.get(Integer.parseInt(s));
                } else {
                    return null;
                }
                if (at == null) {
                    return null;
                }
            }
            return at;
        }

        private static boolean isIndex(String s) {
            if (s.isEmpty() || s.length() > 9 || (s.length() > 1 && s.charAt(0) == '0')) {
                return false;
            }
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                    return false;
                }
            }
            return true;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Parsing

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        Term term(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("a filter nested at most " + MAX_DEPTH + " deep");
            }
            int start = pos;
            String word = word();
            if (peek() == '(' && (word.equals("And") || word.equals("Or") || word.equals("Not"))) {
                pos++;
                List<Term> terms = new ArrayList<>();
                if (peek() != ')') {
                    terms.add(term(depth + 1));
                    while (peek() == ',') {
                        pos++;
                        terms.add(term(depth + 1));
                    }
                }
                expect(')');
                return switch (word) {
                    case "And" -> new And(List.copyOf(terms));
                    case "Or" -> new Or(List.copyOf(terms));
                    default -> {
                        if (terms.size() != 1) {
                            pos = start;
                            throw error("Not(term) with exactly one term");
                        }
                        yield new Not(terms.get(0));
                    }
                };
            }
            pos = start;
            Field field = field();
            expect('=');
            int opAt = pos;
            String op = word();
            if (op.isEmpty()) {
                throw error("an operator: Exists, Eq, Ne, Re, In, Nin or Changed");
            }
            expect('(');
            Term t = switch (op) {
                case "Exists" -> new Exists(field);
                case "Eq" -> new In(field, List.of(value(depth)));
                case "Ne" -> new Not(new In(field, List.of(value(depth))));
                case "In" -> new In(field, values(depth));
                case "Nin" -> new Not(new In(field, values(depth)));
                case "Re" -> new Re(field, pattern(opAt));
                case "Changed" -> changed(field, depth);
                default -> {
                    pos = opAt;
                    throw error("an operator: Exists, Eq, Ne, Re, In, Nin or Changed");
                }
            };
            expect(')');
            return t;
        }

        private Changed changed(Field field, int depth) {
            JsonNode from = null;
            JsonNode to = null;
            if (peek() != ')') {
                if (peek() != ',') {
                    from = value(depth);
                }
                if (peek() == ',') {
                    pos++;
                    if (peek() != ')') {
                        to = value(depth);
                    }
                } else if (peek() != ')') {
                    throw error("',' or ')'");
                }
            }
            return new Changed(field, from, to);
        }

        private List<JsonNode> values(int depth) {
            List<JsonNode> values = new ArrayList<>();
            values.add(value(depth));
            while (peek() == ',') {
                pos++;
                values.add(value(depth));
            }
            return List.copyOf(values);
        }

        private Pattern pattern(int opAt) {
            int at = pos;
            JsonNode v = value(0);
            if (!v.isTextual()) {
                pos = at;
                throw error("a JSON string holding a regular expression");
            }
            try {
                return Pattern.compile(v.textValue());
            } catch (PatternSyntaxException e) {
                pos = at;
                throw error("a valid regular expression (" + e.getDescription() + " at index " + e.getIndex()
                        + " of the pattern)");
            }
        }

        /**
         * One JSON value starting here: its extent found by a scan that skips strings and counts
         * brackets (so that commas and parentheses inside it stay in it), then read by Jackson.
         */
        private JsonNode value(int depth) {
            int start = pos;
            if (start >= s.length() || s.charAt(start) == ',' || s.charAt(start) == ')') {
                throw error("a JSON value");
            }
            int nesting = 0;
            int i = start;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '"') {
                    i++;
                    while (i < s.length() && s.charAt(i) != '"') {
                        i += s.charAt(i) == '\\' ? 2 : 1;
                    }
                    if (i >= s.length()) {
                        pos = s.length();
                        throw error("the end of a JSON string");
                    }
                } else if (c == '[' || c == '{') {
                    if (++nesting + depth > MAX_DEPTH) {
                        pos = i;
                        throw error("JSON nested at most " + MAX_DEPTH + " deep");
                    }
                } else if (c == ']' || c == '}') {
                    nesting--;
                } else if (nesting == 0 && (c == ',' || c == ')')) {
                    break;
                }
                i++;
            }
            String text = s.substring(start, i).strip();
            try (JsonParser parser = FACTORY.createParser(text)) {
                JsonNode node = JSON.readTree(parser);
                if (node == null || parser.nextToken() != null) {
                    throw error("one JSON value");
                }
                pos = i;
                if (peek() != ',' && peek() != ')') {
                    throw error("',' or ')' after a JSON value");
                }
                return node;
            } catch (JsonProcessingException e) {
                throw error("a JSON value (" + e.getOriginalMessage() + ")");
            } catch (IOException e) {
                throw error("a JSON value");
            }
        }

        private Field field() {
            int start = pos;
            while (pos < s.length() && s.charAt(pos) != '=' && s.charAt(pos) != '(' && s.charAt(pos) != ')'
                    && s.charAt(pos) != ',') {
                pos++;
            }
            String text = s.substring(start, pos);
            if (text.isEmpty()) {
                pos = start;
                throw error("a field (a dot path such as Object.Name, or a JSON pointer such as /Object/Name),"
                        + " or And(, Or(, Not(");
            }
            List<String> segments = new ArrayList<>();
            if (text.startsWith("/")) {
                for (String raw : text.substring(1).split("/", -1)) {
                    if (raw.matches(".*~[^01].*|.*~$")) {
                        pos = start;
                        throw error("a JSON pointer whose ~ escapes are ~0 or ~1");
                    }
                    segments.add(raw.replace("~1", "/").replace("~0", "~"));
                }
            } else {
                for (String part : text.split("\\.", -1)) {
                    if (part.isEmpty()) {
                        pos = start;
                        throw error("a dot path without empty segments");
                    }
                    segments.add(part);
                }
            }
            return new Field(List.copyOf(segments));
        }

        private String word() {
            int start = pos;
            while (pos < s.length() && Character.isLetter(s.charAt(pos))) {
                pos++;
            }
            return s.substring(start, pos);
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        private void expect(char c) {
            if (peek() != c) {
                throw error("'" + c + "'");
            }
            pos++;
        }

        void end() {
            if (pos != s.length()) {
                throw error("the end of the filter");
            }
        }

        private FilterSyntaxException error(String expected) {
            return new FilterSyntaxException(s, pos, expected);
        }
    }
}
