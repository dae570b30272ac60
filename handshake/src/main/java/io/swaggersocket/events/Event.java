package io.swaggersocket.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable and thread-safe: one event of an event stream (docs/EVENTS.md), as a server publishes it
 * and a client reads it from {@code /events}. Build one with {@link #builder(String, String, String)}
 * or change one with the {@code with...} methods; {@link #toJson()} and {@link #fromJson(JsonNode)}
 * convert to and from the wire form, whose member names are capitalised ({@code Type},
 * {@code Object}, ...).
 *
 * <p>{@code Seq} is 0 and {@code Epoch} null until a server assigns them; acknowledgement, hello,
 * error and gap events of {@code /events} never carry them. {@code Object} and {@code Original} are
 * Jackson trees: callers must not change a tree once it is in an event (it is not copied, so that
 * publishing a large object costs nothing).
 */
public final class Event {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final long seq;
    private final String epoch;
    private final Instant time;
    private final String type;
    private final String action;
    private final String key;
    private final String principal;
    private final String agent;
    private final Map<String, String> labels;
    private final JsonNode object;
    private final JsonNode original;

    private Event(Builder b) {
        if (b.seq < 0) {
            throw new IllegalArgumentException("seq: expected 0 (none) or more but was " + b.seq);
        }
        seq = b.seq;
        epoch = b.epoch;
        time = b.time;
        type = require("type", b.type);
        action = require("action", b.action);
        key = require("key", b.key);
        principal = b.principal;
        agent = b.agent;
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(b.labels));
        object = b.object;
        original = b.original;
    }

    private static String require(String name, String value) {
        Objects.requireNonNull(value, name);
        if (value.isEmpty()) {
            throw new IllegalArgumentException(name + ": expected a non-empty string but was \"\"");
        }
        return value;
    }

    /** A builder for an event of {@code type}, {@code action} and {@code key} (each non-empty). */
    public static Builder builder(String type, String action, String key) {
        Builder b = new Builder();
        b.type = type;
        b.action = action;
        b.key = key;
        return b;
    }

    /** A builder holding this event's fields. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.seq = seq;
        b.epoch = epoch;
        b.time = time;
        b.type = type;
        b.action = action;
        b.key = key;
        b.principal = principal;
        b.agent = agent;
        b.labels.putAll(labels);
        b.object = object;
        b.original = original;
        return b;
    }

    /** The server's sequence number, 1, 2, ... within one epoch; 0 when none was assigned. */
    public long seq() {
        return seq;
    }

    /** The id of the server's event history the sequence number belongs to; {@code null} when none. */
    public String epoch() {
        return epoch;
    }

    /** When it happened; {@code null} until a server stamps it. */
    public Instant time() {
        return time;
    }

    public String type() {
        return type;
    }

    public String action() {
        return action;
    }

    public String key() {
        return key;
    }

    /** Who caused it; {@code null} when unknown. */
    public String principal() {
        return principal;
    }

    /** The name of the agent the event is about; {@code null} for a server-wide event. */
    public String agent() {
        return agent;
    }

    /** String labels, in insertion order; empty when none. */
    public Map<String, String> labels() {
        return labels;
    }

    /** The object after the change; {@code null} when absent. */
    public JsonNode object() {
        return object;
    }

    /** The object before the change; {@code null} when absent. */
    public JsonNode original() {
        return original;
    }

    public Event withSeq(long seq, String epoch) {
        return toBuilder().seq(seq).epoch(epoch).build();
    }

    public Event withTime(Instant time) {
        return toBuilder().time(time).build();
    }

    public Event withAgent(String agent) {
        return toBuilder().agent(agent).build();
    }

    public Event withPrincipal(String principal) {
        return toBuilder().principal(principal).build();
    }

    /** The wire form: a JSON object with the capitalised members that are set (absent ones left out). */
    public ObjectNode toJson() {
        ObjectNode node = JSON.objectNode();
        if (seq > 0) {
            node.put("Seq", seq);
        }
        if (epoch != null) {
            node.put("Epoch", epoch);
        }
        if (time != null) {
            node.put("Time", time.toString());
        }
        node.put("Type", type);
        node.put("Action", action);
        node.put("Key", key);
        if (principal != null) {
            node.put("Principal", principal);
        }
        if (agent != null) {
            node.put("Agent", agent);
        }
        if (!labels.isEmpty()) {
            ObjectNode l = node.putObject("Labels");
            labels.forEach(l::put);
        }
        if (object != null) {
            node.set("Object", object);
        }
        if (original != null) {
            node.set("Original", original);
        }
        return node;
    }

    /**
     * Reads the wire form. Members other than the ones of {@link #toJson()} are ignored; a JSON
     * {@code null} member counts as absent.
     *
     * @throws IllegalArgumentException naming the member at fault: not an object, a missing or
     *         non-string Type, Action or Key, a Seq that is no non-negative integer, a Time that is
     *         no RFC 3339 instant, Labels that are not an object of strings
     */
    public static Event fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("event: expected a JSON object but was "
                    + (node == null ? "nothing" : node.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
        }
        Builder b = builder(text(node, "Type", true), text(node, "Action", true), text(node, "Key", true));
        JsonNode seq = present(node, "Seq");
        if (seq != null) {
            if (!seq.isIntegralNumber() || !seq.canConvertToLong() || seq.asLong() < 0) {
                throw new IllegalArgumentException("Seq: expected a non-negative integer but was " + seq);
            }
            b.seq(seq.asLong());
        }
        b.epoch(text(node, "Epoch", false));
        String time = text(node, "Time", false);
        if (time != null) {
            try {
                b.time(Instant.parse(time));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("Time: expected an RFC 3339 instant but was \"" + time + "\"");
            }
        }
        b.principal(text(node, "Principal", false));
        b.agent(text(node, "Agent", false));
        JsonNode labels = present(node, "Labels");
        if (labels != null) {
            if (!labels.isObject()) {
                throw new IllegalArgumentException("Labels: expected an object of strings but was " + labels.getNodeType());
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new IllegalArgumentException("Labels." + e.getKey() + ": expected a string but was " + e.getValue());
                }
                b.label(e.getKey(), e.getValue().asText());
            }
        }
        b.object(present(node, "Object"));
        b.original(present(node, "Original"));
        return b.build();
    }

    private static JsonNode present(JsonNode node, String name) {
        JsonNode v = node.get(name);
        return v == null || v.isNull() ? null : v;
    }

    private static String text(JsonNode node, String name, boolean required) {
        JsonNode v = present(node, name);
        if (v == null) {
            if (required) {
                throw new IllegalArgumentException(name + ": expected a string but it is missing");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(name + ": expected a string but was " + v);
        }
        return v.asText();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Event e && e.seq == seq && Objects.equals(e.epoch, epoch) && Objects.equals(e.time, time)
                && e.type.equals(type) && e.action.equals(action) && e.key.equals(key)
                && Objects.equals(e.principal, principal) && Objects.equals(e.agent, agent) && e.labels.equals(labels)
                && Objects.equals(e.object, object) && Objects.equals(e.original, original);
    }

    @Override
    public int hashCode() {
        return Objects.hash(seq, epoch, type, action, key, agent);
    }

    @Override
    public String toString() {
        return "Event[" + (seq > 0 ? seq + " " : "") + type + "." + action + "." + key + "]";
    }

    /** Not thread-safe: builds an {@link Event}; {@link #build()} may be called more than once. */
    public static final class Builder {
        private long seq;
        private String epoch;
        private Instant time;
        private String type;
        private String action;
        private String key;
        private String principal;
        private String agent;
        private final Map<String, String> labels = new LinkedHashMap<>();
        private JsonNode object;
        private JsonNode original;

        private Builder() {
        }

        public Builder seq(long seq) {
            this.seq = seq;
            return this;
        }

        public Builder epoch(String epoch) {
            this.epoch = epoch;
            return this;
        }

        public Builder time(Instant time) {
            this.time = time;
            return this;
        }

        public Builder principal(String principal) {
            this.principal = principal;
            return this;
        }

        public Builder agent(String agent) {
            this.agent = agent;
            return this;
        }

        /** Adds (or replaces) one label. */
        public Builder label(String name, String value) {
            labels.put(Objects.requireNonNull(name, "label name"), Objects.requireNonNull(value, "label " + name));
            return this;
        }

        /** Adds (or replaces) these labels. */
        public Builder labels(Map<String, String> labels) {
            labels.forEach(this::label);
            return this;
        }

        /** The object after the change; {@code null} for none (a JSON null counts as none too). */
        public Builder object(JsonNode object) {
            this.object = object == null || object.isNull() ? null : object;
            return this;
        }

        /** The object before the change; {@code null} for none. */
        public Builder original(JsonNode original) {
            this.original = original == null || original.isNull() ? null : original;
            return this;
        }

        /**
         * @throws IllegalArgumentException for an empty type, action or key, or a negative seq
         * @throws NullPointerException for a null type, action or key
         */
        public Event build() {
            return new Event(this);
        }
    }
}
