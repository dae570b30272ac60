package io.swaggersocket.mux;

import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * What a request handler knows about the stream it answers: the connection it came on (to call
 * the other side back over the same socket) and whether the caller is still there. Thread-safe.
 *
 * <p>Found in the handler's {@link HttpContext}: {@code StreamContext.of(context)}.
 */
public final class StreamContext {
    /** The {@link HttpContext} attribute that holds the stream context. */
    public static final String ATTRIBUTE = "io.swaggersocket.stream";

    private final SocketConnection connection;
    private final int streamId;
    private final CompletableFuture<IOException> aborted;

    StreamContext(SocketConnection connection, int streamId, CompletableFuture<IOException> aborted) {
        this.connection = connection;
        this.streamId = streamId;
        this.aborted = aborted;
    }

    /** The stream context of a handler's call; fails if the context is not one this library made. */
    public static StreamContext of(HttpContext context) {
        Object value = Objects.requireNonNull(context, "context").getAttribute(ATTRIBUTE);
        if (!(value instanceof StreamContext streamContext)) {
            throw new IllegalArgumentException("context: expected attribute " + ATTRIBUTE
                    + " to be a StreamContext but was " + value);
        }
        return streamContext;
    }

    public SocketConnection connection() {
        return connection;
    }

    public int streamId() {
        return streamId;
    }

    /** True once the caller cancelled, timed out, or the connection was lost. */
    public boolean isCancelled() {
        return aborted.isDone();
    }

    /**
     * Completes with the reason when the stream ends abnormally (the caller cancelled or timed out,
     * or the connection was lost); never completes when the exchange ends normally. It completes
     * on the connection's executor, never on an I/O thread.
     */
    public CompletionStage<IOException> cancellation() {
        return aborted.minimalCompletionStage();
    }
}
