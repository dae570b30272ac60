package io.swaggersocket.undertow;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Builds whole, unfragmented RFC 6455 frames. Stateless and thread-safe.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-------+-+-------------+-------------------------------+
 * |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 * |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 * |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 * | |1|2|3|       |K|             |                               |
 * +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 * |     Extended payload length continued, if payload len == 127  |
 * + - - - - - - - - - - - - - - - +-------------------------------+
 * |                               | Masking-key, if MASK set to 1 |
 * +-------------------------------+-------------------------------+
 * | Masking-key (continued)       |          Payload Data         |
 * +-------------------------------- - - - - - - - - - - - - - - - +
 * </pre>
 *
 * <p>The server side sends the caller's payload buffer as it is, behind a separate header (one
 * gathering write, no copy). The client side must mask: it masks into a buffer of its own, header
 * and payload together, so the caller's buffer is only read and never changed.
 */
final class FrameEncoder {
    static final int CONTINUATION = 0x0;
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;
    /** The longest header: 2 bytes, a 64-bit length and a masking key. */
    static final int MAX_HEADER = 14;

    private final boolean mask;

    /** @param mask true on the client side, which must mask every frame it sends */
    FrameEncoder(boolean mask) {
        this.mask = mask;
    }

    /** One final frame with {@code opcode} carrying the remaining bytes of {@code payload}; reads it, never changes it. */
    ByteBuffer[] frame(int opcode, ByteBuffer payload) {
        int length = payload.remaining();
        if (!mask) {
            byte[] header = new byte[10];
            int n = writeHeader(header, opcode, length, false, 0);
            return new ByteBuffer[] {ByteBuffer.wrap(header, 0, n), payload};
        }
        int key = ThreadLocalRandom.current().nextInt();
        byte[] out = new byte[MAX_HEADER + length];
        int n = writeHeader(out, opcode, length, true, key);
        if (payload.hasArray()) {
            Masking.maskCopy(payload.array(), payload.arrayOffset() + payload.position(), out, n, length, key);
        } else {
            payload.duplicate().get(out, n, length);
            Masking.mask(out, n, length, key);
        }
        return new ByteBuffer[] {ByteBuffer.wrap(out, 0, n + length)};
    }

    /** A close frame's payload: the code and at most 123 bytes of the reason's UTF-8, cut at a character boundary. */
    static ByteBuffer closePayload(int code, String reason) {
        byte[] text = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(text.length, 123);
        while (length < text.length && length > 0 && (text[length] & 0xC0) == 0x80) {
            length--; // do not cut a multi-byte character in two
        }
        ByteBuffer b = ByteBuffer.allocate(2 + length);
        b.putShort((short) code).put(text, 0, length);
        return b.flip();
    }

    /** Writes a final frame's header into {@code out} from index 0 and returns its length. */
    static int writeHeader(byte[] out, int opcode, long length, boolean masked, int key) {
        out[0] = (byte) (0x80 | opcode);
        int maskBit = masked ? 0x80 : 0;
        int n;
        if (length <= 125) {
            out[1] = (byte) (maskBit | length);
            n = 2;
        } else if (length <= 0xFFFF) {
            out[1] = (byte) (maskBit | 126);
            out[2] = (byte) (length >>> 8);
            out[3] = (byte) length;
            n = 4;
        } else {
            out[1] = (byte) (maskBit | 127);
            for (int i = 0; i < 8; i++) {
                out[2 + i] = (byte) (length >>> (56 - 8 * i));
            }
            n = 10;
        }
        if (masked) {
            out[n] = (byte) (key >>> 24);
            out[n + 1] = (byte) (key >>> 16);
            out[n + 2] = (byte) (key >>> 8);
            out[n + 3] = (byte) key;
            n += 4;
        }
        return n;
    }
}
