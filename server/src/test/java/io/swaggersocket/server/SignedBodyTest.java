package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.swaggersocket.auth.RequestSigner;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A signed body is checked before its end goes on: the last bytes of a known length are withheld on a mismatch. */
class SignedBodyTest {
    private static final byte[] BODY = "signed body".getBytes(StandardCharsets.UTF_8);
    private static final String DIGEST = RequestSigner.sha256Hex(BODY);

    /** Reads one byte at a time, the way a slow client sends. */
    private static InputStream trickle(byte[] bytes) {
        return new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(1, len));
            }
        };
    }

    @Test
    void aMatchingBodyReadsWholeWithOrWithoutALength() throws IOException {
        for (long length : new long[] {BODY.length, -1}) {
            InputStream in = new SignedBody(trickle(BODY), DIGEST.toUpperCase(), length);
            assertArrayEquals(BODY, in.readAllBytes());
            assertEquals(-1, in.read());
        }
    }

    @Test
    void aBodyOfKnownLengthFailsOnTheReadThatWouldCompleteIt() throws IOException {
        byte[] other = "other body!".getBytes(StandardCharsets.UTF_8);
        InputStream in = new SignedBody(trickle(other), DIGEST, other.length);
        byte[] one = new byte[1];
        for (int i = 0; i < other.length - 1; i++) {
            assertEquals(1, in.read(one, 0, 1), "byte " + i);
        }
        SignedBody.DigestMismatchException e = assertThrows(SignedBody.DigestMismatchException.class,
                () -> in.read(one, 0, 1), "the last byte is withheld");
        assertEquals("the body's SHA-256 is not the signed X-Sws-Content-Sha256", e.getMessage());
        assertThrows(SignedBody.DigestMismatchException.class, () -> in.read(one, 0, 1), "and stays refused");
    }

    @Test
    void aBodyOfUnknownLengthFailsAtItsEndAndNeverEndsCleanly() throws IOException {
        InputStream in = new SignedBody(trickle("other body!".getBytes(StandardCharsets.UTF_8)), DIGEST, -1);
        assertThrows(SignedBody.DigestMismatchException.class, in::readAllBytes);
        assertThrows(SignedBody.DigestMismatchException.class, in::read);
        assertThrows(SignedBody.DigestMismatchException.class,
                () -> new SignedBody(trickle(BODY), null, BODY.length).readAllBytes(), "no declared digest");
    }
}
