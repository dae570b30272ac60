package io.swaggersocket.undertow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The eight-bytes-at-a-time mask against RFC 6455 section 5.3 applied byte by byte. */
class ClientWebSocketChannelTest {

    private static byte[] naive(byte[] data, int from, int length, int key) {
        byte[] out = data.clone();
        byte[] k = {(byte) (key >>> 24), (byte) (key >>> 16), (byte) (key >>> 8), (byte) key};
        for (int j = 0; j < length; j++) {
            out[from + j] ^= k[j & 3];
        }
        return out;
    }

    @Test
    void masksHeapBuffersLikeTheRfcAtEveryLengthAndOffset() {
        Random random = new Random(42);
        for (int length = 0; length <= 70; length++) {
            for (int offset = 0; offset < 9; offset++) {
                byte[] data = new byte[offset + length + 5];
                random.nextBytes(data);
                int key = random.nextInt();
                byte[] expected = naive(data, offset, length, key);
                ByteBuffer buffer = ByteBuffer.wrap(data);
                ClientWebSocketChannel.mask(buffer, offset, length, key);
                assertArrayEquals(expected, data, "length " + length + ", offset " + offset);
            }
        }
    }

    @Test
    void masksSlicedHeapBuffersAtTheirArrayOffset() {
        Random random = new Random(7);
        byte[] data = new byte[100];
        random.nextBytes(data);
        int key = 0x9abcdef0;
        byte[] expected = naive(data, 13, 60, key);
        ByteBuffer slice = ByteBuffer.wrap(data, 10, 80).slice(); // arrayOffset 10
        ClientWebSocketChannel.mask(slice, 3, 60, key);
        assertArrayEquals(expected, data);
    }

    @Test
    void masksDirectBuffersToo() {
        Random random = new Random(9);
        for (int length = 0; length <= 40; length++) {
            byte[] data = new byte[length + 3];
            random.nextBytes(data);
            int key = random.nextInt();
            byte[] expected = naive(data, 3, length, key);
            ByteBuffer direct = ByteBuffer.allocateDirect(data.length);
            direct.put(data).flip();
            ClientWebSocketChannel.mask(direct, 3, length, key);
            byte[] actual = new byte[data.length];
            direct.get(actual);
            assertArrayEquals(expected, actual, "length " + length);
        }
    }
}
