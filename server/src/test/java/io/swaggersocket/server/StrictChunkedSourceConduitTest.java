package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.ReadReadyHandler;
import org.xnio.conduits.StreamSourceConduit;

/** {@link StrictChunkedSourceConduit} over an in-memory conduit that hands out its bytes in pieces. */
class StrictChunkedSourceConduitTest {
    private static final String NEXT = "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";

    /**
     * A source of scripted pieces: each read returns at most the rest of the current piece (and at
     * most {@code step} bytes of it); an empty piece reads as 0 (nothing now); after the last
     * piece, -1 if {@code eof}, else 0.
     */
    private static final class Script implements StreamSourceConduit {
        private final Deque<ByteBuffer> pieces = new ArrayDeque<>();
        private final int step;
        private final boolean eof;
        int awaits;
        int resumes;
        int wakeups;
        boolean terminated;

        Script(int step, boolean eof, byte[]... pieces) {
            this.step = step;
            this.eof = eof;
            for (byte[] p : pieces) {
                this.pieces.add(ByteBuffer.wrap(p));
            }
        }

        @Override
        public int read(ByteBuffer dst) {
            ByteBuffer piece = pieces.peek();
            if (piece == null) {
                return eof ? -1 : 0;
            }
            if (!piece.hasRemaining()) {
                pieces.remove();
                return 0;
            }
            int n = Math.min(Math.min(step, piece.remaining()), dst.remaining());
            ByteBuffer slice = piece.slice();
            slice.limit(n);
            dst.put(slice);
            piece.position(piece.position() + n);
            if (!piece.hasRemaining()) {
                pieces.remove();
            }
            return n;
        }

        /** What was never read. */
        String rest() {
            StringBuilder rest = new StringBuilder();
            for (ByteBuffer piece : pieces) {
                while (piece.hasRemaining()) {
                    rest.append((char) (piece.get() & 0xff));
                }
            }
            return rest.toString();
        }

        @Override
        public long read(ByteBuffer[] dsts, int offs, int len) {
            throw new AssertionError("the decoder reads one buffer at a time");
        }

        @Override
        public long transferTo(long position, long count, FileChannel target) {
            throw new AssertionError("not used");
        }

        @Override
        public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) {
            throw new AssertionError("not used");
        }

        @Override
        public void awaitReadable() {
            awaits++;
        }

        @Override
        public void awaitReadable(long time, TimeUnit timeUnit) {
            awaits++;
        }

        @Override
        public void resumeReads() {
            resumes++;
        }

        @Override
        public void wakeupReads() {
            wakeups++;
        }

        @Override
        public void terminateReads() {
            terminated = true;
        }

        @Override
        public boolean isReadShutdown() {
            return terminated;
        }

        @Override
        public void suspendReads() {
        }

        @Override
        public boolean isReadResumed() {
            return false;
        }

        @Override
        public XnioIoThread getReadThread() {
            return null;
        }

        @Override
        public void setReadReadyHandler(ReadReadyHandler handler) {
        }

        @Override
        public XnioWorker getWorker() {
            return null;
        }
    }

    /** Records what the decoder reports. */
    private static final class Events implements StrictChunkedSourceConduit.Listener {
        String excess;
        int ended;
        int broken;

        @Override
        public void bodyEnded(ByteBuffer bytes) {
            ended++;
            byte[] b = new byte[bytes.remaining()];
            bytes.get(b);
            excess = new String(b, StandardCharsets.ISO_8859_1);
        }

        @Override
        public void bodyBroken() {
            broken++;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Reads the whole body through buffers of {@code dstSize}, checking that -1 then stays. */
    private static String decode(StrictChunkedSourceConduit conduit, int dstSize) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer dst = ByteBuffer.allocate(dstSize);
        int idle = 0;
        for (int n; (n = conduit.read(dst)) >= 0; ) {
            idle = n == 0 ? idle + 1 : 0;
            assertTrue(idle < 10_000, "the decoder makes no progress");
            out.write(dst.array(), 0, dst.position());
            dst.clear();
        }
        assertEquals(-1, conduit.read(dst), "the end stays the end");
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static MalformedChunkedBodyException malformed(String wire) {
        Events events = new Events();
        StrictChunkedSourceConduit conduit = new StrictChunkedSourceConduit(new Script(64, true, bytes(wire)), events);
        MalformedChunkedBodyException e = assertThrows(MalformedChunkedBodyException.class, () -> decode(conduit, 64));
        assertSame(e, assertThrows(MalformedChunkedBodyException.class, () -> conduit.read(ByteBuffer.allocate(8))),
                "every later read fails the same way");
        assertEquals(0, events.ended, "a broken body never ends");
        assertEquals(1, events.broken);
        return e;
    }

    // ---------------------------------------------------------------------------------------------
    // Valid bodies

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            5\\r\\nhello\\r\\n0\\r\\n\\r\\n                                                     | hello
            3\\r\\nabc\\r\\n1\\r\\nd\\r\\nA\\r\\n0123456789\\r\\n0\\r\\n\\r\\n                   | abcd0123456789
            0000000000000005\\r\\nhello\\r\\n0000000000000000\\r\\n\\r\\n                         | hello
            5;a=b\\r\\nhello\\r\\n0;last\\r\\n\\r\\n                                             | hello
            5 ; a = "q \\\\" ;x" ;b\\t;c=d\\r\\nhello\\r\\n0\\r\\n\\r\\n                          | hello
            2\\r\\n\\r\\n\\r\\n0\\r\\nX-Sum: abc def\\r\\nX-Empty:\\r\\n\\r\\n                   | \\r\\n
            0\\r\\n\\r\\n                                                                     | ``
            """)
    void validBodiesDecodeExactlyHoweverTheyArrive(String wire, String body) throws IOException {
        String raw = wire.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\");
        String expected = body.replace("\\r", "\r").replace("\\n", "\n");
        byte[] all = bytes(raw + NEXT);
        for (int split = 0; split <= all.length; split++) { // two pieces, split at every byte boundary
            Events events = new Events();
            Script script = new Script(Integer.MAX_VALUE, false, Arrays.copyOf(all, split), new byte[0],
                    Arrays.copyOfRange(all, split, all.length));
            StrictChunkedSourceConduit conduit = new StrictChunkedSourceConduit(script, events);
            assertEquals(expected, decode(conduit, 7), "split at " + split);
            assertEquals(NEXT, events.excess + script.rest(), "split at " + split + ": the next request, whole");
            assertEquals(1, events.ended);
        }
        for (int dst : new int[] {1, 2, 3, 64 * 1024}) { // one byte at a time, into buffers of any size
            Events events = new Events();
            StrictChunkedSourceConduit conduit = new StrictChunkedSourceConduit(new Script(1, false, all), events);
            assertEquals(expected, decode(conduit, dst), "into " + dst + "-byte buffers");
            assertEquals(0, events.broken);
        }
    }

    @Test
    void aLargeBodyOfManyChunksDecodesIntactThroughScatteringReads() throws IOException {
        StringBuilder wire = new StringBuilder();
        StringBuilder body = new StringBuilder();
        for (int i = 1; i <= 300; i++) {
            String chunk = String.valueOf((char) ('a' + i % 26)).repeat(i * 7);
            wire.append(Integer.toHexString(i * 7)).append(i % 2 == 0 ? ";n=" + i : "").append("\r\n")
                    .append(chunk).append("\r\n");
            body.append(chunk);
        }
        wire.append("0\r\n\r\n");
        Events events = new Events();
        Script script = new Script(1000, false, bytes(wire + NEXT));
        StrictChunkedSourceConduit conduit = new StrictChunkedSourceConduit(script, events);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer[] dsts = {ByteBuffer.allocate(0), ByteBuffer.allocate(100), ByteBuffer.allocate(333)};
        for (long n; (n = conduit.read(dsts, 0, 3)) >= 0; ) {
            for (ByteBuffer d : dsts) {
                out.write(d.array(), 0, d.position());
                d.clear();
            }
        }
        assertEquals(body.toString(), out.toString(StandardCharsets.ISO_8859_1));
        assertEquals(NEXT, events.excess + script.rest());
    }

    // ---------------------------------------------------------------------------------------------
    // Malformed bodies: the exact message, never a byte of data

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            zz\\r\\nhello\\r\\n0\\r\\n\\r\\n              | expected a hex digit (chunk size) but was 'z'
            5x\\r\\nhello\\r\\n0\\r\\n\\r\\n              | expected ';' or CRLF after the chunk size but was 'x'
            \\r\\nhello\\r\\n0\\r\\n\\r\\n                | expected a hex digit (chunk size) but was CR
            -5\\r\\nhello\\r\\n0\\r\\n\\r\\n              | expected a hex digit (chunk size) but was '-'
            0x5\\r\\nhello\\r\\n0\\r\\n\\r\\n             | expected ';' or CRLF after the chunk size but was 'x'
            00000000000000005\\r\\nhello\\r\\n0\\r\\n\\r\\n | expected a chunk size of at most 16 hex digits but it is longer
            8000000000000000\\r\\nhello\\r\\n               | expected a chunk size of at most 7fffffffffffffff but it is larger
            5\\nhello\\r\\n0\\r\\n\\r\\n                  | expected ';' or CRLF after the chunk size but was a bare LF
            5\\rhello\\r\\n0\\r\\n\\r\\n                  | expected LF after the CR of a chunk line but was 'h'
            5 \\r\\nhello\\r\\n0\\r\\n\\r\\n              | expected ';' after whitespace in a chunk line but was CR
            5;\\r\\nhello\\r\\n0\\r\\n\\r\\n              | expected a chunk extension name but was CR
            5;a=\\r\\nhello\\r\\n0\\r\\n\\r\\n            | expected a token or a quoted-string (chunk extension value) but was CR
            5;a="b\\r\\nhello\\r\\n0\\r\\n\\r\\n          | expected a quoted-string character or '"' but was CR
            5;a=b c\\r\\nhello\\r\\n0\\r\\n\\r\\n         | expected ';' after whitespace in a chunk line but was 'c'
            5;a@\\r\\nhello\\r\\n0\\r\\n\\r\\n            | expected '=', ';' or CRLF after a chunk extension name but was '@'
            5\\r\\nhelloXY\\r\\n0\\r\\n\\r\\n             | expected CRLF after the 5 bytes of chunk data but was another byte (more data than the chunk size)
            5\\r\\nhello0\\r\\n\\r\\n                     | expected CRLF after the 5 bytes of chunk data but was another byte (more data than the chunk size)
            5\\r\\nhello\\n0\\r\\n\\r\\n                  | expected CRLF after the 5 bytes of chunk data but was a bare LF
            5\\r\\nhello\\rX0\\r\\n\\r\\n                 | expected LF after the CR after chunk data but was 'X'
            6\\r\\nhello\\r\\n0\\r\\n\\r\\n               | expected CRLF after the 6 bytes of chunk data but was a bare LF
            5\\r\\nhi\\r\\n0\\r\\n\\r\\n                  | expected a hex digit (chunk size) but was CR
            5\\r\\nhel                                    | expected 2 more bytes of chunk data but the connection ended
            5\\r\\nhello\\r\\n0\\r\\n                     | expected the rest of the trailer section but the connection ended
            5\\r\\nhello\\r\\n                            | expected the rest of a chunk line but the connection ended
            0\\r\\nno colon here\\r\\n\\r\\n              | expected ':' after a trailer field name but was SP
            0\\r\\nX-A : b\\r\\n\\r\\n                    | expected ':' after a trailer field name but was SP
            0\\r\\nX-A: b\\r\\n c\\r\\n\\r\\n             | expected a trailer field name or CRLF but was SP (obs-fold is not accepted)
            0\\r\\nX-A: b\\nX-B: c\\r\\n\\r\\n            | expected a trailer field value or CRLF but was a bare LF
            0\\r\\nX-A: b\\r\\n\\n                        | expected a trailer field name or CRLF but was LF
            0\\r\\n\\n                                    | expected a trailer field name or CRLF but was LF
            0\\r\\n\\rX                                   | expected LF after the CR ending the chunked body but was 'X'
            """)
    void malformedBodiesFailWithAnExactMessage(String wire, String message) {
        String raw = wire.replace("\\r", "\r").replace("\\n", "\n");
        assertEquals(message, malformed(raw).getMessage());
    }

    @Test
    void oversizedLinesAndTrailersAreRefused() {
        assertEquals("expected a chunk line of at most 4096 bytes but it is longer",
                malformed("5;" + "a".repeat(5000) + "\r\nhello\r\n0\r\n\r\n").getMessage());
        assertEquals("expected a trailer section of at most 8192 bytes but it is longer",
                malformed("0\r\n" + "X-A: b\r\n".repeat(1200) + "\r\n").getMessage());
    }

    @Test
    void aMessageNeverCarriesDataOrTrailerValues() {
        assertFalse(malformed("5\r\nhelloSECRET\r\n0\r\n\r\n").getMessage().contains("'S'"));
        assertFalse(malformed("0\r\nX-A: SECRET\u0001\r\n\r\n").getMessage().contains("SECRET"));
    }

    // ---------------------------------------------------------------------------------------------
    // Readiness with bytes read ahead, and the end

    @Test
    void bytesReadAheadMakeItReadableWithoutTheSocket() throws IOException {
        Script script = new Script(Integer.MAX_VALUE, false, bytes("5\r\nhello\r\n0\r\n\r\n"));
        StrictChunkedSourceConduit conduit = new StrictChunkedSourceConduit(script, new Events());
        conduit.awaitReadable();
        conduit.resumeReads();
        assertEquals(1, script.awaits, "nothing read ahead: the socket decides");
        assertEquals(1, script.resumes);

        ByteBuffer two = ByteBuffer.allocate(2);
        assertEquals(2, conduit.read(two));
        conduit.awaitReadable();
        conduit.awaitReadable(1, TimeUnit.SECONDS);
        conduit.resumeReads();
        assertEquals(1, script.awaits, "\"llo\" and the last chunk are read ahead: no wait");
        assertEquals(1, script.resumes);
        assertEquals(1, script.wakeups, "a listener is woken for the bytes read ahead");
    }

    @Test
    void shuttingReadsAfterTheEndKeepsTheConnectionButBeforeItBreaksTheBody() throws IOException {
        Events events = new Events();
        Script script = new Script(Integer.MAX_VALUE, false, bytes("0\r\n\r\n"));
        StrictChunkedSourceConduit done = new StrictChunkedSourceConduit(script, events);
        assertEquals(-1, done.read(ByteBuffer.allocate(8)));
        done.terminateReads();
        assertFalse(script.terminated, "the connection carries the next request");
        assertEquals(0, events.broken);

        Script early = new Script(Integer.MAX_VALUE, false, bytes("5\r\nhel"));
        StrictChunkedSourceConduit cut = new StrictChunkedSourceConduit(early, events);
        assertEquals(3, cut.read(ByteBuffer.allocate(8)));
        cut.terminateReads();
        assertTrue(early.terminated);
        assertEquals(1, events.broken);
    }

    @Test
    void nothingAvailableReadsAsZeroNotAsTheEnd() throws IOException {
        Events events = new Events();
        StrictChunkedSourceConduit conduit = new StrictChunkedSourceConduit(
                new Script(Integer.MAX_VALUE, false, bytes("5\r\nhe")), events);
        ByteBuffer dst = ByteBuffer.allocate(16);
        assertEquals(2, conduit.read(dst));
        assertEquals(0, conduit.read(dst));
        assertEquals(0, events.ended);
    }
}
