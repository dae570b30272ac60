package io.swaggersocket.examples.eventlog;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.swaggersocket.mux.StreamContext;
import io.swaggersocket.mux.Upgrades;
import io.swaggersocket.openapi.ApiException;
import io.swaggersocket.openapi.OpenApiHandler;
import io.swaggersocket.openapi.OperationCall;
import io.swaggersocket.openapi.OperationResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Future;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Stateless: what an agent serves for an {@link EventLog}, {@code eventlog.yaml} (on the
 * classpath) bound by an {@link OpenApiHandler}, which routes and validates every request (the
 * WebSocket's included) before an operation sees it. {@code find} and {@code live} answer streamed
 * NDJSON; {@code liveSocket} accepts the WebSocket upgrade after validation, the one thing an
 * operation cannot do by itself (it does not hold the response), so the handler returned here
 * finishes the upgrade that the operation approved.
 */
public final class EventLogAgent {
    /** The classpath resource of the document both the agent and the generated client use. */
    public static final String SPEC_RESOURCE = "/eventlog.yaml";
    /** The largest JSON body (a batch of 10,000 events of about 400 bytes); larger ones answer 413. */
    public static final long MAX_BODY_BYTES = 8 * 1024 * 1024;

    /** Where an approved {@code liveSocket} leaves its session for {@link Upgrading}. */
    private static final String SESSION = EventLogAgent.class.getName() + ".session";
    private static final TypeReference<List<NewEvent>> BATCH = new TypeReference<>() { };
    private static final ObjectMapper LINES = JsonMapper.builder().build();

    private EventLogAgent() {
    }

    /** The OpenAPI document, as text. */
    public static String spec() {
        try (InputStream in = EventLogAgent.class.getResourceAsStream(SPEC_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(SPEC_RESOURCE + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A handler serving {@code log} under the document's base path {@code /log}: thread-safe, so
     * one handler may serve any number of connections. Each find and each live follow holds the
     * thread that runs it (the connection's handler thread) while it streams.
     */
    public static HttpRequestHandler handler(EventLog log) {
        OpenApiHandler api = OpenApiHandler.builder(spec())
                .maxBodyBytes(MAX_BODY_BYTES)
                .operation("send", call -> {
                    LoggedEvent stored = log.append(List.of(call.body(NewEvent.class))).get(0);
                    return OperationResult.status(201).body(stored);
                })
                .operation("sendBatch", call -> {
                    List<LoggedEvent> stored = log.append(call.body(BATCH));
                    return new BatchResult(stored.size(), stored.get(0).seq(), stored.get(stored.size() - 1).seq());
                })
                .operation("find", call -> {
                    EventQuery query = query(call);
                    boolean descending = "desc".equals(call.queryParam("order", String.class));
                    int limit = call.queryParam("limit", Integer.class);
                    FindStream find = new FindStream(log.store(), query, descending, limit);
                    return new NdjsonEntity(LINES, find::run, () -> { });
                })
                .operation("live", call -> {
                    Follower follower = log.hub().follow(query(call));
                    onCancel(call.context(), follower);
                    LiveStream live = new LiveStream(follower, log.heartbeat().toMillis());
                    return new NdjsonEntity(LINES, live::run, follower::close);
                })
                .operation("liveSocket", call -> {
                    Header asked = call.request().getFirstHeader("Upgrade");
                    String upgrade = asked == null ? null : asked.getValue();
                    if (!"websocket".equalsIgnoreCase(upgrade) || !Upgrades.isRequested(call.request())) {
                        throw new ApiException(426, "expected a WebSocket upgrade (Upgrade: websocket) but was "
                                + (upgrade == null ? "none" : "'" + upgrade + "'"));
                    }
                    EventQuery query = query(call);
                    Follower follower = log.hub().follow(query);
                    onCancel(call.context(), follower);
                    call.context().setAttribute(SESSION, new ApprovedSocket(follower,
                            (in, out) -> socket(log, follower, in, out)));
                    return OperationResult.status(101)
                            .header("Sec-WebSocket-Accept", WebSocketSession.accept(call.header("Sec-WebSocket-Key", String.class)));
                })
                .requireAllOperations(true)
                .build();
        return new Upgrading(api);
    }

    private static EventQuery query(OperationCall call) {
        @SuppressWarnings("unchecked")
        List<String> tags = (List<String>) call.queryParam("tag");
        return EventQuery.of(call.queryParam("start", Double.class), call.queryParam("end", Double.class), tags,
                call.queryParam("content", String.class));
    }

    /** A caller that goes away (a reset, a lost connection) ends its follow at once, even while it is idle. */
    private static void onCancel(HttpContext context, Follower follower) {
        StreamContext stream;
        try {
            stream = StreamContext.of(context);
        } catch (IllegalArgumentException e) {
            return; // served outside a SocketConnection: the next write finds out
        }
        stream.cancellation().thenRun(follower::close);
    }

    /** The WebSocket follow: this thread writes the lines; a reader thread answers the client's frames. */
    private static void socket(EventLog log, Follower follower, InputStream in, java.io.OutputStream out) {
        WebSocketSession ws = new WebSocketSession(LINES, out);
        Future<?> reader = log.readers().submit(() -> {
            try {
                ws.readClient(in);
            } catch (IOException e) {
                // the client went away without a close frame: end the follow all the same
            } finally {
                follower.close();
            }
        });
        try {
            new LiveStream(follower, log.heartbeat().toMillis()).run(ws.sink());
            StreamLine.End end = follower.end();
            String reason = end == null ? "closed" : end.reason();
            ws.close("slow".equals(reason) ? 1008 : "error".equals(reason) ? 1011 : 1000, reason);
        } catch (IOException e) {
            // the client is gone
        } finally {
            follower.close();
            reader.cancel(true);
        }
    }

    /**
     * Immutable: the answer to a batch.
     *
     * @param count how many were stored
     * @param firstSeq the first one's seq
     * @param lastSeq the last one's seq
     */
    record BatchResult(int count, long firstSeq, long lastSeq) {
    }

    /** What an approved {@code liveSocket} leaves for {@link Upgrading}: its follower and the session to run. */
    private record ApprovedSocket(Follower follower, Upgrades.Session session) {
    }

    /** Runs the OpenAPI handler, then accepts the upgrade an approved {@code liveSocket} asked for. */
    private static final class Upgrading implements HttpRequestHandler {
        private final OpenApiHandler api;

        Upgrading(OpenApiHandler api) {
            this.api = api;
        }

        @Override
        public void handle(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context)
                throws HttpException, IOException {
            api.handle(request, response, context);
            Object approved = context == null ? null : context.removeAttribute(SESSION);
            if (approved instanceof ApprovedSocket socket) {
                if (response.getCode() == 101) {
                    Upgrades.accept(request, response, socket.session());
                } else {
                    socket.follower().close(); // answered otherwise after all: no session will run
                }
            }
        }
    }
}
