package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A plain WebSocket client of {@code /events}, the JDK's, with no project code: collects each text
 * message as JSON; {@link #next()} waits for the next one (10 s at most).
 */
final class EventsClient implements WebSocket.Listener, AutoCloseable {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    WebSocket socket;

    /** Opens {@code /events} with {@code query} (already encoded, may be empty) and an optional bearer token. */
    static EventsClient open(int port, String query, String token) throws Exception {
        EventsClient c = new EventsClient();
        WebSocket.Builder b = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        c.socket = b.buildAsync(URI.create("ws://127.0.0.1:" + port + "/events" + (query.isEmpty() ? "" : "?" + query)), c)
                .get(20, TimeUnit.SECONDS);
        return c;
    }

    static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The hello, which comes first. */
    JsonNode hello() throws Exception {
        JsonNode h = next();
        assertEquals("hello", h.path("Action").asText(), h.toString());
        return h;
    }

    JsonNode next() throws Exception {
        return JSON.readTree(nextText());
    }

    /** The next message as the server sent it: the load test reads thousands without a JSON parse each. */
    String nextText() throws InterruptedException {
        String n = messages.poll(20, TimeUnit.SECONDS);
        assertNotNull(n, "expected a message within 20 s");
        return n;
    }

    /** Sends a command and returns the answer, which must be the acknowledgement of {@code action}. */
    JsonNode command(String text, String action) throws Exception {
        socket.sendText(text, true).get(10, TimeUnit.SECONDS);
        JsonNode answer = next();
        assertEquals(action, answer.path("Action").asText(), answer.toString());
        return answer;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(Long.MAX_VALUE); // every message is copied at once: no need to pace the server
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            messages.add(partial.toString());
            partial.setLength(0);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        closed.completeExceptionally(new AssertionError("the server sent a binary frame"));
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.completeExceptionally(error);
    }

    @Override
    public void close() {
        socket.abort();
    }
}
