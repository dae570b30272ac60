package io.swaggersocket.examples;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.client.EventPublisher;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.events.Event;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.server.SocketServer;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client's {@link EventPublisher} against a real server (this module depends on both): an agent
 * publishes with one call and gets the sequence number; the server's refusal comes back as an
 * IOException with its status and reason. The server side is tested in the server module.
 */
@Timeout(60)
class EventPublisherTest {

    @Test
    void anAgentPublishesWithOneCallAndARefusalSaysWhy() throws Exception {
        try (SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).build()) {
            server.start();
            long before = server.publish(Event.builder("app", "start", "s").build());
            try (SocketClient agent = SocketClient.builder(server.uri()).metadata(Map.of("name", "edge")).build()) {
                SocketConnection connection = agent.connect();
                EventPublisher events = new EventPublisher(connection);
                long seq = events.publish(Event.builder("jobs", "done", "job-42")
                        .object(JsonNodeFactory.instance.objectNode().put("ok", true)).build());
                assertTrue(seq > before, seq + " after " + before);
                IOException refused = assertThrows(IOException.class,
                        () -> events.publish(Event.builder("connections", "create", "x").build()));
                assertTrue(refused.getMessage().startsWith("the server refused the event with 400: bad event: Type"),
                        refused.getMessage());
                // Not seq + 1: the server's own connections.create for this agent is published on
                // its event thread and may land between the two.
                long next = events.publish(Event.builder("jobs", "done", "job-43").agent("ignored").build());
                assertTrue(next > seq, "the server's own fields are left out of the body, not refused: " + next);
            }
        }
    }
}
