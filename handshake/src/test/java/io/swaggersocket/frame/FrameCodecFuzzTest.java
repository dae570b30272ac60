package io.swaggersocket.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.swaggersocket.testing.FuzzBudget;
import io.swaggersocket.testing.Mutations;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Fuzzes {@link FrameCodec#decode}: whatever bytes come, it returns a frame whose encoding is the
 * same bytes (up to the two documented normalisations of RESET and GOAWAY), or it throws
 * {@link ProtocolViolationException}; never another exception. Inputs are at most a few hundred
 * bytes over limits of 256, so that every size check is crossed both ways.
 */
@AddLifecycleHook(FuzzBudget.class)
class FrameCodecFuzzTest {
    private static final int MAX_FRAME = 256;
    private static final int MAX_HEADER = 256;
    private static final int MAX_INPUT = 2 * MAX_FRAME + FrameCodec.HEADER_LENGTH;

    private final FrameCodec codec = new FrameCodec(MAX_FRAME, MAX_HEADER);

    @Property
    void validFramesRoundTrip(@ForAll("frames") Frame frame) throws Exception {
        byte[] wire = bytes(FrameCodec.encode(frame));
        Frame decoded = codec.decode(ByteBuffer.wrap(wire));
        assertEquals(frame, decoded);
        assertArrayEquals(wire, bytes(FrameCodec.encode(decoded)));
    }

    @Property
    void randomBytesDecodeToTheirOwnEncodingOrAreRejected(@ForAll("noise") byte[] message) {
        decodesFaithfullyOrIsRejected(message);
    }

    @Property
    void mutatedFramesDecodeToTheirOwnEncodingOrAreRejected(@ForAll("frames") Frame frame,
            @ForAll("randoms") Random random) {
        Mutations mutations = new Mutations(random);
        byte[] wire = bytes(FrameCodec.encode(frame));
        byte[] message = random.nextBoolean() ? mutations.mutate(wire, MAX_INPUT) : withHeaderField(wire, random);
        decodesFaithfullyOrIsRejected(message);
    }

    /** The property every input must have. */
    private void decodesFaithfullyOrIsRejected(byte[] message) {
        Frame frame;
        try {
            frame = codec.decode(ByteBuffer.wrap(message));
        } catch (ProtocolViolationException e) {
            assertNotNull(e.errorCode());
            assertFalse(e.getMessage() == null || e.getMessage().isEmpty(), "a rejection says why");
            return;
        }
        byte[] again = bytes(FrameCodec.encode(frame));
        if (!normalisedOnDecode(frame, message)) {
            assertArrayEquals(message, again, frame.toString());
            return;
        }
        // An unknown error code reads as INTERNAL_ERROR and a malformed reason with U+FFFD: the
        // header is kept, and the normal form is stable.
        assertArrayEquals(Arrays.copyOf(message, FrameCodec.HEADER_LENGTH),
                Arrays.copyOf(again, FrameCodec.HEADER_LENGTH), frame.toString());
        Frame second;
        try {
            second = codec.decode(ByteBuffer.wrap(again));
        } catch (ProtocolViolationException e) {
            throw new AssertionError("the normal form of " + frame + ": expected it to decode but was " + e, e);
        }
        assertEquals(frame, second);
    }

    /** Whether decoding is allowed to change the bytes: only RESET and GOAWAY, only as documented. */
    private static boolean normalisedOnDecode(Frame frame, byte[] message) {
        int codeAt;
        if (frame instanceof Frame.Reset) {
            codeAt = FrameCodec.HEADER_LENGTH;
        } else if (frame instanceof Frame.GoAway) {
            codeAt = FrameCodec.HEADER_LENGTH + 4;
        } else {
            return false;
        }
        int code = ByteBuffer.wrap(message, codeAt, 4).getInt();
        if (ErrorCode.of(code).code() != code) {
            return true;
        }
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(message, codeAt + 4, message.length - codeAt - 4));
            return false;
        } catch (CharacterCodingException e) {
            return true;
        }
    }

    /** Sets one header field (version, type, flags, reserved, stream id) to a random or edge value. */
    private static byte[] withHeaderField(byte[] wire, Random random) {
        byte[] out = wire.clone();
        int field = random.nextInt(5);
        if (field < 4) {
            out[field] = (byte) (random.nextBoolean() ? random.nextInt(256) : random.nextInt(7));
        } else {
            int[] ids = {0, 1, 2, Integer.MAX_VALUE, Integer.MIN_VALUE, -1, random.nextInt()};
            ByteBuffer.wrap(out, 4, 4).putInt(ids[random.nextInt(ids.length)]);
        }
        if (out.length >= 12 && random.nextInt(4) == 0) { // and the first payload word: codes, increments, ids
            int[] words = {0, 1, 2, 4, 8, Integer.MAX_VALUE, Integer.MIN_VALUE, -1, random.nextInt()};
            ByteBuffer.wrap(out, 8, 4).putInt(words[random.nextInt(words.length)]);
        }
        return out;
    }

    @Provide
    Arbitrary<Random> randoms() {
        return Arbitraries.randoms();
    }

    @Provide
    Arbitrary<byte[]> noise() {
        Arbitrary<byte[]> any = Arbitraries.bytes().array(byte[].class).ofMaxSize(MAX_INPUT);
        // Random bytes behind a plausible header, so that decoding gets past the first checks.
        Arbitrary<byte[]> plausible = Combinators.combine(
                Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 6),
                Arbitraries.integers().between(0, 2), Arbitraries.of(0, 0, 0, 1),
                Arbitraries.oneOf(Arbitraries.integers().between(0, 8), Arbitraries.integers()),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(MAX_INPUT - FrameCodec.HEADER_LENGTH))
                .as((version, type, flags, reserved, id, payload) -> ByteBuffer.allocate(FrameCodec.HEADER_LENGTH + payload.length)
                        .put(version.byteValue()).put(type.byteValue()).put(flags.byteValue()).put(reserved.byteValue())
                        .putInt(id).put(payload).array());
        return Arbitraries.oneOf(any, plausible);
    }

    @Provide
    Arbitrary<Frame> frames() {
        Arbitrary<Integer> streamIds = Arbitraries.oneOf(Arbitraries.integers().between(1, 10),
                Arbitraries.integers().between(1, Integer.MAX_VALUE));
        Arbitrary<Boolean> end = Arbitraries.of(true, false);
        Arbitrary<ErrorCode> codes = Arbitraries.of(ErrorCode.class);
        Arbitrary<String> reasons = Arbitraries.strings().ofMaxLength(80)
                .filter(s -> s.equals(new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)));
        Arbitrary<Frame> headers = Combinators.combine(streamIds,
                Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(MAX_HEADER), end)
                .as(Frame.Headers::new);
        Arbitrary<Frame> data = Combinators.combine(streamIds,
                Arbitraries.bytes().array(byte[].class).ofMaxSize(MAX_FRAME).map(ByteBuffer::wrap), end)
                .as(Frame.Data::new);
        Arbitrary<Frame> reset = Combinators.combine(streamIds, codes, reasons).as(Frame.Reset::new);
        Arbitrary<Frame> update = Combinators.combine(Arbitraries.integers().between(0, Integer.MAX_VALUE),
                Arbitraries.integers().between(1, Integer.MAX_VALUE)).as(Frame.WindowUpdate::new);
        Arbitrary<Frame> goAway = Combinators.combine(Arbitraries.integers().between(0, Integer.MAX_VALUE), codes, reasons)
                .as(Frame.GoAway::new);
        return Arbitraries.oneOf(headers, data, reset, update, goAway);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
