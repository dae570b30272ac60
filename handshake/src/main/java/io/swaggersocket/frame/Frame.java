package io.swaggersocket.frame;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One frame: the content of one binary WebSocket message after the handshake. Immutable and
 * thread-safe, except that a {@link Headers} head and a {@link Data} payload are shared, not
 * copied (a frame is built once and sent or read once): do not change them.
 *
 * <p>Stream 0 is the connection itself; it carries only WINDOW_UPDATE and GOAWAY.
 */
public sealed interface Frame {

    /** The stream the frame belongs to, 0 for the connection. */
    int streamId();

    /** The frame's type. */
    FrameType type();

    /**
     * An HTTP/1.1 message head (request line or status line, header fields, empty line), as
     * written by httpcore5. Opens a stream when it carries a request.
     */
    record Headers(int streamId, byte[] head, boolean endStream) implements Frame {
        public Headers {
            FrameCodec.requireStream(streamId, "HEADERS");
            Objects.requireNonNull(head, "head");
        }

        @Override
        public FrameType type() {
            return FrameType.HEADERS;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Headers h && h.streamId == streamId && h.endStream == endStream
                    && java.util.Arrays.equals(h.head, head);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * streamId + java.util.Arrays.hashCode(head)) + Boolean.hashCode(endStream);
        }

        @Override
        public String toString() {
            return "Headers[streamId=" + streamId + ", head=" + head.length + " bytes, endStream=" + endStream + "]";
        }
    }

    /** Body bytes of one stream; {@code endStream} closes the sender's direction. */
    record Data(int streamId, ByteBuffer payload, boolean endStream) implements Frame {
        public Data {
            FrameCodec.requireStream(streamId, "DATA");
            Objects.requireNonNull(payload, "payload");
        }

        @Override
        public FrameType type() {
            return FrameType.DATA;
        }
    }

    /** Ends a stream in both directions with an error code and a human-readable reason. */
    record Reset(int streamId, ErrorCode errorCode, String message) implements Frame {
        public Reset {
            FrameCodec.requireStream(streamId, "RESET");
            Objects.requireNonNull(errorCode, "errorCode");
            Objects.requireNonNull(message, "message");
        }

        @Override
        public FrameType type() {
            return FrameType.RESET;
        }
    }

    /** Grants the receiver {@code increment} more bytes of DATA on a stream, or on stream 0 the connection. */
    record WindowUpdate(int streamId, int increment) implements Frame {
        public WindowUpdate {
            if (streamId < 0) {
                throw new IllegalArgumentException("streamId: " + streamId + " is negative");
            }
            if (increment < 1) {
                throw new IllegalArgumentException("increment: " + increment + " is out of range [1, 2147483647]");
            }
        }

        @Override
        public FrameType type() {
            return FrameType.WINDOW_UPDATE;
        }
    }

    /**
     * The sender opens no more streams and processes none above {@code lastStreamId} (the highest
     * stream id opened by the receiver that the sender accepted).
     */
    record GoAway(int lastStreamId, ErrorCode errorCode, String message) implements Frame {
        public GoAway {
            if (lastStreamId < 0) {
                throw new IllegalArgumentException("lastStreamId: " + lastStreamId + " is negative");
            }
            Objects.requireNonNull(errorCode, "errorCode");
            Objects.requireNonNull(message, "message");
        }

        @Override
        public int streamId() {
            return 0;
        }

        @Override
        public FrameType type() {
            return FrameType.GOAWAY;
        }
    }
}
