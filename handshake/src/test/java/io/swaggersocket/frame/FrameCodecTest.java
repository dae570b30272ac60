package io.swaggersocket.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Byte-exact tests of {@link FrameCodec}: every fixture is written out by hand as hex, laid out as
 * {@code version type flags reserved streamId payload...}.
 */
class FrameCodecTest {

    /** Small limits so that the size-limit fixtures stay short enough to write by hand. */
    private static final int MAX_FRAME = 8;
    private static final int MAX_HEADER = 8;

    private final FrameCodec codec = new FrameCodec(MAX_FRAME, MAX_HEADER);

    // ---------------------------------------------------------------- helpers

    /** Bytes of a hex fixture; spaces are only for reading. */
    static byte[] bytes(String hex) {
        String s = hex.replace(" ", "");
        if (s.length() % 2 != 0) {
            throw new IllegalArgumentException("odd number of hex digits in fixture: " + hex);
        }
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    static ByteBuffer buf(String hex) {
        return ByteBuffer.wrap(bytes(hex));
    }

    /** The remaining bytes of a buffer as lowercase hex without spaces; does not move its position. */
    static String hex(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        StringBuilder sb = new StringBuilder();
        while (d.hasRemaining()) {
            sb.append(String.format("%02x", d.get() & 0xff));
        }
        return sb.toString();
    }

    static String hex(byte[] b) {
        return hex(ByteBuffer.wrap(b));
    }

    static String strip(String hex) {
        return hex.replace(" ", "").toLowerCase();
    }

    static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private void assertEncodes(String expectedHex, Frame frame) {
        ByteBuffer out = FrameCodec.encode(frame);
        assertEquals(0, out.position(), "encoded buffer starts at 0");
        assertEquals(strip(expectedHex), hex(out));
    }

    private Frame decode(String hex) throws ProtocolViolationException {
        return codec.decode(buf(hex));
    }

    // ---------------------------------------------------------------- HEADERS

    @Test
    void headersWithoutEndStreamEncodesToFixture() {
        // "GET /" on stream 1, flags 0
        assertEncodes("01 01 00 00 00000001 47 45 54 20 2f",
                new Frame.Headers(1, "GET /".getBytes(StandardCharsets.US_ASCII), false));
    }

    @Test
    void headersWithoutEndStreamDecodesFromFixture() throws Exception {
        Frame f = decode("01 01 00 00 00000001 47 45 54 20 2f");
        Frame.Headers h = assertInstanceOf(Frame.Headers.class, f);
        assertEquals(1, h.streamId());
        assertEquals(FrameType.HEADERS, h.type());
        assertFalse(h.endStream());
        assertArrayEquals("GET /".getBytes(StandardCharsets.US_ASCII), h.head());
    }

    @Test
    void headersWithEndStreamEncodesToFixture() {
        // "HTTP" on stream 5, END_STREAM
        assertEncodes("01 01 01 00 00000005 48 54 54 50",
                new Frame.Headers(5, "HTTP".getBytes(StandardCharsets.US_ASCII), true));
    }

    @Test
    void headersWithEndStreamDecodesFromFixture() throws Exception {
        Frame.Headers h = assertInstanceOf(Frame.Headers.class, decode("01 01 01 00 00000005 48 54 54 50"));
        assertEquals(5, h.streamId());
        assertEquals(FrameType.HEADERS, h.type());
        assertTrue(h.endStream());
        assertArrayEquals("HTTP".getBytes(StandardCharsets.US_ASCII), h.head());
    }

    @Test
    void headersOnHighestStreamIdEncodesAllFourIdBytesBigEndian() throws Exception {
        String fixture = "01 01 00 00 7fffffff 41";
        assertEncodes(fixture, new Frame.Headers(Integer.MAX_VALUE, new byte[] {0x41}, false));
        Frame.Headers h = assertInstanceOf(Frame.Headers.class, decode(fixture));
        assertEquals(Integer.MAX_VALUE, h.streamId());
        assertArrayEquals(new byte[] {0x41}, h.head());
    }

    @Test
    void headersAtExactlyMaxHeaderSizeIsAccepted() throws Exception {
        Frame.Headers h = assertInstanceOf(Frame.Headers.class,
                decode("01 01 00 00 00000001 31 32 33 34 35 36 37 38"));
        assertArrayEquals("12345678".getBytes(StandardCharsets.US_ASCII), h.head());
    }

    @Test
    void decodedHeadersHeadIsACopyOfTheInput() throws Exception {
        byte[] input = bytes("01 01 00 00 00000001 41 42");
        Frame.Headers h = (Frame.Headers) codec.decode(ByteBuffer.wrap(input));
        input[8] = 0x5a;
        assertArrayEquals(new byte[] {0x41, 0x42}, h.head());
    }

    // ---------------------------------------------------------------- DATA

    @Test
    void dataWithEndStreamEncodesToFixture() {
        assertEncodes("01 02 01 00 00000003 68 69", new Frame.Data(3, utf8("hi"), true));
    }

    @Test
    void dataWithEndStreamDecodesFromFixture() throws Exception {
        Frame.Data d = assertInstanceOf(Frame.Data.class, decode("01 02 01 00 00000003 68 69"));
        assertEquals(3, d.streamId());
        assertEquals(FrameType.DATA, d.type());
        assertTrue(d.endStream());
        assertEquals("6869", hex(d.payload()));
    }

    @Test
    void dataWithoutEndStreamEncodesToFixture() {
        // stream 0x01020304 checks the byte order of the id
        assertEncodes("01 02 00 00 01020304 61 62 63", new Frame.Data(0x01020304, utf8("abc"), false));
    }

    @Test
    void dataWithoutEndStreamDecodesFromFixture() throws Exception {
        Frame.Data d = assertInstanceOf(Frame.Data.class, decode("01 02 00 00 01020304 61 62 63"));
        assertEquals(0x01020304, d.streamId());
        assertFalse(d.endStream());
        assertEquals("616263", hex(d.payload()));
    }

    @Test
    void emptyDataWithEndStreamEncodesToHeaderOnly() {
        assertEncodes("01 02 01 00 00000007", new Frame.Data(7, ByteBuffer.allocate(0), true));
    }

    @Test
    void emptyDataWithEndStreamDecodesWithEmptyPayload() throws Exception {
        Frame.Data d = assertInstanceOf(Frame.Data.class, decode("01 02 01 00 00000007"));
        assertEquals(7, d.streamId());
        assertTrue(d.endStream());
        assertEquals(0, d.payload().remaining());
    }

    @Test
    void dataAtExactlyMaxFrameSizeIsAccepted() throws Exception {
        Frame.Data d = assertInstanceOf(Frame.Data.class, decode("01 02 00 00 00000001 0001020304050607"));
        assertEquals("0001020304050607", hex(d.payload()));
    }

    @Test
    void encodeDataTakesOnlyTheRemainingPayloadAndLeavesItsPositionAlone() {
        ByteBuffer payload = utf8("xxhi");
        payload.position(2);
        assertEncodes("01 02 00 00 00000009 68 69", new Frame.Data(9, payload, false));
        assertEquals(2, payload.position(), "payload position after encode");
        assertEquals(4, payload.limit(), "payload limit after encode");
    }

    @Test
    void decodedDataPayloadIsASliceOfTheInputNotACopy() throws Exception {
        byte[] input = bytes("01 02 00 00 00000003 68 69");
        ByteBuffer message = ByteBuffer.wrap(input);
        Frame.Data d = (Frame.Data) codec.decode(message);

        assertTrue(d.payload().hasArray());
        assertSame(input, d.payload().array(), "payload shares the input array");
        assertEquals(FrameCodec.HEADER_LENGTH, d.payload().arrayOffset() + d.payload().position());
        assertEquals(2, d.payload().remaining());

        input[8] = 0x48; // 'H'
        assertEquals("4869", hex(d.payload()), "a change to the input shows through the payload");
    }

    @Test
    void decodedDataPayloadIsASliceOfADirectInputToo() throws Exception {
        ByteBuffer message = ByteBuffer.allocateDirect(10).put(bytes("01 02 00 00 00000003 68 69")).flip();
        Frame.Data d = (Frame.Data) codec.decode(message);
        message.put(9, (byte) 0x49); // 'I'
        assertEquals("6849", hex(d.payload()));
    }

    // ---------------------------------------------------------------- writeDataHeader

    @Test
    void writeDataHeaderWithEndStreamMatchesEncode() {
        byte[] frame = new byte[10];
        Arrays.fill(frame, 0, FrameCodec.HEADER_LENGTH, (byte) 0xee); // stale bytes must be overwritten
        frame[8] = 0x68;
        frame[9] = 0x69;
        FrameCodec.writeDataHeader(frame, 3, true);
        assertEquals(strip("01 02 01 00 00000003 68 69"), hex(frame));
        assertEquals(hex(FrameCodec.encode(new Frame.Data(3, utf8("hi"), true))), hex(frame));
    }

    @Test
    void writeDataHeaderWithoutEndStreamMatchesEncode() {
        byte[] frame = new byte[11];
        Arrays.fill(frame, 0, FrameCodec.HEADER_LENGTH, (byte) 0xff);
        frame[8] = 0x61;
        frame[9] = 0x62;
        frame[10] = 0x63;
        FrameCodec.writeDataHeader(frame, 0x7f010203, false);
        assertEquals(strip("01 02 00 00 7f010203 61 62 63"), hex(frame));
        assertEquals(hex(FrameCodec.encode(new Frame.Data(0x7f010203, utf8("abc"), false))), hex(frame));
    }

    @Test
    void writeDataHeaderForEmptyPayloadMatchesEncode() {
        byte[] frame = new byte[FrameCodec.HEADER_LENGTH];
        FrameCodec.writeDataHeader(frame, Integer.MAX_VALUE, true);
        assertEquals(strip("01 02 01 00 7fffffff"), hex(frame));
        assertEquals(hex(FrameCodec.encode(new Frame.Data(Integer.MAX_VALUE, ByteBuffer.allocate(0), true))),
                hex(frame));
    }

    @Test
    void writeDataHeaderLeavesThePayloadBytesAlone() {
        byte[] frame = bytes("00 00 00 00 00000000 de ad be ef");
        FrameCodec.writeDataHeader(frame, 1, false);
        assertEquals(strip("01 02 00 00 00000001 de ad be ef"), hex(frame));
    }

    @Test
    void writeDataHeaderRejectsStreamZero() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FrameCodec.writeDataHeader(new byte[8], 0, false));
        assertEquals("DATA streamId: 0 is out of range [1, 2147483647]", e.getMessage());
    }

    // ---------------------------------------------------------------- RESET

    @Test
    void resetWithoutReasonEncodesToFixture() {
        assertEncodes("01 03 00 00 00000005 00000008", new Frame.Reset(5, ErrorCode.CANCEL, ""));
    }

    @Test
    void resetWithoutReasonDecodesFromFixture() throws Exception {
        Frame.Reset r = assertInstanceOf(Frame.Reset.class, decode("01 03 00 00 00000005 00000008"));
        assertEquals(new Frame.Reset(5, ErrorCode.CANCEL, ""), r);
        assertEquals(5, r.streamId());
        assertEquals(FrameType.RESET, r.type());
        assertEquals(ErrorCode.CANCEL, r.errorCode());
        assertEquals("", r.message());
    }

    @Test
    void resetWithReasonEncodesToFixture() {
        assertEncodes("01 03 00 00 00000009 00000001 67 6f 6e 65", new Frame.Reset(9, ErrorCode.PROTOCOL_ERROR, "gone"));
    }

    @Test
    void resetWithReasonDecodesFromFixture() throws Exception {
        Frame.Reset r = assertInstanceOf(Frame.Reset.class, decode("01 03 00 00 00000009 00000001 67 6f 6e 65"));
        assertEquals(9, r.streamId());
        assertEquals(ErrorCode.PROTOCOL_ERROR, r.errorCode());
        assertEquals("gone", r.message());
    }

    @Test
    void resetReasonIsUtf8OnTheWire() throws Exception {
        // "é€" = c3 a9 e2 82 ac
        String fixture = "01 03 00 00 00000002 00000002 c3 a9 e2 82 ac";
        assertEncodes(fixture, new Frame.Reset(2, ErrorCode.INTERNAL_ERROR, "é€"));
        assertEquals(new Frame.Reset(2, ErrorCode.INTERNAL_ERROR, "é€"), decode(fixture));
    }

    static Stream<Arguments> errorCodeNumbers() {
        return Stream.of(
                arguments(ErrorCode.NO_ERROR, "00000000"),
                arguments(ErrorCode.PROTOCOL_ERROR, "00000001"),
                arguments(ErrorCode.INTERNAL_ERROR, "00000002"),
                arguments(ErrorCode.FLOW_CONTROL_ERROR, "00000003"),
                arguments(ErrorCode.STREAM_CLOSED, "00000005"),
                arguments(ErrorCode.FRAME_SIZE_ERROR, "00000006"),
                arguments(ErrorCode.REFUSED_STREAM, "00000007"),
                arguments(ErrorCode.CANCEL, "00000008"));
    }

    @ParameterizedTest(name = "{0} is {1} on the wire")
    @MethodSource("errorCodeNumbers")
    void resetCarriesEachErrorCodeNumber(ErrorCode code, String wire) throws Exception {
        String fixture = "01 03 00 00 00000001 " + wire;
        assertEncodes(fixture, new Frame.Reset(1, code, ""));
        assertEquals(new Frame.Reset(1, code, ""), decode(fixture));
    }

    @ParameterizedTest(name = "{0} is {1} on the wire")
    @MethodSource("errorCodeNumbers")
    void goAwayCarriesEachErrorCodeNumber(ErrorCode code, String wire) throws Exception {
        String fixture = "01 05 00 00 00000000 00000003 " + wire;
        assertEncodes(fixture, new Frame.GoAway(3, code, ""));
        assertEquals(new Frame.GoAway(3, code, ""), decode(fixture));
    }

    @ParameterizedTest(name = "error code {0} decodes as INTERNAL_ERROR")
    @MethodSource("unknownErrorCodes")
    void unknownErrorCodeInResetDecodesAsInternalError(String wire) throws Exception {
        Frame.Reset r = (Frame.Reset) decode("01 03 00 00 00000001 " + wire + " 78");
        assertEquals(ErrorCode.INTERNAL_ERROR, r.errorCode());
        assertEquals("x", r.message());
    }

    @ParameterizedTest(name = "error code {0} decodes as INTERNAL_ERROR")
    @MethodSource("unknownErrorCodes")
    void unknownErrorCodeInGoAwayDecodesAsInternalError(String wire) throws Exception {
        Frame.GoAway g = (Frame.GoAway) decode("01 05 00 00 00000000 00000004 " + wire);
        assertEquals(ErrorCode.INTERNAL_ERROR, g.errorCode());
        assertEquals(4, g.lastStreamId());
    }

    static Stream<String> unknownErrorCodes() {
        // 4 is the hole between FLOW_CONTROL_ERROR and STREAM_CLOSED; 9 and 0x0d exist in HTTP/2 only
        return Stream.of("00000004", "00000009", "0000000d", "7fffffff", "80000000", "ffffffff");
    }

    // ---------------------------------------------------------------- WINDOW_UPDATE

    @Test
    void windowUpdateOnConnectionEncodesToFixture() {
        assertEncodes("01 04 00 00 00000000 00010000", new Frame.WindowUpdate(0, 65536));
    }

    @Test
    void windowUpdateOnConnectionDecodesFromFixture() throws Exception {
        Frame.WindowUpdate w = assertInstanceOf(Frame.WindowUpdate.class, decode("01 04 00 00 00000000 00010000"));
        assertEquals(0, w.streamId());
        assertEquals(FrameType.WINDOW_UPDATE, w.type());
        assertEquals(65536, w.increment());
    }

    @Test
    void windowUpdateOnStreamWithLargestIncrementEncodesToFixture() {
        assertEncodes("01 04 00 00 00000003 7fffffff", new Frame.WindowUpdate(3, Integer.MAX_VALUE));
    }

    @Test
    void windowUpdateOnStreamWithLargestIncrementDecodesFromFixture() throws Exception {
        Frame.WindowUpdate w = assertInstanceOf(Frame.WindowUpdate.class, decode("01 04 00 00 00000003 7fffffff"));
        assertEquals(3, w.streamId());
        assertEquals(Integer.MAX_VALUE, w.increment());
    }

    @Test
    void windowUpdateWithSmallestIncrementRoundTrips() throws Exception {
        String fixture = "01 04 00 00 00000001 00000001";
        assertEncodes(fixture, new Frame.WindowUpdate(1, 1));
        assertEquals(new Frame.WindowUpdate(1, 1), decode(fixture));
    }

    // ---------------------------------------------------------------- GOAWAY

    @Test
    void goAwayWithoutReasonEncodesToFixture() {
        assertEncodes("01 05 00 00 00000000 00000000 00000000", new Frame.GoAway(0, ErrorCode.NO_ERROR, ""));
    }

    @Test
    void goAwayWithoutReasonDecodesFromFixture() throws Exception {
        Frame.GoAway g = assertInstanceOf(Frame.GoAway.class, decode("01 05 00 00 00000000 00000000 00000000"));
        assertEquals(0, g.streamId());
        assertEquals(FrameType.GOAWAY, g.type());
        assertEquals(0, g.lastStreamId());
        assertEquals(ErrorCode.NO_ERROR, g.errorCode());
        assertEquals("", g.message());
    }

    @Test
    void goAwayWithReasonEncodesToFixture() {
        assertEncodes("01 05 00 00 00000000 0000000b 00000001 62 79 65",
                new Frame.GoAway(11, ErrorCode.PROTOCOL_ERROR, "bye"));
    }

    @Test
    void goAwayWithReasonDecodesFromFixture() throws Exception {
        Frame.GoAway g = assertInstanceOf(Frame.GoAway.class,
                decode("01 05 00 00 00000000 0000000b 00000001 62 79 65"));
        assertEquals(0, g.streamId());
        assertEquals(11, g.lastStreamId());
        assertEquals(ErrorCode.PROTOCOL_ERROR, g.errorCode());
        assertEquals("bye", g.message());
    }

    @Test
    void goAwayWithHighestLastStreamIdRoundTrips() throws Exception {
        String fixture = "01 05 00 00 00000000 7fffffff 00000008";
        assertEncodes(fixture, new Frame.GoAway(Integer.MAX_VALUE, ErrorCode.CANCEL, ""));
        assertEquals(new Frame.GoAway(Integer.MAX_VALUE, ErrorCode.CANCEL, ""), decode(fixture));
    }

    // ---------------------------------------------------------------- reason length

    @Test
    void resetReasonOfExactly1024BytesIsKeptWhole() throws Exception {
        String reason = "a".repeat(1024);
        String fixture = "01 03 00 00 00000001 00000002 " + "61".repeat(1024);
        assertEncodes(fixture, new Frame.Reset(1, ErrorCode.INTERNAL_ERROR, reason));
        assertEquals(reason, ((Frame.Reset) decode(fixture)).message());
    }

    @Test
    void resetReasonOverLimitIsCutBeforeATwoByteCharacterSplitByTheLimit() throws Exception {
        // 1023 'a' + "é" (c3 a9): byte 1024 is a9, a continuation byte, so the cut goes back to 1023
        String fixture = "01 03 00 00 00000001 00000002 " + "61".repeat(1023);
        assertEncodes(fixture, new Frame.Reset(1, ErrorCode.INTERNAL_ERROR, "a".repeat(1023) + "é"));
        assertEquals("a".repeat(1023), ((Frame.Reset) decode(fixture)).message());
    }

    @Test
    void resetReasonOverLimitIsCutAtTheLimitWhenACharacterStartsThere() {
        // 1024 'a' + "é": byte 1024 is c3, a lead byte, so exactly 1024 bytes are kept
        assertEncodes("01 03 00 00 00000001 00000002 " + "61".repeat(1024),
                new Frame.Reset(1, ErrorCode.INTERNAL_ERROR, "a".repeat(1024) + "é"));
    }

    @Test
    void resetReasonOverLimitIsCutBeforeAThreeByteCharacterSplitByTheLimit() {
        // 1022 'a' + "€" (e2 82 ac) + "b": bytes 1023 and 1024 are continuation bytes
        assertEncodes("01 03 00 00 00000001 00000002 " + "61".repeat(1022),
                new Frame.Reset(1, ErrorCode.INTERNAL_ERROR, "a".repeat(1022) + "€b"));
    }

    @Test
    void resetReasonOverLimitIsCutBeforeAFourByteCharacterSplitByTheLimit() {
        // 1021 'a' + U+1F600 (f0 9f 98 80): the character occupies bytes 1021..1024
        assertEncodes("01 03 00 00 00000001 00000002 " + "61".repeat(1021),
                new Frame.Reset(1, ErrorCode.INTERNAL_ERROR, "a".repeat(1021) + "\uD83D\uDE00"));
    }

    @Test
    void resetReasonOfOnlyMultiByteCharactersIsCutToWholeCharacters() throws Exception {
        // 600 x "é" = 1200 bytes; 1024 is even, so 512 whole characters fit exactly
        String fixture = "01 03 00 00 00000001 00000002 " + "c3a9".repeat(512);
        assertEncodes(fixture, new Frame.Reset(1, ErrorCode.INTERNAL_ERROR, "é".repeat(600)));
        assertEquals("é".repeat(512), ((Frame.Reset) decode(fixture)).message());
    }

    @Test
    void goAwayReasonOverLimitIsCutAtACharacterBoundary() throws Exception {
        String fixture = "01 05 00 00 00000000 00000007 00000000 " + "61".repeat(1023);
        assertEncodes(fixture, new Frame.GoAway(7, ErrorCode.NO_ERROR, "a".repeat(1023) + "é and more"));
        assertEquals("a".repeat(1023), ((Frame.GoAway) decode(fixture)).message());
    }

    @Test
    void goAwayReasonOfExactly1024BytesDecodes() throws Exception {
        Frame.GoAway g = (Frame.GoAway) decode("01 05 00 00 00000000 00000000 00000000 " + "7a".repeat(1024));
        assertEquals("z".repeat(1024), g.message());
    }

    // ---------------------------------------------------------------- decode: input handling

    @Test
    void decodeReadsFromThePositionAndLeavesTheInputBufferUnchanged() throws Exception {
        byte[] backing = bytes("ff ff ff 01 02 01 00 00000003 68 69 ee");
        ByteBuffer message = ByteBuffer.wrap(backing, 3, 10);
        Frame.Data d = (Frame.Data) codec.decode(message);
        assertEquals(3, d.streamId());
        assertEquals("6869", hex(d.payload()));
        assertEquals(3, message.position(), "position after decode");
        assertEquals(13, message.limit(), "limit after decode");
    }

    @Test
    void decodeOfReadOnlyBufferWorks() throws Exception {
        Frame.Reset r = (Frame.Reset) codec.decode(buf("01 03 00 00 00000004 00000007 6e6f").asReadOnlyBuffer());
        assertEquals(new Frame.Reset(4, ErrorCode.REFUSED_STREAM, "no"), r);
    }

    // ---------------------------------------------------------------- decode: rejections

    static Stream<Arguments> rejections() {
        String r1025 = "61".repeat(1025);
        return Stream.of(
                // too short
                arguments("empty message", "",
                        ErrorCode.FRAME_SIZE_ERROR, "frame: expected at least 8 bytes but was 0"),
                arguments("one byte", "01",
                        ErrorCode.FRAME_SIZE_ERROR, "frame: expected at least 8 bytes but was 1"),
                arguments("seven bytes", "01 02 01 00 000000",
                        ErrorCode.FRAME_SIZE_ERROR, "frame: expected at least 8 bytes but was 7"),
                // version
                arguments("version 0", "00 02 00 00 00000001",
                        ErrorCode.PROTOCOL_ERROR, "frame: expected version 1 but was 0"),
                arguments("version 2", "02 02 00 00 00000001 68 69",
                        ErrorCode.PROTOCOL_ERROR, "frame: expected version 1 but was 2"),
                arguments("version 255 is read unsigned", "ff 02 00 00 00000001",
                        ErrorCode.PROTOCOL_ERROR, "frame: expected version 1 but was 255"),
                // R bit of the stream id
                arguments("reserved bit in stream id", "01 02 00 00 80000001 68 69",
                        ErrorCode.PROTOCOL_ERROR, "frame: stream id has the reserved bit set (0x80000001)"),
                arguments("reserved bit alone in stream id", "01 04 00 00 80000000 00000001",
                        ErrorCode.PROTOCOL_ERROR, "frame: stream id has the reserved bit set (0x80000000)"),
                arguments("all ones stream id", "01 01 00 00 ffffffff 41",
                        ErrorCode.PROTOCOL_ERROR, "frame: stream id has the reserved bit set (0xffffffff)"),
                // type
                arguments("type 0", "01 00 00 00 00000001",
                        ErrorCode.PROTOCOL_ERROR, "frame: unknown type 0x00 on stream 1"),
                arguments("type 6", "01 06 00 00 0000002a 00",
                        ErrorCode.PROTOCOL_ERROR, "frame: unknown type 0x06 on stream 42"),
                arguments("type 0xff", "01 ff 00 00 00000000",
                        ErrorCode.PROTOCOL_ERROR, "frame: unknown type 0xff on stream 0"),
                // reserved byte
                arguments("reserved byte 0x01 on DATA", "01 02 00 01 00000001 68 69",
                        ErrorCode.PROTOCOL_ERROR, "DATA on stream 1: reserved byte must be 0 but was 0x01"),
                arguments("reserved byte 0x80 on GOAWAY", "01 05 00 80 00000000 00000000 00000000",
                        ErrorCode.PROTOCOL_ERROR, "GOAWAY on stream 0: reserved byte must be 0 but was 0x80"),
                // flags
                arguments("DATA flag 0x02", "01 02 02 00 00000001 68 69",
                        ErrorCode.PROTOCOL_ERROR, "DATA on stream 1: unknown flags 0x02"),
                arguments("DATA flags 0x03 names only the unknown bit", "01 02 03 00 00000001",
                        ErrorCode.PROTOCOL_ERROR, "DATA on stream 1: unknown flags 0x02"),
                arguments("DATA flags 0xff", "01 02 ff 00 00000001",
                        ErrorCode.PROTOCOL_ERROR, "DATA on stream 1: unknown flags 0xfe"),
                arguments("HEADERS flag 0x80", "01 01 80 00 00000001 41",
                        ErrorCode.PROTOCOL_ERROR, "HEADERS on stream 1: unknown flags 0x80"),
                arguments("RESET allows no END_STREAM", "01 03 01 00 00000001 00000000",
                        ErrorCode.PROTOCOL_ERROR, "RESET on stream 1: unknown flags 0x01"),
                arguments("WINDOW_UPDATE allows no flags", "01 04 01 00 00000000 00000001",
                        ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE on stream 0: unknown flags 0x01"),
                arguments("GOAWAY allows no flags", "01 05 10 00 00000000 00000000 00000000",
                        ErrorCode.PROTOCOL_ERROR, "GOAWAY on stream 0: unknown flags 0x10"),
                // stream 0 / nonzero
                arguments("HEADERS on stream 0", "01 01 00 00 00000000 41",
                        ErrorCode.PROTOCOL_ERROR, "HEADERS: stream id 0 is the connection, not a stream"),
                arguments("DATA on stream 0", "01 02 00 00 00000000 68 69",
                        ErrorCode.PROTOCOL_ERROR, "DATA: stream id 0 is the connection, not a stream"),
                arguments("RESET on stream 0", "01 03 00 00 00000000 00000000",
                        ErrorCode.PROTOCOL_ERROR, "RESET: stream id 0 is the connection, not a stream"),
                arguments("GOAWAY on stream 1", "01 05 00 00 00000001 00000000 00000000",
                        ErrorCode.PROTOCOL_ERROR, "GOAWAY: expected stream 0 but was 1"),
                // HEADERS payload
                arguments("empty HEADERS", "01 01 00 00 00000001",
                        ErrorCode.PROTOCOL_ERROR, "HEADERS on stream 1: empty message head"),
                arguments("empty HEADERS with END_STREAM", "01 01 01 00 00000003",
                        ErrorCode.PROTOCOL_ERROR, "HEADERS on stream 3: empty message head"),
                arguments("HEADERS one byte over maxHeaderSize", "01 01 00 00 00000001 313233343536373839",
                        ErrorCode.FRAME_SIZE_ERROR,
                        "HEADERS on stream 1: head of 9 bytes is over the negotiated maxHeaderSize 8"),
                // DATA payload
                arguments("DATA one byte over maxFrameSize", "01 02 00 00 00000001 000102030405060708",
                        ErrorCode.FRAME_SIZE_ERROR,
                        "DATA on stream 1: payload of 9 bytes is over the negotiated maxFrameSize 8"),
                // RESET payload
                arguments("RESET with no payload", "01 03 00 00 00000001",
                        ErrorCode.FRAME_SIZE_ERROR, "RESET on stream 1: expected at least 4 payload bytes but was 0"),
                arguments("RESET with 3 payload bytes", "01 03 00 00 00000001 000000",
                        ErrorCode.FRAME_SIZE_ERROR, "RESET on stream 1: expected at least 4 payload bytes but was 3"),
                arguments("RESET reason of 1025 bytes", "01 03 00 00 00000001 00000002 " + r1025,
                        ErrorCode.FRAME_SIZE_ERROR, "RESET on stream 1: reason of 1025 bytes is over 1024"),
                // WINDOW_UPDATE payload
                arguments("WINDOW_UPDATE with no payload", "01 04 00 00 00000000",
                        ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE on stream 0: expected 4 payload bytes but was 0"),
                arguments("WINDOW_UPDATE with 3 payload bytes", "01 04 00 00 00000002 000001",
                        ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE on stream 2: expected 4 payload bytes but was 3"),
                arguments("WINDOW_UPDATE with 5 payload bytes", "01 04 00 00 00000002 0000000100",
                        ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE on stream 2: expected 4 payload bytes but was 5"),
                arguments("WINDOW_UPDATE increment 0", "01 04 00 00 00000002 00000000",
                        ErrorCode.PROTOCOL_ERROR,
                        "WINDOW_UPDATE on stream 2: increment 0 is out of range [1, 2147483647]"),
                arguments("WINDOW_UPDATE increment 0 on connection", "01 04 00 00 00000000 00000000",
                        ErrorCode.PROTOCOL_ERROR,
                        "WINDOW_UPDATE on stream 0: increment 0 is out of range [1, 2147483647]"),
                arguments("WINDOW_UPDATE increment with top bit set", "01 04 00 00 00000002 80000000",
                        ErrorCode.PROTOCOL_ERROR,
                        "WINDOW_UPDATE on stream 2: increment 2147483648 is out of range [1, 2147483647]"),
                arguments("WINDOW_UPDATE increment all ones", "01 04 00 00 00000002 ffffffff",
                        ErrorCode.PROTOCOL_ERROR,
                        "WINDOW_UPDATE on stream 2: increment 4294967295 is out of range [1, 2147483647]"),
                // GOAWAY payload
                arguments("GOAWAY with no payload", "01 05 00 00 00000000",
                        ErrorCode.FRAME_SIZE_ERROR, "GOAWAY: expected at least 8 payload bytes but was 0"),
                arguments("GOAWAY with 7 payload bytes", "01 05 00 00 00000000 00000001 000000",
                        ErrorCode.FRAME_SIZE_ERROR, "GOAWAY: expected at least 8 payload bytes but was 7"),
                arguments("GOAWAY last stream id with reserved bit", "01 05 00 00 00000000 80000000 00000000",
                        ErrorCode.PROTOCOL_ERROR, "GOAWAY: last stream id has the reserved bit set (0x80000000)"),
                arguments("GOAWAY last stream id all ones", "01 05 00 00 00000000 ffffffff 00000000",
                        ErrorCode.PROTOCOL_ERROR, "GOAWAY: last stream id has the reserved bit set (0xffffffff)"),
                arguments("GOAWAY reason of 1025 bytes", "01 05 00 00 00000000 00000000 00000000 " + r1025,
                        ErrorCode.FRAME_SIZE_ERROR, "GOAWAY: reason of 1025 bytes is over 1024"),
                // which check wins when several fail
                arguments("too short beats wrong version", "02 02 00 00 000001",
                        ErrorCode.FRAME_SIZE_ERROR, "frame: expected at least 8 bytes but was 7"),
                arguments("version beats reserved bit", "07 02 00 00 80000001",
                        ErrorCode.PROTOCOL_ERROR, "frame: expected version 1 but was 7"),
                arguments("reserved bit beats unknown type", "01 09 00 00 80000001",
                        ErrorCode.PROTOCOL_ERROR, "frame: stream id has the reserved bit set (0x80000001)"),
                arguments("unknown type beats reserved byte", "01 09 00 01 00000001",
                        ErrorCode.PROTOCOL_ERROR, "frame: unknown type 0x09 on stream 1"),
                arguments("reserved byte beats flags", "01 02 02 01 00000001",
                        ErrorCode.PROTOCOL_ERROR, "DATA on stream 1: reserved byte must be 0 but was 0x01"),
                arguments("flags beat stream 0", "01 02 02 00 00000000",
                        ErrorCode.PROTOCOL_ERROR, "DATA on stream 0: unknown flags 0x02"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejections")
    void decodeRejects(String name, String fixture, ErrorCode expectedCode, String expectedMessage) {
        ProtocolViolationException e = assertThrows(ProtocolViolationException.class, () -> decode(fixture));
        assertEquals(expectedMessage, e.getMessage());
        assertEquals(expectedCode, e.errorCode());
    }

    @Test
    void sizeLimitsComeFromTheCodecInstance() throws Exception {
        String data = "01 02 00 00 00000001 00010203040506070809"; // 10 payload bytes
        String head = "01 01 00 00 00000001 30313233343536373839"; // 10 head bytes
        FrameCodec roomy = new FrameCodec(10, 10);
        assertEquals(10, ((Frame.Data) roomy.decode(buf(data))).payload().remaining());
        assertEquals(10, ((Frame.Headers) roomy.decode(buf(head))).head().length);

        FrameCodec tight = new FrameCodec(9, 9);
        ProtocolViolationException d = assertThrows(ProtocolViolationException.class, () -> tight.decode(buf(data)));
        assertEquals("DATA on stream 1: payload of 10 bytes is over the negotiated maxFrameSize 9", d.getMessage());
        ProtocolViolationException h = assertThrows(ProtocolViolationException.class, () -> tight.decode(buf(head)));
        assertEquals("HEADERS on stream 1: head of 10 bytes is over the negotiated maxHeaderSize 9", h.getMessage());
    }

    @Test
    void maxFrameSizeDoesNotLimitHeadersAndMaxHeaderSizeDoesNotLimitData() throws Exception {
        FrameCodec c = new FrameCodec(2, 16);
        assertEquals(4, ((Frame.Headers) c.decode(buf("01 01 00 00 00000001 41424344"))).head().length);
        FrameCodec d = new FrameCodec(16, 2);
        assertEquals(4, ((Frame.Data) d.decode(buf("01 02 00 00 00000001 41424344"))).payload().remaining());
    }

    @Test
    void rejectedDecodeLeavesTheInputBufferUnchanged() {
        ByteBuffer message = buf("01 02 00 00 00000000 68 69");
        assertThrows(ProtocolViolationException.class, () -> codec.decode(message));
        assertEquals(0, message.position());
        assertEquals(10, message.limit());
    }

    // ---------------------------------------------------------------- round trip of every type

    static Stream<Frame> framesForRoundTrip() {
        return Stream.of(
                new Frame.Reset(12, ErrorCode.STREAM_CLOSED, "closed"),
                new Frame.WindowUpdate(0, 1024),
                new Frame.WindowUpdate(77, 5),
                new Frame.GoAway(99, ErrorCode.FLOW_CONTROL_ERROR, "too much"),
                new Frame.Data(1, utf8("12345678"), false),
                new Frame.Data(2, ByteBuffer.allocate(0), false));
    }

    @ParameterizedTest
    @MethodSource("framesForRoundTrip")
    void encodeThenDecodeGivesAnEqualFrame(Frame frame) throws Exception {
        assertEquals(frame, codec.decode(FrameCodec.encode(frame)));
    }

    // ---------------------------------------------------------------- constructors

    static Stream<Arguments> invalidConstructions() {
        ByteBuffer empty = ByteBuffer.allocate(0);
        return Stream.of(
                arguments("Data stream 0", (Executable) () -> new Frame.Data(0, empty, false),
                        "DATA streamId: 0 is out of range [1, 2147483647]"),
                arguments("Data stream -1", (Executable) () -> new Frame.Data(-1, empty, true),
                        "DATA streamId: -1 is out of range [1, 2147483647]"),
                arguments("Headers stream 0", (Executable) () -> new Frame.Headers(0, new byte[1], false),
                        "HEADERS streamId: 0 is out of range [1, 2147483647]"),
                arguments("Headers stream MIN_VALUE",
                        (Executable) () -> new Frame.Headers(Integer.MIN_VALUE, new byte[1], false),
                        "HEADERS streamId: -2147483648 is out of range [1, 2147483647]"),
                arguments("Reset stream 0", (Executable) () -> new Frame.Reset(0, ErrorCode.CANCEL, ""),
                        "RESET streamId: 0 is out of range [1, 2147483647]"),
                arguments("WindowUpdate negative stream", (Executable) () -> new Frame.WindowUpdate(-1, 1),
                        "streamId: -1 is negative"),
                arguments("WindowUpdate increment 0", (Executable) () -> new Frame.WindowUpdate(0, 0),
                        "increment: 0 is out of range [1, 2147483647]"),
                arguments("WindowUpdate negative increment", (Executable) () -> new Frame.WindowUpdate(3, -5),
                        "increment: -5 is out of range [1, 2147483647]"),
                arguments("GoAway negative last stream",
                        (Executable) () -> new Frame.GoAway(-1, ErrorCode.NO_ERROR, ""),
                        "lastStreamId: -1 is negative"),
                arguments("codec maxFrameSize 0", (Executable) () -> new FrameCodec(0, 1),
                        "maxFrameSize: 0 is not positive"),
                arguments("codec maxHeaderSize -1", (Executable) () -> new FrameCodec(1, -1),
                        "maxHeaderSize: -1 is not positive"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidConstructions")
    void constructorRejectsOutOfRangeValues(String name, Executable construction, String expectedMessage) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construction);
        assertEquals(expectedMessage, e.getMessage());
    }

    static Stream<Arguments> nullConstructions() {
        return Stream.of(
                arguments("Data payload", (Executable) () -> new Frame.Data(1, null, false), "payload"),
                arguments("Headers head", (Executable) () -> new Frame.Headers(1, null, false), "head"),
                arguments("Reset errorCode", (Executable) () -> new Frame.Reset(1, null, ""), "errorCode"),
                arguments("Reset message", (Executable) () -> new Frame.Reset(1, ErrorCode.CANCEL, null), "message"),
                arguments("GoAway errorCode", (Executable) () -> new Frame.GoAway(0, null, ""), "errorCode"),
                arguments("GoAway message",
                        (Executable) () -> new Frame.GoAway(0, ErrorCode.NO_ERROR, null), "message"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nullConstructions")
    void constructorRejectsNull(String name, Executable construction, String expectedMessage) {
        NullPointerException e = assertThrows(NullPointerException.class, construction);
        assertEquals(expectedMessage, e.getMessage());
    }

    @Test
    void constructorsAcceptTheBoundaryValues() {
        assertEquals(1, new Frame.Data(1, ByteBuffer.allocate(0), false).streamId());
        assertEquals(Integer.MAX_VALUE, new Frame.Headers(Integer.MAX_VALUE, new byte[1], false).streamId());
        assertEquals(0, new Frame.WindowUpdate(0, 1).streamId());
        assertEquals(Integer.MAX_VALUE, new Frame.WindowUpdate(1, Integer.MAX_VALUE).increment());
        assertEquals(0, new Frame.GoAway(0, ErrorCode.NO_ERROR, "").lastStreamId());
    }

    @ParameterizedTest
    @EnumSource(ErrorCode.class)
    void errorCodeOfItsOwnNumberIsItself(ErrorCode code) {
        assertSame(code, ErrorCode.of(code.code()));
    }

    @Test
    void protocolViolationExceptionRequiresAnErrorCode() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> new ProtocolViolationException(null, "x"));
        assertEquals("errorCode", e.getMessage());
    }
}
