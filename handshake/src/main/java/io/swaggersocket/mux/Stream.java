package io.swaggersocket.mux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.Condition;
import org.apache.hc.core5.http.ClassicHttpResponse;

/**
 * The state of one stream. Plain data: every field is guarded by the owning connection's lock, and
 * the connection makes every decision about it.
 */
final class Stream {
    final int id;
    /** Opened by this side (we sent the request) rather than by the peer. */
    final boolean local;
    final Condition readable;

    // What we send.
    long sendWindow;
    boolean outEnded;

    // What we receive.
    final ArrayDeque<ByteBuffer> inbound = new ArrayDeque<>();
    long buffered;
    boolean headersReceived;
    boolean inEnded;
    long recvCredit;
    long unackedConsumed;
    long received;
    long declaredLength = HttpHeads.UNKNOWN_LENGTH;
    /** A handler closed the request body unread: later DATA is dropped and its credit returned at once. */
    boolean inputClosed;

    /** The request asked for an upgrade, on a connection where both ends offer them. */
    boolean upgrade;
    /** A 101 was sent (served stream) or received (local stream): DATA is the upgraded byte stream. */
    boolean upgraded;

    /**
     * Served stream: the request expects 100-continue, and no 100 has gone yet (sent on the
     * handler's first read, unless the response head went first).
     */
    boolean expectContinue;
    /** Served stream: the response head (or a 101) has been queued. */
    boolean headSent;
    /** Local stream whose request expects 100-continue: completed by the peer's 100. */
    CompletableFuture<Void> continued;

    /** Set once: the stream ended abnormally; reads and writes throw it. */
    IOException failure;
    /** No longer in the stream table (both directions done, or failed). */
    boolean removed;

    /** For local streams: the response head, or why none will come. */
    final CompletableFuture<ClassicHttpResponse> response;
    /** Completed with the failure when the stream ends abnormally; what handlers watch for cancellation. */
    final CompletableFuture<IOException> aborted = new CompletableFuture<>();
    ScheduledFuture<?> deadline;

    Stream(int id, boolean local, Condition readable, long sendWindow, long recvCredit) {
        this.id = id;
        this.local = local;
        this.readable = readable;
        this.sendWindow = sendWindow;
        this.recvCredit = recvCredit;
        this.response = local ? new CompletableFuture<>() : null;
        this.headersReceived = !local;
    }
}
