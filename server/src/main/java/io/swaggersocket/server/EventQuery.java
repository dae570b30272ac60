package io.swaggersocket.server;

import io.swaggersocket.events.DockerFilters;
import io.swaggersocket.events.EventFilter;
import io.swaggersocket.events.EventSpec;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Immutable: the query of a {@code GET /events}, checked before any upgrade or response, so that a
 * bad one gets 400 with the reason: {@code register=SPEC} (repeatable), {@code filters=JSON},
 * {@code since=SEQ}, {@code epoch=EPOCH}, and {@code token} (read by the authenticator). Any other
 * parameter is an error too: a misspelt {@code sinse=} must not silently replay nothing.
 *
 * @param since the last sequence number the client has, or -1
 * @param epoch the epoch of {@code since}; {@code null} for the server's current one
 */
record EventQuery(List<EventSpec> specs, EventFilter filter, long since, String epoch) {
    private static final List<String> KNOWN = List.of("register", "filters", "since", "epoch", "token");

    /** Parses the query parameters; throws IllegalArgumentException naming the parameter at fault. */
    static EventQuery parse(Map<String, Deque<String>> query, long latest, String currentEpoch) {
        for (String name : query.keySet()) {
            if (!KNOWN.contains(name)) {
                throw new IllegalArgumentException("unknown query parameter \"" + shorten(name) + "\": expected "
                        + String.join(", ", KNOWN));
            }
        }
        List<EventSpec> specs = new ArrayList<>();
        for (String s : query.getOrDefault("register", new java.util.ArrayDeque<>())) {
            try {
                specs.add(EventSpec.parse(s));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("register: " + e.getMessage());
            }
        }
        EventFilter filter = null;
        String filters = single(query, "filters");
        if (filters != null) {
            filter = dockerFilter(filters);
        }
        String epoch = single(query, "epoch");
        String sinceText = single(query, "since");
        long since = -1;
        if (sinceText != null) {
            try {
                since = Long.parseLong(sinceText);
            } catch (NumberFormatException e) {
                since = -2;
            }
            if (since < 0) {
                throw new IllegalArgumentException("since: expected a sequence number (0 or more) but was \""
                        + shorten(sinceText) + "\"");
            }
            if ((epoch == null || epoch.equals(currentEpoch)) && since > latest) {
                throw new IllegalArgumentException("since: " + since + " is after the latest event of epoch "
                        + currentEpoch + ", " + latest);
            }
        } else if (epoch != null) {
            throw new IllegalArgumentException("epoch: expected since=SEQ with it");
        }
        return new EventQuery(List.copyOf(specs), filter, since, epoch);
    }

    /** A docker-style filter as the language's; {@code null} for an empty one ({@code {}} clears). */
    static EventFilter dockerFilter(String json) {
        DockerFilters f = DockerFilters.parse(json);
        return f.isEmpty() ? null : f.filter();
    }

    private static String single(Map<String, Deque<String>> query, String name) {
        Deque<String> values = query.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw new IllegalArgumentException(name + ": expected once but given " + values.size() + " times");
        }
        return values.getFirst();
    }

    private static String shorten(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
