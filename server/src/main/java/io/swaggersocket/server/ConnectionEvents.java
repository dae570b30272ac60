package io.swaggersocket.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swaggersocket.events.Event;
import io.swaggersocket.mux.SocketConnection;
import java.security.Principal;
import java.util.Iterator;
import java.util.Map;

/**
 * Turns the server's connection events into the built-in {@code connections.create|delete|fail.<principal>}
 * events of the hub (docs/EVENTS.md), on the server's event thread. Thread-safe (stateless).
 */
final class ConnectionEvents implements ConnectionListener {
    /** The Key of connection events of agents that authenticated as nobody (an open server). */
    static final String ANONYMOUS = "anonymous";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final EventHub hub;

    ConnectionEvents(EventHub hub) {
        this.hub = hub;
    }

    @Override
    public void onEvent(ConnectionEvent event) {
        hub.publishLater(of(event)); // this is the event thread: never wait for a shared log here
    }

    static Event of(ConnectionEvent event) {
        SocketConnection c = event.connection();
        String principal = c.principal().map(Principal::getName).orElse(null);
        String action = switch (event.type()) {
            case RECEIVED -> "create";
            case CLOSED -> "delete";
            case FAILURE -> "fail";
        };
        ObjectNode object = JSON.objectNode();
        object.put("id", c.id());
        String name = AgentPool.nameOf(event.metadata());
        object.put("name", name);
        object.put("principal", principal);
        object.put("address", AdminHandler.address(c.remoteAddress()));
        object.set("metadata", event.metadata() == null ? JSON.nullNode() : event.metadata());
        switch (event.type()) {
            case CLOSED -> object.put("reason", "closed");
            case FAILURE -> object.put("reason", event.cause().getMessage());
            default -> { }
        }
        Event.Builder b = Event.builder("connections", action, principal == null || principal.isEmpty() ? ANONYMOUS
                : principal).principal(principal).agent(name).object(object);
        JsonNode metadata = event.metadata();
        if (metadata != null && metadata.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = metadata.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isTextual()) {
                    b.label(e.getKey(), e.getValue().asText());
                }
            }
        }
        return b.build();
    }
}
