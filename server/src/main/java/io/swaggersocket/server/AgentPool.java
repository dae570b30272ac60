package io.swaggersocket.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.swaggersocket.mux.SocketConnection;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live connections indexed by the {@code name} in their metadata, for the ingress, and who
 * owns each name. Thread-safe; lookups take no lock.
 *
 * <p>A name belongs to one owner (a principal's name) while any connection holds it or is in its
 * handshake with it: agents of one owner that share a name take its calls in turn; another owner
 * cannot claim the name until the last of them is gone. So agents of different principals never
 * share load, and a tenant cannot take over another's name.
 */
final class AgentPool {
    private static final class Group {
        final String owner;
        /** Connections holding the name: in their handshake or live. Changed only inside compute. */
        int claims;
        final CopyOnWriteArrayList<SocketConnection> members = new CopyOnWriteArrayList<>();
        final AtomicInteger next = new AtomicInteger();

        Group(String owner) {
            this.owner = owner;
        }
    }

    private final ConcurrentHashMap<String, Group> byName = new ConcurrentHashMap<>();

    /** The agent's name: the text of {@code name} in its metadata, or {@code null} when there is none. */
    static String nameOf(SocketConnection connection) {
        return nameOf(connection.metadata());
    }

    /** The text of {@code name} in hello metadata, or {@code null} when there is none. */
    static String nameOf(JsonNode metadata) {
        JsonNode name = metadata == null ? null : metadata.path("name");
        return name != null && name.isTextual() ? name.asText() : null;
    }

    /** The owner of {@code name} now, if any connection holds it. */
    Optional<String> owner(String name) {
        Group g = byName.get(name);
        return g == null ? Optional.empty() : Optional.of(g.owner);
    }

    /**
     * Claims {@code name} for one more connection of {@code owner}: true if the name was free or
     * is owner's already; false if another owner holds it. A true claim must be ended by
     * {@link #release} (handshake failed) or by {@link #add} and then {@link #remove}.
     */
    boolean claim(String name, String owner) {
        boolean[] ok = new boolean[1];
        byName.compute(name, (k, group) -> {
            Group g = group != null ? group : new Group(owner);
            if (g.owner.equals(owner)) {
                g.claims++;
                ok[0] = true;
            }
            return g;
        });
        return ok[0];
    }

    /** Ends a claim whose connection never joined (its handshake failed). */
    void release(String name) {
        byName.computeIfPresent(name, (k, group) -> --group.claims == 0 ? null : group);
    }

    /** A claimed connection becomes a member: the ingress can pick it. */
    void add(SocketConnection connection) {
        String name = nameOf(connection);
        if (name != null) {
            Group g = byName.get(name);
            if (g == null) {
                throw new IllegalStateException("agent name " + name + " was not claimed for " + connection);
            }
            g.members.add(connection);
        }
    }

    /** A member is gone: it leaves, and its claim ends. */
    void remove(SocketConnection connection) {
        String name = nameOf(connection);
        if (name != null) {
            byName.computeIfPresent(name, (k, group) -> {
                group.members.remove(connection);
                return --group.claims == 0 ? null : group;
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
        if (members.length == 0) {
            return Optional.empty();
        }
        int start = Math.floorMod(group.next.getAndIncrement(), members.length);
        for (int i = 0; i < members.length; i++) {
            SocketConnection c = (SocketConnection) members[(start + i) % members.length];
            if (c.isOpen()) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
