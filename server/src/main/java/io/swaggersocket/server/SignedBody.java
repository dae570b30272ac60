package io.swaggersocket.server;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Not thread-safe (one reader): a request body whose SHA-256 was signed, checked as it is read.
 * A mismatch (or a missing or garbled declared digest) throws {@link DigestMismatchException}
 * before the body's end is handed on, so whoever copies the body on treats it as cut short, never
 * as complete: for a body of known length the check runs when the last bytes arrive, and they are
 * withheld on a mismatch (the tunnel ends such a body with the frame that completes it); for a body
 * of unknown length it runs at the end of the stream, reported only once the digest matched.
 */
final class SignedBody extends FilterInputStream {
    /** The body's bytes are not the ones the signature covers. */
    static final class DigestMismatchException extends IOException {
        DigestMismatchException(String message) {
            super(message);
        }
    }

    private final MessageDigest digest;
    private final String declared;
    /** The body's Content-Length, or -1 when it has none (chunked). */
    private final long length;
    private long read;
    /** Null until the end was read; then whether the digest matched (every later read says so again). */
    private Boolean matched;

    /**
     * @param declaredHex the signed SHA-256 of the body, lowercase or uppercase hex; may be null (then it fails)
     * @param length the body's Content-Length, or -1 when it has none
     */
    SignedBody(InputStream in, String declaredHex, long length) {
        super(in);
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e); // every JDK has it
        }
        this.declared = declaredHex == null ? "" : declaredHex.strip().toLowerCase(java.util.Locale.ROOT);
        this.length = length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (matched != null && !matched) {
            end(); // throws again: never a clean end after a mismatch
        }
        int n = super.read(b, off, len);
        if (n > 0) {
            digest.update(b, off, n);
            read += n;
            if (read == length) {
                end(); // before these last bytes go on: they would complete the body downstream
            }
        } else if (n < 0) {
            end();
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buffer = new byte[(int) Math.min(8192, Math.max(0, n))];
        int read = read(buffer, 0, buffer.length);
        return Math.max(0, read);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void end() throws DigestMismatchException {
        if (matched == null) {
            String actual = HexFormat.of().formatHex(digest.digest());
            matched = MessageDigest.isEqual(actual.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    declared.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        if (!matched) {
            throw new DigestMismatchException("the body's SHA-256 is not the signed "
                    + io.swaggersocket.auth.RequestSigner.CONTENT_SHA256_HEADER);
        }
    }
}
