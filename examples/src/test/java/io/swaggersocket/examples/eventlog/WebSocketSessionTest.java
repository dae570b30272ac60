package io.swaggersocket.examples.eventlog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The server side of the live WebSocket, byte for byte, in memory. */
class WebSocketSessionTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final WebSocketSession session = new WebSocketSession(new ObjectMapper(), out);

    /** A client frame: FIN, the opcode, masked with 1 2 3 4. */
    private static byte[] masked(int opcode, byte[] payload) {
        byte[] mask = {1, 2, 3, 4};
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(0x80 | opcode);
        f.write(0x80 | payload.length);
        f.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ mask[i & 3]);
        }
        return f.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }

    @Test
    void theAcceptKeyIsRfc6455s() {
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketSession.accept("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    @Test
    void aPingIsAnsweredWithItsPayloadAndACloseWithA1000Close() throws Exception {
        session.readClient(new ByteArrayInputStream(concat(masked(0x9, "hi".getBytes(StandardCharsets.US_ASCII)),
                masked(0x1, "ignored".getBytes(StandardCharsets.US_ASCII)), masked(0x8, new byte[] {0x03, (byte) 0xE8}))));
        assertArrayEquals(new byte[] {(byte) 0x8A, 2, 'h', 'i', (byte) 0x88, 2, 0x03, (byte) 0xE8}, out.toByteArray());
        assertThrows(EOFException.class, () -> session.sink().line(StreamLine.heartbeat(1)), "nothing after the close");
    }

    @Test
    void linesGoOutAsUnmaskedTextFramesWithTheRightLengthForm() throws Exception {
        session.sink().line(StreamLine.heartbeat(1.5));
        byte[] small = "{\"heartbeat\":1.5}".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(concat(new byte[] {(byte) 0x81, (byte) small.length}, small), out.toByteArray());
        out.reset();
        session.sink().line(StreamLine.of(new LoggedEvent(1, "a", 1, "s", List.of(), "x".repeat(70_000))));
        byte[] big = out.toByteArray();
        assertEquals(0x81, big[0] & 0xFF);
        assertEquals(127, big[1]);
        long length = 0;
        for (int i = 2; i < 10; i++) {
            length = (length << 8) | (big[i] & 0xFF);
        }
        assertEquals(big.length - 10, length);
    }

    @Test
    void anUnmaskedOrOversizedClientFrameClosesWithTheProtocolsCode() throws Exception {
        session.readClient(new ByteArrayInputStream(new byte[] {(byte) 0x81, 1, 'x'}));
        assertArrayEquals(concat(new byte[] {(byte) 0x88, 30, 0x03, (byte) 0xEA},
                "client frames must be masked".getBytes(StandardCharsets.UTF_8)), out.toByteArray());

        ByteArrayOutputStream other = new ByteArrayOutputStream();
        WebSocketSession second = new WebSocketSession(new ObjectMapper(), other);
        second.readClient(new ByteArrayInputStream(new byte[] {(byte) 0x82, (byte) 0xFF, 0, 0, 0, 0, 0x7F, 0, 0, 0}));
        assertEquals(0x88, other.toByteArray()[0] & 0xFF);
        assertEquals(1009, ((other.toByteArray()[2] & 0xFF) << 8) | (other.toByteArray()[3] & 0xFF));
    }

    @Test
    void aClientThatEndsWithoutACloseEndsTheReadQuietly() throws Exception {
        session.readClient(new ByteArrayInputStream(new byte[0]));
        assertEquals(0, out.size());
        assertThrows(EOFException.class, () -> session.readClient(new ByteArrayInputStream(new byte[] {(byte) 0x89})),
                "a frame cut short is an error for the reader's caller, which ends the follow");
    }
}
