package io.swaggersocket.undertow;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * RFC 6455 section 5.3 masking: XOR with a 4-byte key, repeated. Stateless and thread-safe.
 *
 * <p>Why eight bytes at a time: Undertow's {@code Masker} works one byte at a time through
 * {@code ByteBuffer.get(int)} / {@code put(int, byte)} and capped uploads near 200-330 MB/s; a
 * {@code long} view of the array does the same work many times faster. The key is passed already
 * rotated to the first byte's position in the frame, so a payload that arrives in pieces is
 * unmasked piece by piece with {@link #rotate}.
 */
final class Masking {
    /**
     * Native order: XOR works byte by byte, so only the key's layout in the long matters, and a
     * big-endian view cost a byte swap per load and per store on x86 (JFR: {@code Unsafe.convEndian}
     * at a fifth of the masking time).
     */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final boolean LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private Masking() {
    }

    /** The key as it applies from byte {@code offset} of a frame's payload on. */
    static int rotate(int key, long offset) {
        return Integer.rotateLeft(key, 8 * (int) (offset & 3));
    }

    /** XORs {@code length} bytes of {@code a} from {@code from} with {@code key}, in place. */
    static void mask(byte[] a, int from, int length, int key) {
        maskCopy(a, from, a, from, length, key);
    }

    /**
     * Writes {@code length} bytes of {@code src} from {@code srcFrom}, XORed with {@code key}, to
     * {@code dst} from {@code dstFrom}; source and destination may be the same range.
     */
    static void maskCopy(byte[] src, int srcFrom, byte[] dst, int dstFrom, int length, int key) {
        // The long whose bytes in memory are the key's four bytes, twice.
        int k = LITTLE ? Integer.reverseBytes(key) : key;
        long key8 = (k & 0xffffffffL) << 32 | (k & 0xffffffffL);
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            LONGS.set(dst, dstFrom + i, (long) LONGS.get(src, srcFrom + i) ^ key8);
        }
        for (; i < length; i++) {
            dst[dstFrom + i] = (byte) (src[srcFrom + i] ^ (key >>> (24 - 8 * (i & 3))));
        }
    }
}
