package io.swaggersocket.frame;

/**
 * Stream and connection error codes carried by RESET and GOAWAY frames. Immutable and thread-safe.
 *
 * <p>Numbers follow HTTP/2 (RFC 9113, section 7) where the meaning is the same, so that people
 * who know HTTP/2 read them without a table. A code this implementation does not know is read as
 * {@link #INTERNAL_ERROR}.
 */
public enum ErrorCode {
    /** Graceful: the stream or connection ended without a fault. */
    NO_ERROR(0x0),
    /** The peer broke a protocol rule (bad stream id, frame out of order, malformed message head). */
    PROTOCOL_ERROR(0x1),
    /** The sender failed for reasons of its own, for example a handler that failed mid-body. */
    INTERNAL_ERROR(0x2),
    /** The peer sent more DATA than its credit allowed. */
    FLOW_CONTROL_ERROR(0x3),
    /** A frame arrived for a stream whose direction was already closed. */
    STREAM_CLOSED(0x5),
    /** A frame was larger than the negotiated limit for its type. */
    FRAME_SIZE_ERROR(0x6),
    /** The stream was refused before any processing; the request may be retried safely. */
    REFUSED_STREAM(0x7),
    /** The stream is no longer needed: the caller cancelled or timed out. */
    CANCEL(0x8);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    /** The number on the wire. */
    public int code() {
        return code;
    }

    /** The error for a wire number; unknown numbers map to {@link #INTERNAL_ERROR}. */
    public static ErrorCode of(int code) {
        for (ErrorCode e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        return INTERNAL_ERROR;
    }
}
