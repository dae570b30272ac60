package io.swaggersocket.events;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Docker-style event filters ({@code docker events --filter}, the {@code filters=} query of the
 * Docker and Hyper.sh events APIs), mapped onto the {@link EventFilter} language. Immutable and
 * thread-safe.
 *
 * <p>A filter is a map from key to values. Values of one key are ORed, keys are ANDed:
 *
 * <table>
 * <caption>keys</caption>
 * <tr><th>key</th><th>matches when</th></tr>
 * <tr><td>{@code name}, {@code container}</td><td>the event's {@code Agent} is the value
 * ({@code container} is another spelling of {@code name}: their values are ORed together)</td></tr>
 * <tr><td>{@code event}</td><td>{@code Action} is the value</td></tr>
 * <tr><td>{@code type}</td><td>{@code Type} is the value</td></tr>
 * <tr><td>{@code principal}</td><td>{@code Principal} is the value</td></tr>
 * <tr><td>{@code key}</td><td>{@code Key} is the value</td></tr>
 * <tr><td>{@code label}</td><td>{@code k}: the label {@code k} is present;
 * {@code k=v}: label {@code k} equals {@code v} (the first {@code =} separates them)</td></tr>
 * </table>
 *
 * <pre>{@code
 * DockerFilters f = DockerFilters.parse("{\"label\":{\"env=prod\":true},\"event\":[\"create\",\"delete\"]}");
 * f.filter();   // And(Or(/Labels/env=Eq("prod")),Action=In("create","delete"))
 * DockerFilters.fromArguments(List.of("label=env=prod", "event=create")).toJson();
 * }</pre>
 *
 * <p>The exact rules, and what is refused, are in docs/EVENTS.md ("Docker-style filters").
 */
public final class DockerFilters {
    /**
     * Most characters of the JSON text {@link #parse} takes, and of all the arguments
     * {@link #fromArguments} takes together: filters come from subscribers, so they are bounded.
     */
    public static final int MAX_LENGTH = 8192;

    /** The event field each key (other than {@code label}) compares; {@code container} is {@code name}. */
    private static final Map<String, String> FIELDS = Map.of(
            "name", "Agent", "event", "Action", "type", "Type", "principal", "Principal", "key", "Key");
    private static final String KNOWN = "container, event, key, label, name, principal, type";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final DockerFilters NONE = new DockerFilters(new TreeMap<>());

    /** Key to values, keys sorted, values in first-seen order without repeats. */
    private final Map<String, List<String>> values;
    private final EventFilter filter;

    private DockerFilters(TreeMap<String, Set<String>> byKey) {
        TreeMap<String, List<String>> copy = new TreeMap<>();
        byKey.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        this.values = Collections.unmodifiableMap(copy);
        String text = mapped(this.values);
        if (text.length() > EventFilter.MAX_LENGTH) {
            throw new IllegalArgumentException("filters: they map to a filter of " + text.length()
                    + " characters, more than " + EventFilter.MAX_LENGTH);
        }
        this.filter = EventFilter.parse(text);
    }

    /** No filter at all: every event passes. */
    public static DockerFilters none() {
        return NONE;
    }

    /**
     * Parses docker's JSON form: an object from key to values, each either a list of strings
     * ({@code {"label":["env=prod"]}}) or docker's map from value to {@code true}
     * ({@code {"label":{"env=prod":true}}}). An empty or blank text is no filter, as with docker.
     * A {@code false} in the map form is refused: docker reads it as {@code true}, which would
     * silently filter on a value its writer meant to leave out.
     *
     * @throws IllegalArgumentException naming the key and value at fault
     */
    public static DockerFilters parse(String json) {
        Objects.requireNonNull(json, "json");
        if (json.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("filters: " + json.length() + " characters, more than " + MAX_LENGTH);
        }
        if (json.isBlank()) {
            return NONE;
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("filters: not JSON: " + e.getOriginalMessage()
                    + " at character " + (e.getLocation() == null ? "?" : e.getLocation().getCharOffset()));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("filters: expected a JSON object such as {\"label\":[\"env=prod\"]} but was "
                    + (root == null ? "nothing" : kind(root)));
        }
        TreeMap<String, Set<String>> byKey = new TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            String key = key(e.getKey());
            JsonNode v = e.getValue();
            List<String> list = new ArrayList<>();
            if (v.isArray()) {
                for (JsonNode item : v) {
                    if (!item.isTextual()) {
                        throw new IllegalArgumentException("filters: " + quote(e.getKey())
                                + ": expected a list of strings but it holds " + kind(item));
                    }
                    list.add(item.textValue());
                }
            } else if (v.isObject()) {
                Iterator<Map.Entry<String, JsonNode>> entries = v.fields();
                while (entries.hasNext()) {
                    Map.Entry<String, JsonNode> item = entries.next();
                    if (!item.getValue().isBoolean()) {
                        throw new IllegalArgumentException("filters: " + quote(e.getKey()) + ": " + quote(item.getKey())
                                + ": expected true but was " + kind(item.getValue()));
                    }
                    if (!item.getValue().booleanValue()) {
                        throw new IllegalArgumentException("filters: " + quote(e.getKey()) + ": " + quote(item.getKey())
                                + ": false is not allowed (leave the value out instead)");
                    }
                    list.add(item.getKey());
                }
            } else {
                throw new IllegalArgumentException("filters: " + quote(e.getKey())
                        + ": expected a list of strings or an object of string to true but was " + kind(v));
            }
            if (list.isEmpty()) {
                throw new IllegalArgumentException("filters: " + quote(e.getKey()) + ": no values");
            }
            for (String value : list) {
                add(byKey, key, value);
            }
        }
        return byKey.isEmpty() ? NONE : new DockerFilters(byKey);
    }

    /**
     * Parses command-line filters, each {@code key=value} as {@code docker events --filter}
     * takes them: {@code name=edge-1}, {@code label=env}, {@code label=env=prod}.
     *
     * @throws IllegalArgumentException naming the argument at fault
     */
    public static DockerFilters fromArguments(List<String> arguments) {
        Objects.requireNonNull(arguments, "arguments");
        long total = 0;
        for (String a : arguments) {
            total += Objects.requireNonNull(a, "argument").length();
        }
        if (total > MAX_LENGTH) {
            throw new IllegalArgumentException("filters: " + total + " characters in all, more than " + MAX_LENGTH);
        }
        TreeMap<String, Set<String>> byKey = new TreeMap<>();
        for (String a : arguments) {
            int eq = a.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("filter " + quote(a) + ": expected key=value such as label=env=prod");
            }
            add(byKey, key(a.substring(0, eq)), a.substring(eq + 1));
        }
        return byKey.isEmpty() ? NONE : new DockerFilters(byKey);
    }

    /** Checks one value for its key and adds it (repeats are dropped: docker's values are a set). */
    private static void add(TreeMap<String, Set<String>> byKey, String key, String value) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException("filter " + key + ": the value is empty");
        }
        if (key.equals("label")) {
            int eq = value.indexOf('=');
            String name = eq < 0 ? value : value.substring(0, eq);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("filter label " + quote(value) + ": the label name is empty");
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                // The filter language ends a field at these characters and has no escape for them.
                if (c == '(' || c == ')' || c == ',' || Character.isISOControl(c)) {
                    throw new IllegalArgumentException("filter label " + quote(value)
                            + ": a label name may not hold '(', ')', ',' or control characters");
                }
            }
        }
        byKey.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(value);
    }

    /** The key as this class spells it ({@code container} is {@code name}), or an error naming it. */
    private static String key(String key) {
        if (key.equals("container")) {
            return "name";
        }
        if (key.equals("label") || FIELDS.containsKey(key)) {
            return key;
        }
        throw new IllegalArgumentException("filter key " + quote(key) + " is unknown; known keys: " + KNOWN);
    }

    /** The filter-language text for {@code values}; {@code And()} (true) when there are none. */
    private static String mapped(Map<String, List<String>> values) {
        List<String> terms = new ArrayList<>();
        values.forEach((key, vs) -> terms.add(key.equals("label") ? labels(vs) : field(FIELDS.get(key), vs)));
        return terms.size() == 1 ? terms.get(0) : "And(" + String.join(",", terms) + ")";
    }

    private static String field(String field, List<String> vs) {
        List<String> quoted = new ArrayList<>();
        for (String v : vs) {
            quoted.add(jsonString(v));
        }
        return field + (quoted.size() == 1 ? "=Eq(" : "=In(") + String.join(",", quoted) + ")";
    }

    private static String labels(List<String> vs) {
        List<String> terms = new ArrayList<>();
        for (String v : vs) {
            int eq = v.indexOf('=');
            String name = eq < 0 ? v : v.substring(0, eq);
            String pointer = "/Labels/" + name.replace("~", "~0").replace("/", "~1");
            terms.add(eq < 0 ? pointer + "=Exists()" : pointer + "=Eq(" + jsonString(v.substring(eq + 1)) + ")");
        }
        return "Or(" + String.join(",", terms) + ")";
    }

    private static String jsonString(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a String always serialises
        }
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> n.booleanValue() ? "true" : "false";
            case NULL -> "null";
            default -> n.getNodeType().toString().toLowerCase();
        };
    }

    /** A user's text in quotes, cut short: messages echo input, never all of it. */
    private static String quote(String s) {
        return "\"" + (s.length() > 64 ? s.substring(0, 64) + "..." : s) + "\"";
    }

    /** True when there is no filter: every event passes. */
    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** Key to values: keys sorted ({@code container} appears as {@code name}), values in first-seen order. */
    public Map<String, List<String>> values() {
        return values;
    }

    /** The filter in the {@link EventFilter} language; {@code And()} when there is none. */
    public EventFilter filter() {
        return filter;
    }

    /** True if {@code event} passes. */
    public boolean test(JsonNode event) {
        return filter.test(event);
    }

    /** Docker's JSON in the list form, {@code {"label":["env=prod"]}}; {@code {}} when there is none. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        values.forEach((k, vs) -> {
            ArrayNode list = root.putArray(k);
            vs.forEach(list::add);
        });
        return root.toString();
    }

    @Override
    public String toString() {
        return toJson();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DockerFilters other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }
}
