package io.swaggersocket.undertow;

import static io.swaggersocket.undertow.WireFrames.clientFrame;
import static io.swaggersocket.undertow.WireFrames.closePayload;
import static io.swaggersocket.undertow.WireFrames.concat;
import static io.swaggersocket.undertow.WireFrames.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** FrameDecoder in memory: every size class, any split of the input, and every rejection with its code and message. */
class FrameDecoderTest {
    private final WireFrames.Recorder sink = new WireFrames.Recorder();

    private FrameDecoder server(long maxBinary) {
        return new FrameDecoder(true, maxBinary, 1024, sink);
    }

    /** Feeds {@code wire} in pieces of {@code step} bytes, keeping unconsumed bytes as a reader would. */
    private static void feed(FrameDecoder d, byte[] wire, int step) throws WebSocketProtocolException {
        ByteBuffer in = ByteBuffer.allocate(wire.length + 16);
        for (int i = 0; i < wire.length; i += step) {
            in.put(wire, i, Math.min(step, wire.length - i));
            in.flip();
            d.decode(in);
            in.compact();
        }
    }

    private WebSocketProtocolException rejected(FrameDecoder d, byte[] wire) {
        return assertThrows(WebSocketProtocolException.class, () -> feed(d, wire, wire.length));
    }

    @Test
    void decodesMaskedBinaryOfEverySizeClassWhateverTheSplit() throws Exception {
        Random random = new Random(7);
        for (int size : new int[] {0, 1, 7, 125, 126, 127, 65535, 65536, 70001}) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            for (int step : new int[] {1, 3, 8, 4096, Integer.MAX_VALUE}) {
                if (step == 1 && size > 200) {
                    continue; // byte-at-a-time is covered by the smaller sizes
                }
                WireFrames.Recorder r = new WireFrames.Recorder();
                FrameDecoder d = new FrameDecoder(true, 1 << 20, 1024, r);
                byte[] wire = frame(true, 0, FrameEncoder.BINARY, true, random.nextInt(), payload);
                feed(d, wire, Math.min(step, wire.length));
                assertEquals(1, r.binaries.size(), "size " + size + " step " + step);
                assertArrayEquals(payload, r.binaries.get(0), "size " + size + " step " + step);
            }
        }
    }

    @Test
    void reassemblesFragmentsWithControlFramesBetweenThem() throws Exception {
        byte[] wire = concat(
                frame(false, 0, FrameEncoder.TEXT, true, 1, "hel".getBytes(StandardCharsets.UTF_8)),
                frame(true, 0, FrameEncoder.PING, true, 2, "p".getBytes(StandardCharsets.UTF_8)),
                frame(false, 0, FrameEncoder.CONTINUATION, true, 3, "lo ".getBytes(StandardCharsets.UTF_8)),
                frame(true, 0, FrameEncoder.PONG, true, 4, new byte[0]),
                frame(true, 0, FrameEncoder.CONTINUATION, true, 5, "w\u00f6rld".getBytes(StandardCharsets.UTF_8)),
                clientFrame(FrameEncoder.BINARY, new byte[] {1, 2, 3}));
        feed(server(100), wire, 2);
        assertEquals(List.of("ping p", "pong ", "text hello w\u00f6rld", "binary 3"), sink.events);
    }

    @Test
    void aTextSplitInsideAMultiByteCharacterIsStillValid() throws Exception {
        byte[] text = "\u20ac".getBytes(StandardCharsets.UTF_8); // three bytes
        byte[] wire = concat(frame(false, 0, FrameEncoder.TEXT, true, 9, new byte[] {text[0]}),
                frame(true, 0, FrameEncoder.CONTINUATION, true, 9, new byte[] {text[1], text[2]}));
        feed(server(100), wire, wire.length);
        assertEquals(List.of("text \u20ac"), sink.events);
    }

    @Test
    void aMessageOverTheLimitIsRefusedWith1009FromItsHeaderAlone() {
        byte[] header = java.util.Arrays.copyOf(clientFrame(FrameEncoder.BINARY, new byte[101]), 8); // header only
        WebSocketProtocolException e = rejected(server(100), header);
        assertEquals(1009, e.closeCode());
        assertEquals("expected a binary message of at most 100 bytes but it has 101 or more", e.getMessage());
    }

    @Test
    void theLimitCountsEveryFragmentOfAMessage() {
        byte[] wire = concat(frame(false, 0, FrameEncoder.BINARY, true, 1, new byte[60]),
                frame(true, 0, FrameEncoder.CONTINUATION, true, 1, new byte[41]));
        WebSocketProtocolException e = rejected(server(100), wire);
        assertEquals(1009, e.closeCode());
        assertEquals("expected a binary message of at most 100 bytes but it has 101 or more", e.getMessage());
        assertTrue(sink.events.isEmpty());
    }

    @Test
    void textHasItsOwnLimit() {
        WebSocketProtocolException e = rejected(server(1 << 20), clientFrame(FrameEncoder.TEXT, new byte[1025]));
        assertEquals(1009, e.closeCode());
        assertEquals("expected a text message of at most 1024 bytes but it has 1025 or more", e.getMessage());
    }

    @Test
    void rejectsUnknownOpcodes() {
        for (int op : new int[] {0x3, 0x7, 0xB, 0xF}) {
            WebSocketProtocolException e = rejected(server(100), frame(true, 0, op, true, 1, new byte[0]));
            assertEquals(1002, e.closeCode());
            assertEquals("unknown opcode 0x" + Integer.toHexString(op), e.getMessage());
        }
    }

    @Test
    void rejectsReservedBits() {
        WebSocketProtocolException e = rejected(server(100), frame(true, 4, FrameEncoder.BINARY, true, 1, new byte[1]));
        assertEquals(1002, e.closeCode());
        assertEquals("expected no reserved bits (no extension was negotiated) but was 0x40", e.getMessage());
    }

    @Test
    void rejectsA64BitLengthWithTheTopBitSet() {
        byte[] wire = {(byte) 0x82, (byte) (0x80 | 127), (byte) 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4};
        WebSocketProtocolException e = rejected(server(100), wire);
        assertEquals(1002, e.closeCode());
        assertEquals("expected a 64-bit payload length with the top bit clear but was 0x8000000000000001", e.getMessage());
    }

    @Test
    void rejectsHugeAndNonMinimalLengths() {
        byte[] huge = {(byte) 0x82, (byte) (0x80 | 127), 0x7F, -1, -1, -1, -1, -1, -1, -1, 1, 2, 3, 4};
        assertEquals(1009, rejected(server(100), huge).closeCode());
        byte[] sixteen = {(byte) 0x82, (byte) (0x80 | 126), 0, 5, 1, 2, 3, 4};
        assertEquals("expected a minimal payload length but 16 bits carry 5", rejected(server(100), sixteen).getMessage());
        byte[] sixtyFour = {(byte) 0x82, (byte) (0x80 | 127), 0, 0, 0, 0, 0, 0, 1, 0, 1, 2, 3, 4};
        assertEquals("expected a minimal payload length but 64 bits carry 256",
                rejected(server(100), sixtyFour).getMessage());
    }

    @Test
    void theServerRequiresMaskingAndTheClientRefusesIt() {
        WebSocketProtocolException e = rejected(server(100), frame(true, 0, FrameEncoder.BINARY, false, 0, new byte[1]));
        assertEquals(1002, e.closeCode());
        assertEquals("expected a masked frame from the client but it was not masked", e.getMessage());
        FrameDecoder client = new FrameDecoder(false, 100, 100, sink);
        e = rejected(client, clientFrame(FrameEncoder.BINARY, new byte[1]));
        assertEquals(1002, e.closeCode());
        assertEquals("expected an unmasked frame from the server but it was masked", e.getMessage());
    }

    @Test
    void rejectsFragmentedAndLongControlFrames() {
        WebSocketProtocolException e = rejected(server(100), frame(false, 0, FrameEncoder.PING, true, 1, new byte[1]));
        assertEquals(1002, e.closeCode());
        assertEquals("expected a control frame (opcode 0x9) to be final but it was fragmented", e.getMessage());
        e = rejected(server(1000), clientFrame(FrameEncoder.PONG, new byte[126]));
        assertEquals("expected a control frame of at most 125 bytes but was 126", e.getMessage());
    }

    @Test
    void rejectsContinuationsOutOfPlace() {
        WebSocketProtocolException e = rejected(server(100), clientFrame(FrameEncoder.CONTINUATION, new byte[1]));
        assertEquals(1002, e.closeCode());
        assertEquals("expected a text or binary frame but was a continuation with no message to continue", e.getMessage());
        byte[] wire = concat(frame(false, 0, FrameEncoder.BINARY, true, 1, new byte[1]),
                clientFrame(FrameEncoder.TEXT, new byte[1]));
        e = rejected(server(100), wire);
        assertEquals("expected a continuation of the fragmented message but was a new text frame", e.getMessage());
    }

    @Test
    void rejectsTextThatIsNotUtf8With1007() {
        WebSocketProtocolException e = rejected(server(100),
                clientFrame(FrameEncoder.TEXT, new byte[] {'a', (byte) 0xC3, (byte) 0x28}));
        assertEquals(1007, e.closeCode());
        assertEquals("expected the text message to be UTF-8 but it is not", e.getMessage());
        byte[] badReason = concat(closePayload(1000, ""), new byte[] {(byte) 0xFF});
        e = rejected(server(100), clientFrame(FrameEncoder.CLOSE, badReason));
        assertEquals(1007, e.closeCode());
        assertEquals("expected the close reason to be UTF-8 but it is not", e.getMessage());
    }

    @Test
    void decodesCloseFramesAndIgnoresWhatFollows() throws Exception {
        FrameDecoder d = server(100);
        feed(d, concat(clientFrame(FrameEncoder.CLOSE, closePayload(4001, "bye")), clientFrame(FrameEncoder.BINARY,
                new byte[1])), 5);
        assertEquals(List.of("close 4001 bye"), sink.events);
        assertTrue(d.isDone());
        FrameDecoder empty = new FrameDecoder(true, 100, 100, sink);
        feed(empty, clientFrame(FrameEncoder.CLOSE, new byte[0]), 100);
        assertEquals("close 1005 ", sink.events.get(1));
    }

    @Test
    void rejectsMalformedCloseFrames() {
        WebSocketProtocolException e = rejected(server(100), clientFrame(FrameEncoder.CLOSE, new byte[] {3}));
        assertEquals(1002, e.closeCode());
        assertEquals("expected a close frame of 0 or at least 2 bytes but was 1", e.getMessage());
        for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 2999, 5000}) {
            e = rejected(server(100), clientFrame(FrameEncoder.CLOSE, closePayload(code, "")));
            assertEquals("expected a close code that may be sent but was " + code, e.getMessage());
        }
    }

    @Test
    void aTruncatedFrameDeliversNothing() throws Exception {
        byte[] wire = clientFrame(FrameEncoder.BINARY, new byte[300]);
        FrameDecoder d = server(1000);
        feed(d, java.util.Arrays.copyOf(wire, wire.length - 1), 7);
        assertTrue(sink.events.isEmpty());
        feed(d, java.util.Arrays.copyOf(wire, 1), 1); // a header byte where the last payload byte belongs
        assertEquals(List.of("binary 300"), sink.events);
    }

    @Test
    void afterAnErrorNothingMoreIsDecoded() throws Exception {
        FrameDecoder d = server(100);
        rejected(d, frame(true, 0, 0x3, true, 1, new byte[0]));
        feed(d, clientFrame(FrameEncoder.BINARY, new byte[1]), 100);
        assertTrue(sink.events.isEmpty());
        assertTrue(d.isDone());
    }
}
