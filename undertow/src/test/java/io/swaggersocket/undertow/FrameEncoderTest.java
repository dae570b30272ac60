package io.swaggersocket.undertow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** FrameEncoder byte for byte against WireFrames, and Masking against RFC 6455 5.3 applied byte by byte. */
class FrameEncoderTest {

    private static byte[] joined(ByteBuffer[] frame) {
        int total = 0;
        for (ByteBuffer b : frame) {
            total += b.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        for (ByteBuffer b : frame) {
            out.put(b.duplicate());
        }
        return out.array();
    }

    @Test
    void serverFramesAreExactAndSendTheCallersBufferUntouched() {
        Random random = new Random(3);
        for (int size : new int[] {0, 125, 126, 65535, 65536}) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            ByteBuffer message = ByteBuffer.wrap(payload.clone());
            ByteBuffer[] frame = new FrameEncoder(false).frame(FrameEncoder.BINARY, message);
            assertArrayEquals(WireFrames.frame(true, 0, FrameEncoder.BINARY, false, 0, payload), joined(frame), "size " + size);
            assertEquals(message, frame[1], "the payload goes out as it is, without a copy");
        }
    }

    @Test
    void clientFramesDecodeToThePayloadAndNeverChangeTheCallersBuffer() throws Exception {
        Random random = new Random(4);
        for (int size : new int[] {0, 1, 9, 125, 126, 65535, 65536, 100_003}) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            for (boolean direct : new boolean[] {false, true}) {
                ByteBuffer message = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.wrap(payload.clone());
                if (direct) {
                    message.put(payload).flip();
                }
                byte[] wire = joined(new FrameEncoder(true).frame(FrameEncoder.BINARY, message));
                assertEquals(0, message.position());
                assertArrayEquals(payload, WireFrames.bytes(message), "the caller's bytes are unchanged");
                WireFrames.Recorder r = new WireFrames.Recorder();
                new FrameDecoder(true, 1 << 20, 1, r).decode(ByteBuffer.wrap(wire));
                assertArrayEquals(payload, r.binaries.get(0), "size " + size);
            }
        }
    }

    @Test
    void closeReasonsAreCutAt123BytesOnACharacterBoundary() {
        String reason = "x" + "\u00e9".repeat(100); // 1 + 200 bytes
        ByteBuffer p = FrameEncoder.closePayload(1001, reason);
        assertEquals(2 + 123, p.remaining()); // 1 + 61 two-byte characters
        assertEquals(1001, p.getShort(0));
        String cut = new String(p.array(), 2, p.remaining() - 2, StandardCharsets.UTF_8);
        assertEquals("x" + "\u00e9".repeat(61), cut);
    }

    @Test
    void masksLikeTheRfcAtEveryLengthOffsetAndRotation() {
        Random random = new Random(42);
        for (int length = 0; length <= 40; length++) {
            for (int offset = 0; offset < 9; offset++) {
                for (int start = 0; start < 4; start++) {
                    byte[] data = new byte[offset + length + 3];
                    random.nextBytes(data);
                    int key = random.nextInt();
                    byte[] k = {(byte) (key >>> 24), (byte) (key >>> 16), (byte) (key >>> 8), (byte) key};
                    byte[] expected = data.clone();
                    for (int j = 0; j < length; j++) {
                        expected[offset + j] ^= k[(start + j) & 3];
                    }
                    byte[] inPlace = data.clone();
                    Masking.mask(inPlace, offset, length, Masking.rotate(key, start));
                    assertArrayEquals(expected, inPlace);
                    byte[] copied = new byte[data.length];
                    System.arraycopy(data, 0, copied, 0, data.length);
                    byte[] target = data.clone();
                    Masking.maskCopy(copied, offset, target, offset, length, Masking.rotate(key, start));
                    assertArrayEquals(expected, target);
                }
            }
        }
    }
}
