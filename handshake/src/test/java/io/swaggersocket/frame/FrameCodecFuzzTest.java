package io.swaggersocket.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.swaggersocket.testing.Fuzz;
import io.swaggersocket.testing.Mutations;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link FrameCodec#decode}: whatever bytes come, it returns a frame whose encoding is the
 * same bytes (up to the two documented normalisations of RESET and GOAWAY), or it throws
 * {@link ProtocolViolationException}; never another exception. Inputs are at most a few hundred
 * bytes over limits of 256, so that every size check is crossed both ways. Each property runs
 * {@code fuzz.tries} seeded inputs through {@link Fuzz} (docs/FUZZING.md).
 */
class FrameCodecFuzzTest {
    private static final int MAX_FRAME = 256;
    private static final int MAX_HEADER = 256;
    private static final int MAX_INPUT = 2 * MAX_FRAME + FrameCodec.HEADER_LENGTH;

    private final FrameCodec codec = new FrameCodec(MAX_FRAME, MAX_HEADER);

    @Test
    void validFramesRoundTrip() {
        Fuzz.check(FrameCodecFuzzTest::frame, frame -> {
            byte[] wire = bytes(FrameCodec.encode(frame));
            Frame decoded = codec.decode(ByteBuffer.wrap(wire));
            assertEquals(frame, decoded);
            assertArrayEquals(wire, bytes(FrameCodec.encode(decoded)));
        });
    }

    @Test
    void randomBytesDecodeToTheirOwnEncodingOrAreRejected() {
        Fuzz.check(FrameCodecFuzzTest::noise, this::decodesFaithfullyOrIsRejected);
    }

    /** A valid frame, and the bytes it became: a few edits, or one header field set to an edge value. */
    record Mutated(Frame frame, byte[] message) {
    }

    @Test
    void mutatedFramesDecodeToTheirOwnEncodingOrAreRejected() {
        Fuzz.check(random -> {
            Frame frame = frame(random);
            byte[] wire = bytes(FrameCodec.encode(frame));
            return new Mutated(frame, random.nextBoolean()
                    ? new Mutations(random).mutate(wire, MAX_INPUT) : withHeaderField(wire, random));
        }, mutated -> decodesFaithfullyOrIsRejected(mutated.message()));
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
    private static byte[] withHeaderField(byte[] wire, SplittableRandom random) {
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

    // ---------------------------------------------------------------- generators

    /** Random bytes, half of them behind a plausible header so that decoding gets past the first checks. */
    static byte[] noise(SplittableRandom random) {
        if (random.nextBoolean()) {
            return Fuzz.bytes(random, 0, MAX_INPUT);
        }
        int version = Fuzz.between(random, 0, 2);
        int type = Fuzz.between(random, 0, 6);
        int flags = Fuzz.between(random, 0, 2);
        int reserved = Fuzz.pick(random, 0, 0, 0, 1);
        int id = random.nextBoolean() ? Fuzz.between(random, 0, 8) : Fuzz.anyInt(random);
        byte[] payload = Fuzz.bytes(random, 0, MAX_INPUT - FrameCodec.HEADER_LENGTH);
        return ByteBuffer.allocate(FrameCodec.HEADER_LENGTH + payload.length)
                .put((byte) version).put((byte) type).put((byte) flags).put((byte) reserved)
                .putInt(id).put(payload).array();
    }

    /** Any valid frame of the five types, within the codec's limits. */
    static Frame frame(SplittableRandom random) {
        return switch (random.nextInt(5)) {
            case 0 -> new Frame.Headers(streamId(random), Fuzz.bytes(random, 1, MAX_HEADER), random.nextBoolean());
            case 1 -> new Frame.Data(streamId(random), ByteBuffer.wrap(Fuzz.bytes(random, 0, MAX_FRAME)),
                    random.nextBoolean());
            case 2 -> new Frame.Reset(streamId(random), errorCode(random), reason(random));
            case 3 -> new Frame.WindowUpdate(Fuzz.between(random, 0, Integer.MAX_VALUE),
                    Fuzz.between(random, 1, Integer.MAX_VALUE));
            default -> new Frame.GoAway(Fuzz.between(random, 0, Integer.MAX_VALUE), errorCode(random), reason(random));
        };
    }

    private static int streamId(SplittableRandom random) {
        return random.nextBoolean() ? Fuzz.between(random, 1, 10) : Fuzz.between(random, 1, Integer.MAX_VALUE);
    }

    private static ErrorCode errorCode(SplittableRandom random) {
        return Fuzz.pick(random, ErrorCode.values());
    }

    /** Up to 80 chars of text that survives UTF-8: ASCII, Latin-1, other BMP chars and surrogate pairs. */
    private static String reason(SplittableRandom random) {
        StringBuilder out = new StringBuilder();
        int length = Fuzz.size(random, 0, 80);
        while (out.length() < length) {
            int codePoint = switch (random.nextInt(4)) {
                case 0 -> random.nextInt(0x80);
                case 1 -> random.nextInt(0x80, 0x800);
                case 2 -> random.nextInt(0x800, 0x10000);
                default -> random.nextInt(0x10000, 0x110000);
            };
            if (Character.isSurrogate((char) codePoint) && codePoint < 0x10000) {
                continue;
            }
            if (out.length() + Character.charCount(codePoint) <= length) {
                out.appendCodePoint(codePoint);
            } else {
                out.append((char) random.nextInt(0x80));
            }
        }
        return out.toString();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
