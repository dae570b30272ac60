package io.swaggersocket.server;

import io.swaggersocket.mux.MessageChannel;

/**
 * Where one {@link Subscriber}'s events go: a WebSocket or an NDJSON response. Implementations are
 * thread-safe and never block in {@link #send}.
 */
interface EventSink {

    /** How many sends may be unfinished at once; the subscriber waits for a callback beyond that. */
    int maxInFlight();

    /** Sends one event's JSON; {@code done} is told once it was handed to the socket, or failed. */
    void send(String json, MessageChannel.Callback done);

    /** Ends the stream: a WebSocket close with {@code code}, or the end of the response. */
    void close(int code, String reason);
}
