package io.swaggersocket.frame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Encodes and decodes frames: pure JDK, no I/O, no threads. Thread-safe: an instance only holds the
 * negotiated size limits it checks on decode.
 *
 * <p>Every frame is one binary WebSocket message: an 8-byte header, then the payload, whose length
 * is the rest of the message.
 *
 * <pre>
 *  0        1        2        3        4                                   8
 * +--------+--------+--------+--------+-----------------------------------+-----------
 * |version |  type  | flags  |reserved|R|        stream id (31 bits)      | payload...
 * +--------+--------+--------+--------+-----------------------------------+-----------
 * </pre>
 *
 * Multi-byte numbers are big-endian. The reserved byte and the R bit are 0. A decode failure is a
 * connection error: the message says what was expected and what came.
 *
 * <p>Decoding refuses nothing for the sake of a RESET or GOAWAY's diagnostics: an unknown error
 * code reads as {@link ErrorCode#INTERNAL_ERROR}, and a reason that is not valid UTF-8 reads with
 * U+FFFD in place of each malformed sequence. Every other frame that decodes encodes to the same
 * bytes.
 */
public final class FrameCodec {
    /** The protocol version this codec speaks; it is also the first byte of every frame. */
    public static final int VERSION = 1;
    /** The length of the fixed frame header. */
    public static final int HEADER_LENGTH = 8;
    /** END_STREAM: the sender's direction of the stream is complete (HEADERS and DATA only). */
    public static final int FLAG_END_STREAM = 0x1;
    /** The longest UTF-8 reason a RESET or GOAWAY carries; longer ones are cut on encode. */
    public static final int MAX_REASON_BYTES = 1024;

    private final int maxFrameSize;
    private final int maxHeaderSize;

    /**
     * @param maxFrameSize the most DATA payload bytes one frame may carry
     * @param maxHeaderSize the most bytes one HEADERS message head may have
     */
    public FrameCodec(int maxFrameSize, int maxHeaderSize) {
        if (maxFrameSize < 1) {
            throw new IllegalArgumentException("maxFrameSize: " + maxFrameSize + " is not positive");
        }
        if (maxHeaderSize < 1) {
            throw new IllegalArgumentException("maxHeaderSize: " + maxHeaderSize + " is not positive");
        }
        this.maxFrameSize = maxFrameSize;
        this.maxHeaderSize = maxHeaderSize;
    }

    /**
     * Reads one frame from a whole binary message. A DATA frame's payload is a slice of
     * {@code message}, not a copy.
     */
    public Frame decode(ByteBuffer message) throws ProtocolViolationException {
        ByteBuffer in = message.duplicate();
        if (in.remaining() < HEADER_LENGTH) {
            throw violation(ErrorCode.FRAME_SIZE_ERROR,
                    "frame: expected at least " + HEADER_LENGTH + " bytes but was " + in.remaining());
        }
        int version = in.get() & 0xff;
        int typeCode = in.get() & 0xff;
        int flags = in.get() & 0xff;
        int reserved = in.get() & 0xff;
        int rawId = in.getInt();
        if (version != VERSION) {
            throw violation(ErrorCode.PROTOCOL_ERROR, "frame: expected version " + VERSION + " but was " + version);
        }
        if (rawId < 0) {
            throw violation(ErrorCode.PROTOCOL_ERROR,
                    "frame: stream id has the reserved bit set (0x" + Integer.toHexString(rawId) + ")");
        }
        int streamId = rawId;
        FrameType type = FrameType.of(typeCode);
        if (type == null) {
            throw violation(ErrorCode.PROTOCOL_ERROR,
                    "frame: unknown type 0x" + hex(typeCode) + " on stream " + streamId);
        }
        if (reserved != 0) {
            throw violation(ErrorCode.PROTOCOL_ERROR,
                    type + " on stream " + streamId + ": reserved byte must be 0 but was 0x" + hex(reserved));
        }
        int allowedFlags = type == FrameType.HEADERS || type == FrameType.DATA ? FLAG_END_STREAM : 0;
        if ((flags & ~allowedFlags) != 0) {
            throw violation(ErrorCode.PROTOCOL_ERROR,
                    type + " on stream " + streamId + ": unknown flags 0x" + hex(flags & ~allowedFlags));
        }
        boolean endStream = (flags & FLAG_END_STREAM) != 0;
        if (type == FrameType.GOAWAY) {
            if (streamId != 0) {
                throw violation(ErrorCode.PROTOCOL_ERROR, "GOAWAY: expected stream 0 but was " + streamId);
            }
        } else if (streamId == 0 && type != FrameType.WINDOW_UPDATE) {
            throw violation(ErrorCode.PROTOCOL_ERROR, type + ": stream id 0 is the connection, not a stream");
        }
        int length = in.remaining();
        String where = type + " on stream " + streamId;
        switch (type) {
            case HEADERS:
                if (length == 0) {
                    throw violation(ErrorCode.PROTOCOL_ERROR, where + ": empty message head");
                }
                if (length > maxHeaderSize) {
                    throw violation(ErrorCode.FRAME_SIZE_ERROR, where + ": head of " + length
                            + " bytes is over the negotiated maxHeaderSize " + maxHeaderSize);
                }
                byte[] head = new byte[length];
                in.get(head);
                return new Frame.Headers(streamId, head, endStream);
            case DATA:
                if (length > maxFrameSize) {
                    throw violation(ErrorCode.FRAME_SIZE_ERROR, where + ": payload of " + length
                            + " bytes is over the negotiated maxFrameSize " + maxFrameSize);
                }
                return new Frame.Data(streamId, in.slice(), endStream);
            case RESET: {
                requireAtLeast(where, length, 4);
                ErrorCode code = ErrorCode.of(in.getInt());
                return new Frame.Reset(streamId, code, reason(where, in));
            }
            case WINDOW_UPDATE: {
                if (length != 4) {
                    throw violation(ErrorCode.FRAME_SIZE_ERROR,
                            where + ": expected 4 payload bytes but was " + length);
                }
                int increment = in.getInt();
                if (increment < 1) {
                    throw violation(ErrorCode.PROTOCOL_ERROR, where + ": increment "
                            + Integer.toUnsignedString(increment) + " is out of range [1, 2147483647]");
                }
                return new Frame.WindowUpdate(streamId, increment);
            }
            case GOAWAY: {
                requireAtLeast("GOAWAY", length, 8);
                int lastStreamId = in.getInt();
                if (lastStreamId < 0) {
                    throw violation(ErrorCode.PROTOCOL_ERROR,
                            "GOAWAY: last stream id has the reserved bit set (0x" + Integer.toHexString(lastStreamId) + ")");
                }
                ErrorCode code = ErrorCode.of(in.getInt());
                return new Frame.GoAway(lastStreamId, code, reason("GOAWAY", in));
            }
            default:
                throw new AssertionError(type);
        }
    }

    /** Writes a frame as one message, ready to send. The buffer is new and owned by the caller. */
    public static ByteBuffer encode(Frame frame) {
        if (frame instanceof Frame.Data data) {
            ByteBuffer payload = data.payload().duplicate();
            ByteBuffer out = header(FrameType.DATA, data.endStream() ? FLAG_END_STREAM : 0, data.streamId(),
                    payload.remaining());
            return out.put(payload).flip();
        }
        if (frame instanceof Frame.Headers headers) {
            ByteBuffer out = header(FrameType.HEADERS, headers.endStream() ? FLAG_END_STREAM : 0,
                    headers.streamId(), headers.head().length);
            return out.put(headers.head()).flip();
        }
        if (frame instanceof Frame.Reset reset) {
            byte[] reason = reasonBytes(reset.message());
            return header(FrameType.RESET, 0, reset.streamId(), 4 + reason.length)
                    .putInt(reset.errorCode().code()).put(reason).flip();
        }
        if (frame instanceof Frame.WindowUpdate update) {
            return header(FrameType.WINDOW_UPDATE, 0, update.streamId(), 4).putInt(update.increment()).flip();
        }
        Frame.GoAway goAway = (Frame.GoAway) frame;
        byte[] reason = reasonBytes(goAway.message());
        return header(FrameType.GOAWAY, 0, 0, 8 + reason.length)
                .putInt(goAway.lastStreamId()).putInt(goAway.errorCode().code()).put(reason).flip();
    }

    /**
     * Writes the header of a DATA frame into the first {@link #HEADER_LENGTH} bytes of
     * {@code frame}, whose payload the caller already placed after them. Lets a body writer fill
     * one array and send it without a second copy.
     */
    public static void writeDataHeader(byte[] frame, int streamId, boolean endStream) {
        requireStream(streamId, "DATA");
        frame[0] = VERSION;
        frame[1] = (byte) FrameType.DATA.code();
        frame[2] = (byte) (endStream ? FLAG_END_STREAM : 0);
        frame[3] = 0;
        frame[4] = (byte) (streamId >>> 24);
        frame[5] = (byte) (streamId >>> 16);
        frame[6] = (byte) (streamId >>> 8);
        frame[7] = (byte) streamId;
    }

    static void requireStream(int streamId, String type) {
        if (streamId < 1) {
            throw new IllegalArgumentException(type + " streamId: " + streamId + " is out of range [1, 2147483647]");
        }
    }

    private static ByteBuffer header(FrameType type, int flags, int streamId, int payloadLength) {
        return ByteBuffer.allocate(HEADER_LENGTH + payloadLength)
                .put((byte) VERSION).put((byte) type.code()).put((byte) flags).put((byte) 0).putInt(streamId);
    }

    private static byte[] reasonBytes(String message) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_REASON_BYTES) {
            return bytes;
        }
        int end = MAX_REASON_BYTES;
        while (end > 0 && (bytes[end] & 0xc0) == 0x80) {
            end--; // do not cut a multi-byte character in half
        }
        return Arrays.copyOf(bytes, end);
    }

    private static String reason(String where, ByteBuffer in) throws ProtocolViolationException {
        if (in.remaining() > MAX_REASON_BYTES) {
            throw violation(ErrorCode.FRAME_SIZE_ERROR,
                    where + ": reason of " + in.remaining() + " bytes is over " + MAX_REASON_BYTES);
        }
        byte[] bytes = new byte[in.remaining()];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void requireAtLeast(String where, int length, int min) throws ProtocolViolationException {
        if (length < min) {
            throw violation(ErrorCode.FRAME_SIZE_ERROR,
                    where + ": expected at least " + min + " payload bytes but was " + length);
        }
    }

    private static String hex(int b) {
        return String.format("%02x", b);
    }

    private static ProtocolViolationException violation(ErrorCode code, String message) {
        return new ProtocolViolationException(code, message);
    }
}
