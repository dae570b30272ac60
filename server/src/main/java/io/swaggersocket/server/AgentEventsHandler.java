package io.swaggersocket.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.events.Event;
import io.swaggersocket.mux.LayeredHandler;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.mux.StreamContext;
import java.io.IOException;
import java.io.InputStream;
import java.security.Principal;
import java.util.Iterator;
import java.util.Map;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * The server's side of every tunnel answers {@code POST /_swaggersocket/events} (docs/EVENTS.md,
 * Publishing) before the application's handler: an agent publishes an event, which the server
 * stamps with the agent's name and principal. Immutable and thread-safe; runs on the connection's
 * handler executor.
 */
final class AgentEventsHandler implements LayeredHandler {
    static final String PATH = "/_swaggersocket/events";
    /** The largest body accepted; an event is a notice, not a document. */
    static final int MAX_BODY = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpRequestHandler NO_HANDLER = (request, response, context) -> {
        response.setCode(503);
        response.setEntity(new StringEntity("no handler is served on this side of the connection",
                ContentType.TEXT_PLAIN));
    };

    private final EventHub hub;
    private final HttpRequestHandler application;

    AgentEventsHandler(EventHub hub, HttpRequestHandler application) {
        this.hub = hub;
        this.application = application;
    }

    @Override
    public LayeredHandler withApplication(HttpRequestHandler app) {
        return new AgentEventsHandler(hub, app);
    }

    @Override
    public void handle(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context)
            throws HttpException, IOException {
        String path = request.getPath();
        int q = path.indexOf('?');
        if (!(q < 0 ? path : path.substring(0, q)).equals(PATH)) {
            (application != null ? application : NO_HANDLER).handle(request, response, context);
            return;
        }
        if (!"POST".equals(request.getMethod())) {
            response.setHeader("Allow", "POST");
            answer(response, 405, "error", "expected POST on " + PATH + " but was " + request.getMethod());
            return;
        }
        SocketConnection connection = StreamContext.of(context).connection();
        String agent = AgentPool.nameOf(connection);
        Principal principal = connection.principal().orElse(null);
        if (!Grants.of(principal).mayPublish(agent)) {
            answer(response, 403, "error", AccessControl.who(principal) + " may not publish events as agent "
                    + (agent == null ? "(no name)" : "\"" + agent + "\"") + ": it needs a publish grant");
            return;
        }
        byte[] body = read(request.getEntity());
        if (body == null) {
            answer(response, 413, "error", "the event is over " + MAX_BODY + " bytes");
            return;
        }
        Event event;
        try {
            event = parse(JSON.readTree(body), connection, agent, principal);
        } catch (IOException | IllegalArgumentException e) {
            answer(response, 400, "error", "bad event: " + e.getMessage());
            return;
        }
        long seq = hub.publish(event);
        if (seq == 0) {
            answer(response, 503, "error", "the server is shutting down, or the cluster's event log cannot be reached");
            return;
        }
        response.setCode(202);
        response.setEntity(new StringEntity(JsonNodeFactory.instance.objectNode().put("Seq", seq).toString(),
                ContentType.APPLICATION_JSON));
    }

    private static Event parse(JsonNode node, SocketConnection connection, String agent, Principal principal) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("expected a JSON object {Type, Action, Key, Object, Original, Labels}");
        }
        for (String server : new String[] {"Seq", "Epoch", "Time", "Agent", "Principal"}) {
            if (node.has(server)) {
                throw new IllegalArgumentException(server + " is set by the server: leave it out");
            }
        }
        Event sent = Event.fromJson(node);
        if (sent.type().equals("connections") || sent.type().equals("websocket")) {
            throw new IllegalArgumentException("Type \"" + sent.type() + "\" is the server's own");
        }
        Event.Builder b = sent.toBuilder().agent(agent).principal(principal == null ? null : principal.getName());
        // The agent's hello metadata first, its own labels over them.
        JsonNode metadata = connection.metadata();
        Event.Builder labelled = Event.builder(sent.type(), sent.action(), sent.key());
        if (metadata != null && metadata.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = metadata.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isTextual()) {
                    labelled.label(e.getKey(), e.getValue().asText());
                }
            }
        }
        labelled.labels(sent.labels());
        return b.labels(labelled.build().labels()).build();
    }

    /** The body, or {@code null} when it is over {@link #MAX_BODY}. */
    private static byte[] read(HttpEntity entity) throws IOException {
        if (entity == null) {
            return new byte[0];
        }
        if (entity.getContentLength() > MAX_BODY) {
            return null;
        }
        try (InputStream in = entity.getContent()) {
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            return bytes.length > MAX_BODY ? null : bytes;
        }
    }

    private static void answer(ClassicHttpResponse response, int status, String field, String message) {
        response.setCode(status);
        response.setEntity(new StringEntity(JsonNodeFactory.instance.objectNode().put(field, message).toString(),
                ContentType.APPLICATION_JSON));
    }
}
