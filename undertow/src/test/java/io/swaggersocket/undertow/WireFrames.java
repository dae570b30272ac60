package io.swaggersocket.undertow;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds RFC 6455 frames byte by byte, independently of the code under test, and records decoded events. */
final class WireFrames {
    private WireFrames() {
    }

    /** A frame with the given first byte's bits, a mask key when {@code masked}, and the minimal length encoding. */
    static byte[] frame(boolean fin, int rsv, int opcode, boolean masked, int key, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | (rsv << 4) | opcode);
        int m = masked ? 0x80 : 0;
        int n = payload.length;
        if (n <= 125) {
            out.write(m | n);
        } else if (n <= 0xFFFF) {
            out.write(m | 126);
            out.write(n >>> 8);
            out.write(n);
        } else {
            out.write(m | 127);
            for (int i = 7; i >= 0; i--) {
                out.write((int) ((long) n >>> (8 * i)));
            }
        }
        byte[] k = {(byte) (key >>> 24), (byte) (key >>> 16), (byte) (key >>> 8), (byte) key};
        if (masked) {
            out.writeBytes(k);
        }
        for (int i = 0; i < n; i++) {
            out.write(masked ? payload[i] ^ k[i & 3] : payload[i]);
        }
        return out.toByteArray();
    }

    static byte[] clientFrame(int opcode, byte[] payload) {
        return frame(true, 0, opcode, true, 0x1A2B3C4D, payload);
    }

    static byte[] closePayload(int code, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[2 + r.length];
        p[0] = (byte) (code >>> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, r.length);
        return p;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** Records what a decoder delivers, as short strings, with the binary payloads kept. */
    static final class Recorder implements FrameDecoder.Sink {
        final List<String> events = new ArrayList<>();
        final List<byte[]> binaries = new ArrayList<>();

        @Override
        public void text(String text) {
            events.add("text " + text);
        }

        @Override
        public void binary(ByteBuffer message) {
            binaries.add(bytes(message));
            events.add("binary " + message.remaining());
        }

        @Override
        public void ping(ByteBuffer payload) {
            events.add("ping " + new String(bytes(payload), StandardCharsets.UTF_8));
        }

        @Override
        public void pong(ByteBuffer payload) {
            events.add("pong " + new String(bytes(payload), StandardCharsets.UTF_8));
        }

        @Override
        public void close(int code, String reason) {
            events.add("close " + code + " " + reason);
        }
    }
}
