package io.swaggersocket.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;

/** Bodies for tests: generated on the fly (never held in memory) and hashed as they stream. */
public final class Bodies {
    private Bodies() {
    }

    /** A body of {@code length} pseudo-random bytes from {@code seed}, written in 64 KiB chunks. */
    public static AbstractHttpEntity generated(long length, long seed, boolean declareLength) {
        return new AbstractHttpEntity(ContentType.APPLICATION_OCTET_STREAM, null, !declareLength) {
            @Override
            public InputStream getContent() {
                throw new UnsupportedOperationException("write-only test body");
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                SplittableRandom random = new SplittableRandom(seed);
                byte[] chunk = new byte[64 * 1024];
                long left = length;
                while (left > 0) {
                    int n = (int) Math.min(chunk.length, left);
                    fill(random, chunk, n);
                    out.write(chunk, 0, n);
                    left -= n;
                }
            }

            @Override
            public long getContentLength() {
                return declareLength ? length : -1;
            }

            @Override
            public boolean isRepeatable() {
                return true;
            }

            @Override
            public boolean isStreaming() {
                return false;
            }

            @Override
            public void close() {
            }
        };
    }

    /** The SHA-256 that {@link #generated} produces for the same length and seed. */
    public static String expectedSha256(long length, long seed) {
        MessageDigest digest = sha256();
        SplittableRandom random = new SplittableRandom(seed);
        byte[] chunk = new byte[64 * 1024];
        long left = length;
        while (left > 0) {
            int n = (int) Math.min(chunk.length, left);
            fill(random, chunk, n);
            digest.update(chunk, 0, n);
            left -= n;
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Reads a stream to its end and returns its SHA-256 and length as "hex:length". */
    public static String sha256(InputStream in) throws IOException {
        MessageDigest digest = sha256();
        byte[] buf = new byte[32 * 1024];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            digest.update(buf, 0, n);
            total += n;
        }
        return HexFormat.of().formatHex(digest.digest()) + ":" + total;
    }

    private static void fill(SplittableRandom random, byte[] chunk, int n) {
        for (int i = 0; i < n; i += 8) {
            long v = random.nextLong();
            for (int j = 0; j < 8 && i + j < n; j++) {
                chunk[i + j] = (byte) (v >>> (8 * j));
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
