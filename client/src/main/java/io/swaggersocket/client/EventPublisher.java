package io.swaggersocket.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swaggersocket.events.Event;
import io.swaggersocket.mux.SocketConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;

/**
 * Thread-safe: publishes events from an agent to its server's event stream, through the agent's
 * own tunnel ({@code POST /_swaggersocket/events}, docs/EVENTS.md). The server sets the event's
 * {@code Agent} (the connection's name), {@code Principal}, {@code Time}, {@code Seq} and
 * {@code Epoch}; the agent's principal needs a {@code publish} grant for its name.
 *
 * <pre>{@code
 * EventPublisher events = new EventPublisher(client.connect());
 * long seq = events.publish(Event.builder("jobs", "done", "job-42").object(result).build());
 * }</pre>
 */
public final class EventPublisher {
    /** How long one publish waits for the server's answer by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final String PATH = "/_swaggersocket/events";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SocketConnection connection;
    private final Duration timeout;

    /** Publishes over {@code connection}, each call waiting up to {@link #DEFAULT_TIMEOUT}. */
    public EventPublisher(SocketConnection connection) {
        this(connection, DEFAULT_TIMEOUT);
    }

    /** Publishes over {@code connection}, each call waiting up to {@code timeout} for the answer. */
    public EventPublisher(SocketConnection connection, Duration timeout) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * Publishes {@code event}: its type, action, key, labels, object and original (the server sets
     * the rest).
     *
     * @return the sequence number the server assigned
     * @throws IOException when the connection fails or times out, or the server refuses the event
     *         (the message holds its status and reason: 400 bad event or reserved type, 403 no publish
     *         grant, 413 over 64 KiB)
     */
    public long publish(Event event) throws IOException {
        ObjectNode body = event.toJson();
        for (String serverSide : new String[] {"Seq", "Epoch", "Time", "Agent", "Principal"}) {
            body.remove(serverSide);
        }
        try (ClassicHttpResponse response = connection.execute(ClassicRequestBuilder.post(PATH)
                .setEntity(new StringEntity(body.toString(), ContentType.APPLICATION_JSON)).build(), timeout)) {
            String text = response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity());
            if (response.getCode() != 202) {
                throw new IOException("the server refused the event with " + response.getCode() + ": " + reason(text));
            }
            JsonNode answer = JSON.readTree(text);
            if (answer == null || !answer.path("Seq").canConvertToLong()) {
                throw new IOException("expected {\"Seq\": N} from the server but was " + shorten(text));
            }
            return answer.path("Seq").asLong();
        } catch (org.apache.hc.core5.http.ParseException e) {
            throw new IOException("unreadable answer from the server: " + e.getMessage(), e);
        }
    }

    private static String reason(String text) {
        try {
            JsonNode node = JSON.readTree(text);
            if (node != null && node.path("error").isTextual()) {
                return node.path("error").asText();
            }
        } catch (IOException ignored) {
            // not JSON: say what it was
        }
        return shorten(text);
    }

    private static String shorten(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
