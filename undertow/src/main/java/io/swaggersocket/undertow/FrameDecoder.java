package io.swaggersocket.undertow;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An incremental RFC 6455 frame decoder: fed whatever bytes have arrived, it keeps its place
 * between calls and hands each whole message to its {@link Sink}. Not thread-safe: one reader (the
 * socket's I/O thread) at a time. No I/O, no threads: tested byte for byte in memory.
 *
 * <p>Every rule broken throws {@link WebSocketProtocolException} with the close code to answer:
 * 1002 for reserved bits (no extension is ever negotiated), unknown opcodes, fragmented or long
 * control frames, continuations out of place, a non-minimal or top-bit-set length, and a mask bit
 * that is wrong for the side (clients must mask, servers must not); 1007 for text or a close reason
 * that is not UTF-8; 1009 for a message over its limit, counted over all its fragments, checked
 * from the header before its payload is read. After an error or a close frame the decoder
 * ignores everything else.
 */
final class FrameDecoder {
    /** Receives decoded messages; each buffer handed over belongs to the sink. */
    interface Sink {
        void text(String text);

        void binary(ByteBuffer message);

        void ping(ByteBuffer payload);

        void pong(ByteBuffer payload);

        /** A close frame: 1005 when it carried no code. */
        void close(int code, String reason);
    }

    /** The code reported for a close frame without a status code (RFC 6455 7.1.5); never sent. */
    static final int NO_STATUS = 1005;

    private final boolean expectMasked;
    private final long maxBinary;
    private final long maxText;
    private final Sink sink;

    private boolean inPayload;
    private boolean done;
    private boolean fin;
    private int opcode;
    private boolean masked;
    private int key;
    /** Payload bytes of the current frame still to come, and already read. */
    private long remaining;
    private long frameRead;

    /** The data message being assembled (opcode 1 or 2), or 0 between messages. */
    private int messageOpcode;
    private byte[] message;
    private int messageLength;
    private byte[] control;
    private int controlLength;

    /**
     * @param expectMasked true on the server side: every frame from a client must be masked
     * @param maxBinary the largest binary message accepted, all fragments together
     * @param maxText the largest text message accepted, all fragments together
     */
    FrameDecoder(boolean expectMasked, long maxBinary, long maxText, Sink sink) {
        this.expectMasked = expectMasked;
        this.maxBinary = Math.min(maxBinary, Integer.MAX_VALUE - 8);
        this.maxText = Math.min(maxText, Integer.MAX_VALUE - 8);
        this.sink = sink;
    }

    /** True once a close frame was decoded or a rule was broken: nothing more is decoded. */
    boolean isDone() {
        return done;
    }

    /**
     * Decodes what {@code in} holds (position to limit), leaving the bytes of an incomplete header
     * in it. Payload bytes are consumed as they arrive.
     */
    void decode(ByteBuffer in) throws WebSocketProtocolException {
        try {
            while (!done) {
                if (!inPayload && !readHeader(in)) {
                    return;
                }
                if (!readPayload(in)) {
                    return;
                }
            }
            in.position(in.limit()); // after a close or an error the rest is ignored
        } catch (WebSocketProtocolException e) {
            done = true;
            in.position(in.limit());
            throw e;
        }
    }

    private boolean readHeader(ByteBuffer in) throws WebSocketProtocolException {
        int p = in.position();
        if (in.remaining() < 2) {
            return false;
        }
        int b0 = in.get(p) & 0xFF;
        int b1 = in.get(p + 1) & 0xFF;
        int lengthCode = b1 & 0x7F;
        boolean isMasked = (b1 & 0x80) != 0;
        int headerLength = 2 + (lengthCode == 126 ? 2 : lengthCode == 127 ? 8 : 0) + (isMasked ? 4 : 0);
        if (in.remaining() < headerLength) {
            checkFirstTwo(b0, isMasked); // fail early on what is already known
            return false;
        }
        checkFirstTwo(b0, isMasked);
        long length;
        if (lengthCode == 126) {
            length = in.getShort(p + 2) & 0xFFFF;
            if (length < 126) {
                throw new WebSocketProtocolException(1002, "expected a minimal payload length but 16 bits carry " + length);
            }
        } else if (lengthCode == 127) {
            length = in.getLong(p + 2);
            if (length < 0) {
                throw new WebSocketProtocolException(1002, "expected a 64-bit payload length with the top bit clear but was 0x"
                        + Long.toHexString(length));
            }
            if (length <= 0xFFFF) {
                throw new WebSocketProtocolException(1002, "expected a minimal payload length but 64 bits carry " + length);
            }
        } else {
            length = lengthCode;
        }
        fin = (b0 & 0x80) != 0;
        opcode = b0 & 0x0F;
        masked = isMasked;
        key = isMasked ? in.getInt(p + headerLength - 4) : 0;
        checkFrame(length);
        in.position(p + headerLength);
        remaining = length;
        frameRead = 0;
        inPayload = true;
        return true;
    }

    private void checkFirstTwo(int b0, boolean isMasked) throws WebSocketProtocolException {
        if ((b0 & 0x70) != 0) {
            throw new WebSocketProtocolException(1002, "expected no reserved bits (no extension was negotiated) but was 0x"
                    + Integer.toHexString(b0 & 0x70));
        }
        int op = b0 & 0x0F;
        if (op > FrameEncoder.PONG || (op > FrameEncoder.BINARY && op < FrameEncoder.CLOSE)) {
            throw new WebSocketProtocolException(1002, "unknown opcode 0x" + Integer.toHexString(op));
        }
        if (isMasked != expectMasked) {
            throw new WebSocketProtocolException(1002, expectMasked
                    ? "expected a masked frame from the client but it was not masked"
                    : "expected an unmasked frame from the server but it was masked");
        }
    }

    private void checkFrame(long length) throws WebSocketProtocolException {
        if (opcode >= FrameEncoder.CLOSE) {
            if (!fin) {
                throw new WebSocketProtocolException(1002, "expected a control frame (opcode 0x" + Integer.toHexString(opcode)
                        + ") to be final but it was fragmented");
            }
            if (length > 125) {
                throw new WebSocketProtocolException(1002, "expected a control frame of at most 125 bytes but was " + length);
            }
            if (opcode == FrameEncoder.CLOSE && length == 1) {
                throw new WebSocketProtocolException(1002, "expected a close frame of 0 or at least 2 bytes but was 1");
            }
            control = new byte[(int) length];
            controlLength = 0;
            return;
        }
        if (opcode == FrameEncoder.CONTINUATION) {
            if (messageOpcode == 0) {
                throw new WebSocketProtocolException(1002, "expected a text or binary frame but was a continuation"
                        + " with no message to continue");
            }
        } else if (messageOpcode != 0) {
            throw new WebSocketProtocolException(1002, "expected a continuation of the fragmented message but was a new "
                    + (opcode == FrameEncoder.TEXT ? "text" : "binary") + " frame");
        } else {
            messageOpcode = opcode;
            messageLength = 0;
            message = null;
        }
        long limit = messageOpcode == FrameEncoder.TEXT ? maxText : maxBinary;
        long total = messageLength + length;
        if (total > limit) {
            throw new WebSocketProtocolException(1009, "expected a " + (messageOpcode == FrameEncoder.TEXT ? "text" : "binary")
                    + " message of at most " + limit + " bytes but it has " + total + " or more");
        }
        int needed = (int) total;
        if (message == null) {
            message = new byte[needed];
        } else if (message.length < needed) {
            message = Arrays.copyOf(message, (int) Math.min(limit, Math.max(needed, 2L * message.length)));
        }
    }

    private boolean readPayload(ByteBuffer in) throws WebSocketProtocolException {
        int n = (int) Math.min(remaining, in.remaining());
        if (n > 0) {
            byte[] target = opcode >= FrameEncoder.CLOSE ? control : message;
            int at = opcode >= FrameEncoder.CLOSE ? controlLength : messageLength;
            if (in.hasArray()) {
                int from = in.arrayOffset() + in.position();
                if (masked) {
                    Masking.maskCopy(in.array(), from, target, at, n, Masking.rotate(key, frameRead));
                } else {
                    System.arraycopy(in.array(), from, target, at, n);
                }
                in.position(in.position() + n);
            } else {
                in.get(target, at, n);
                if (masked) {
                    Masking.mask(target, at, n, Masking.rotate(key, frameRead));
                }
            }
            if (opcode >= FrameEncoder.CLOSE) {
                controlLength += n;
            } else {
                messageLength += n;
            }
            remaining -= n;
            frameRead += n;
        }
        if (remaining > 0) {
            return false;
        }
        inPayload = false;
        frameComplete();
        return true;
    }

    private void frameComplete() throws WebSocketProtocolException {
        switch (opcode) {
            case FrameEncoder.PING -> sink.ping(ByteBuffer.wrap(control));
            case FrameEncoder.PONG -> sink.pong(ByteBuffer.wrap(control));
            case FrameEncoder.CLOSE -> closeFrame();
            default -> {
                if (fin) {
                    messageComplete();
                }
            }
        }
    }

    private void messageComplete() throws WebSocketProtocolException {
        int op = messageOpcode;
        byte[] m = message;
        int length = messageLength;
        messageOpcode = 0;
        message = null;
        messageLength = 0;
        if (op == FrameEncoder.TEXT) {
            sink.text(utf8(m, 0, length, "text message"));
        } else {
            sink.binary(ByteBuffer.wrap(m, 0, length));
        }
    }

    private void closeFrame() throws WebSocketProtocolException {
        done = true;
        if (control.length == 0) {
            sink.close(NO_STATUS, "");
            return;
        }
        int code = (control[0] & 0xFF) << 8 | (control[1] & 0xFF);
        if (!isValidCloseCode(code)) {
            throw new WebSocketProtocolException(1002, "expected a close code that may be sent but was " + code);
        }
        sink.close(code, utf8(control, 2, control.length - 2, "close reason"));
    }

    /** The codes RFC 6455 7.4 lets an endpoint put in a close frame. */
    static boolean isValidCloseCode(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) || (code >= 3000 && code <= 4999);
    }

    private static String utf8(byte[] bytes, int from, int length, String what) throws WebSocketProtocolException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, from, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new WebSocketProtocolException(1007, "expected the " + what + " to be UTF-8 but it is not");
        }
    }
}
