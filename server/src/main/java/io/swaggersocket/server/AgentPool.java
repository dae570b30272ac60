package io.swaggersocket.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.swaggersocket.mux.SocketConnection;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live connections indexed by the {@code name} in their metadata, for the ingress: several
 * agents with one name share its calls in turn. Thread-safe; lookups take no lock.
 */
final class AgentPool {
    private static final class Group {
        final CopyOnWriteArrayList<SocketConnection> members = new CopyOnWriteArrayList<>();
        final AtomicInteger next = new AtomicInteger();
    }

    private final ConcurrentHashMap<String, Group> byName = new ConcurrentHashMap<>();

    /** The agent's name: the text of {@code name} in its metadata, or {@code null} when there is none. */
    static String nameOf(SocketConnection connection) {
        JsonNode metadata = connection.metadata();
        JsonNode name = metadata == null ? null : metadata.path("name");
        return name != null && name.isTextual() ? name.asText() : null;
    }

    void add(SocketConnection connection) {
        String name = nameOf(connection);
        if (name != null) {
            byName.compute(name, (k, group) -> {
                Group g = group != null ? group : new Group();
                g.members.add(connection);
                return g;
            });
        }
    }

    void remove(SocketConnection connection) {
        String name = nameOf(connection);
        if (name != null) {
            byName.computeIfPresent(name, (k, group) -> {
                group.members.remove(connection);
                return group.members.isEmpty() ? null : group;
            });
        }
    }

    /**
     * The next agent named {@code name}, in turn, skipping connections that are closing (they
     * would refuse the call); empty when none is open.
     */
    Optional<SocketConnection> pick(String name) {
        Group group = byName.get(name);
        if (group == null) {
            return Optional.empty();
        }
        Object[] members = group.members.toArray();
        int start = Math.floorMod(group.next.getAndIncrement(), Math.max(1, members.length));
        for (int i = 0; i < members.length; i++) {
            SocketConnection c = (SocketConnection) members[(start + i) % members.length];
            if (c.isOpen()) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
