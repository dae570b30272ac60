package io.swaggersocket.examples.eventlog;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Thread-safe as documented per method: the server side of a WebSocket (RFC 6455) carrying a
 * live stream, one text message per line, over the byte streams of an upgraded stream
 * ({@code Upgrades.accept}). Only what a server sending text needs: unfragmented text frames
 * out; from the client, close (answered, and the follow ends), ping (answered with pong), and
 * anything else read and ignored. A client frame larger than {@link #MAX_CLIENT_FRAME} or unmasked
 * ends the socket with 1009 / 1002. No extensions, no subprotocols.
 *
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +-+-+-+-+-------+-+-------------+-------------------------------+
 * |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 * |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 * |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 * +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 * |     Masking-key (client to server frames only, 4 bytes)       |
 * +---------------------------------------------------------------+
 * </pre>
 */
final class WebSocketSession {
    /** The largest frame a client may send: the follow only reads control frames. */
    static final int MAX_CLIENT_FRAME = 64 * 1024;

    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int TEXT = 0x1;
    private static final int CLOSE = 0x8;
    private static final int PING = 0x9;
    private static final int PONG = 0xA;

    private final ObjectMapper json;
    private final OutputStream out; // guarded by this: the follow's thread and the reader both write
    private boolean closeSent; // guarded by this

    WebSocketSession(ObjectMapper json, OutputStream out) {
        this.json = json;
        this.out = out;
    }

    /** The {@code Sec-WebSocket-Accept} answering {@code key} (RFC 6455 section 4.2.2). */
    static String accept(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-1", e);
        }
    }

    /** The sink writing one text message per line; only the follow's thread uses it. */
    LineSink sink() {
        return new LineSink() {
            @Override
            public void line(StreamLine line) throws IOException {
                send(TEXT, json.writeValueAsBytes(line));
            }

            @Override
            public void flush() throws IOException {
                synchronized (WebSocketSession.this) {
                    out.flush();
                }
            }
        };
    }

    /**
     * Reads the client's frames until it closes or goes away; on the reader's own thread. Returns
     * normally on a close frame or end of stream.
     */
    void readClient(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        while (true) {
            int b0 = data.read();
            if (b0 < 0) {
                return;
            }
            int b1 = data.readUnsignedByte();
            int opcode = b0 & 0x0F;
            long length = b1 & 0x7F;
            if (length == 126) {
                length = data.readUnsignedShort();
            } else if (length == 127) {
                length = data.readLong();
            }
            if ((b1 & 0x80) == 0) {
                close(1002, "client frames must be masked");
                return;
            }
            if (length > MAX_CLIENT_FRAME || length < 0) {
                close(1009, "frame of " + length + " bytes; at most " + MAX_CLIENT_FRAME);
                return;
            }
            byte[] mask = new byte[4];
            data.readFully(mask);
            byte[] payload = new byte[(int) length];
            data.readFully(payload);
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i & 3];
            }
            if (opcode == CLOSE) {
                close(1000, "");
                return;
            }
            if (opcode == PING) {
                send(PONG, payload);
                flushQuietly();
            }
        }
    }

    /** Sends a close frame once, then no more frames; any thread. */
    void close(int code, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[2 + Math.min(text.length, 123)];
        payload[0] = (byte) (code >> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, payload.length - 2);
        synchronized (this) {
            if (closeSent) {
                return;
            }
            try {
                frame(CLOSE, payload);
                out.flush();
            } catch (IOException e) {
                // the peer is gone: nothing to tell it
            }
            closeSent = true;
        }
    }

    private void send(int opcode, byte[] payload) throws IOException {
        synchronized (this) {
            if (closeSent) {
                throw new EOFException("the WebSocket is closing");
            }
            frame(opcode, payload);
        }
    }

    private void frame(int opcode, byte[] payload) throws IOException {
        out.write(0x80 | opcode);
        if (payload.length < 126) {
            out.write(payload.length);
        } else if (payload.length < 65536) {
            out.write(126);
            out.write(payload.length >> 8);
            out.write(payload.length);
        } else {
            out.write(127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) payload.length >> shift));
            }
        }
        out.write(payload);
    }

    private void flushQuietly() {
        synchronized (this) {
            try {
                out.flush();
            } catch (IOException e) {
                // the follow's next write finds out
            }
        }
    }
}
