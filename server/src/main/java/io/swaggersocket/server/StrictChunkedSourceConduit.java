package io.swaggersocket.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.TimeUnit;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.Conduits;
import org.xnio.conduits.StreamSourceConduit;

/**
 * A strict decoder of an HTTP/1.1 chunked request body (RFC 9112 section 7.1), as an XNIO conduit
 * over the connection's source. Not thread-safe: like every conduit, one thread uses it at a time.
 *
 * <p>Why not Undertow's own ({@code ChunkedStreamSourceConduit} with {@code ChunkReader}, 2.3): it
 * reads the leading hex digits of a chunk size and skips the rest of the line, so {@code zz} reads
 * as 0 (the end of the body) and {@code 5x} as 5; after chunk data it skips anything up to a LF
 * instead of requiring CRLF; and on the errors it does find (a chunk size too large, bad trailers)
 * it closes the connection itself, so no 400 can be sent. Leniencies like these are what request
 * smuggling is made of: a proxy in front that reads the same bytes strictly sees other requests
 * than Undertow does.
 *
 * <p>The grammar accepted, exactly (ABNF of RFC 9112 7.1 and RFC 9110 5.6):
 * <pre>
 * chunked-body   = *chunk last-chunk trailer-section CRLF
 * chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 * chunk-size     = 1*16HEXDIG                      ; at most 16 digits, value at most 7fffffffffffffff
 * last-chunk     = 1*16("0") [ chunk-ext ] CRLF
 * chunk-ext      = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )
 * ext-name       = token
 * ext-val        = token / quoted-string           ; quoted-pair allowed, obs-text allowed
 * trailer-section = *( field-name ":" *( field-vchar / SP / HTAB ) CRLF )
 * BWS            = *( SP / HTAB )
 * </pre>
 * A chunk line (size and extensions, without its CRLF) is at most {@value #MAX_CHUNK_LINE} bytes and
 * the trailer section with its final CRLF at most {@value #MAX_TRAILER_SECTION}. A bare LF is never
 * a line end; there is no obs-fold (a trailer line starting with whitespace is refused), and no
 * whitespace between a field name and its colon. Extensions are checked and dropped; trailer fields
 * are checked and dropped (the tunnel has no way to carry them). Any other byte anywhere throws a
 * {@link MalformedChunkedBodyException} without closing anything, and every later read throws it
 * again: a broken body never ends in a clean -1. The connection ending before the final CRLF is a
 * malformed body too.
 *
 * <p>At the end of the body the {@link Listener} gets the bytes read past it (a pipelined next
 * request), before the read that returns -1 does so. Bytes read ahead are kept in this conduit, so
 * it answers {@link #awaitReadable} at once and turns {@link #resumeReads} into a wake-up while it
 * holds any, as Undertow's {@code ReadDataStreamSourceConduit} does for the bytes read with the head.
 */
final class StrictChunkedSourceConduit extends AbstractStreamSourceConduit<StreamSourceConduit> {
    /** The most hex digits a chunk size may have: 16 give every value a long holds. */
    static final int MAX_SIZE_DIGITS = 16;
    /** The longest chunk line, size and extensions, without its CRLF. */
    static final int MAX_CHUNK_LINE = 4096;
    /** The longest trailer section, with the CRLF that ends the body. */
    static final int MAX_TRAILER_SECTION = 8192;
    private static final int READ_AHEAD = 8192;
    private static final int CR = '\r';
    private static final int LF = '\n';

    /** What the decoder tells its owner. Called on the reading thread. */
    interface Listener {
        /**
         * The body ended; {@code excess} holds the bytes read past it (possibly none), from its
         * position to its limit, to be copied before this returns.
         */
        void bodyEnded(ByteBuffer excess);

        /** The body cannot end well: it is malformed, or reads were shut down before its end. */
        void bodyBroken();
    }

    private enum State {
        SIZE, BWS_BEFORE_SEMICOLON, BWS_BEFORE_NAME, NAME, BWS_AFTER_NAME, BWS_BEFORE_VALUE, TOKEN_VALUE,
        QUOTED_VALUE, QUOTED_PAIR, AFTER_QUOTED, LINE_LF,
        DATA, DATA_CR, DATA_LF,
        TRAILER_START, TRAILER_NAME, TRAILER_VALUE, TRAILER_LF, LAST_LF,
        DONE
    }

    private final Listener listener;
    /** Bytes read ahead, between position and limit. */
    private final ByteBuffer readAhead = ByteBuffer.allocate(READ_AHEAD).flip();
    private State state = State.SIZE;
    /** While in a chunk line, the size read so far; in data, what is left of the chunk. */
    private long size;
    private long chunkLength;
    private int digits;
    private int lineLength;
    private int trailerLength;
    private MalformedChunkedBodyException failure;
    private boolean ended;

    StrictChunkedSourceConduit(StreamSourceConduit next, Listener listener) {
        super(next);
        this.listener = listener;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (failure != null) {
            throw failure;
        }
        int total = 0;
        while (state != State.DONE && dst.hasRemaining()) {
            if (state == State.DATA) {
                int n = readAhead.hasRemaining() ? copyData(dst) : readData(dst);
                if (n == 0) {
                    break;
                }
                total += n;
            } else if (readAhead.hasRemaining() || readAhead()) {
                while (readAhead.hasRemaining() && state != State.DATA && state != State.DONE) {
                    step(readAhead.get() & 0xff);
                }
            } else {
                break; // nothing more to read for now
            }
        }
        if (total == 0 && state == State.DONE) {
            if (!ended) {
                ended = true;
                listener.bodyEnded(readAhead);
                readAhead.position(readAhead.limit());
            }
            return -1;
        }
        return total;
    }

    @Override
    public long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
        long total = 0;
        for (int i = offs; i < offs + len; i++) {
            ByteBuffer dst = dsts[i];
            if (!dst.hasRemaining()) {
                continue;
            }
            int n = read(dst);
            if (n < 0) {
                return total > 0 ? total : -1;
            }
            total += n;
            if (dst.hasRemaining()) {
                break; // a short read: nothing more for now
            }
        }
        return total;
    }

    @Override
    public long transferTo(long position, long count, FileChannel target) throws IOException {
        return target.transferFrom(new ConduitReadableByteChannel(this), position, count);
    }

    @Override
    public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) throws IOException {
        return Conduits.transfer(this, count, throughBuffer, target);
    }

    /** True when a read can make progress (or fail, or end) without the next conduit. */
    private boolean readyWithoutNext() {
        return failure != null || state == State.DONE || readAhead.hasRemaining();
    }

    @Override
    public void awaitReadable() throws IOException {
        if (!readyWithoutNext()) {
            next.awaitReadable();
        }
    }

    @Override
    public void awaitReadable(long time, TimeUnit timeUnit) throws IOException {
        if (!readyWithoutNext()) {
            next.awaitReadable(time, timeUnit);
        }
    }

    @Override
    public void resumeReads() {
        if (readyWithoutNext()) {
            next.wakeupReads(); // the socket may never become readable again: the bytes are here
        } else {
            next.resumeReads();
        }
    }

    /**
     * After the end of the body, nothing: the connection carries the next request (as Undertow's
     * decoder does). Before it, the body is broken and reads shut down below.
     */
    @Override
    public void terminateReads() throws IOException {
        if (state == State.DONE && failure == null) {
            return;
        }
        listener.bodyBroken();
        next.terminateReads();
    }

    // ---------------------------------------------------------------------------------------------

    /** Reads from the next conduit into the read-ahead buffer; false if nothing came now. */
    private boolean readAhead() throws IOException {
        readAhead.clear();
        int n;
        try {
            n = next.read(readAhead);
        } finally {
            readAhead.flip();
        }
        if (n < 0) {
            throw fail("expected " + expectation() + " but the connection ended");
        }
        return n > 0;
    }

    private int copyData(ByteBuffer dst) {
        int n = (int) Math.min(Math.min(readAhead.remaining(), dst.remaining()), size);
        int limit = readAhead.limit();
        readAhead.limit(readAhead.position() + n);
        dst.put(readAhead);
        readAhead.limit(limit);
        consumed(n);
        return n;
    }

    /** Reads chunk data straight into {@code dst}, never past the chunk. */
    private int readData(ByteBuffer dst) throws IOException {
        int limit = dst.limit();
        if (dst.remaining() > size) {
            dst.limit(dst.position() + (int) size);
        }
        int n;
        try {
            n = next.read(dst);
        } finally {
            dst.limit(limit);
        }
        if (n < 0) {
            throw fail("expected " + expectation() + " but the connection ended");
        }
        consumed(n);
        return n;
    }

    private void consumed(int n) {
        size -= n;
        if (size == 0) {
            state = State.DATA_CR;
        }
    }

    /** Takes one byte of framing: a chunk line, the CRLF after data, the trailer section. */
    private void step(int c) throws MalformedChunkedBodyException {
        if (state.ordinal() <= State.LINE_LF.ordinal() && ++lineLength > MAX_CHUNK_LINE) {
            throw fail("expected a chunk line of at most " + MAX_CHUNK_LINE + " bytes but it is longer");
        }
        if (state.ordinal() >= State.TRAILER_START.ordinal() && ++trailerLength > MAX_TRAILER_SECTION) {
            throw fail("expected a trailer section of at most " + MAX_TRAILER_SECTION + " bytes but it is longer");
        }
        switch (state) {
            case SIZE -> {
                int digit = hex(c);
                if (digit < 0) {
                    if (digits == 0) {
                        throw fail("expected a hex digit (chunk size) but was " + describe(c));
                    }
                    afterItem(c, "';' or CRLF", "the chunk size");
                } else if (digits == MAX_SIZE_DIGITS) {
                    throw fail("expected a chunk size of at most " + MAX_SIZE_DIGITS + " hex digits but it is longer");
                } else if (size > Long.MAX_VALUE >>> 4) {
                    throw fail("expected a chunk size of at most 7fffffffffffffff but it is larger");
                } else {
                    size = size << 4 | digit;
                    digits++;
                }
            }
            case BWS_BEFORE_SEMICOLON -> {
                if (c == ';') {
                    state = State.BWS_BEFORE_NAME;
                } else if (!whitespace(c)) {
                    throw fail("expected ';' after whitespace in a chunk line but was " + describe(c));
                }
            }
            case BWS_BEFORE_NAME -> {
                if (tchar(c)) {
                    state = State.NAME;
                } else if (!whitespace(c)) {
                    throw fail("expected a chunk extension name but was " + describe(c));
                }
            }
            case NAME -> {
                if (c == '=') {
                    state = State.BWS_BEFORE_VALUE;
                } else if (whitespace(c)) {
                    state = State.BWS_AFTER_NAME;
                } else if (!tchar(c)) {
                    afterItem(c, "'=', ';' or CRLF", "a chunk extension name");
                }
            }
            case BWS_AFTER_NAME -> {
                if (c == '=') {
                    state = State.BWS_BEFORE_VALUE;
                } else if (c == ';') {
                    state = State.BWS_BEFORE_NAME;
                } else if (!whitespace(c)) {
                    throw fail("expected '=' or ';' after whitespace in a chunk line but was " + describe(c));
                }
            }
            case BWS_BEFORE_VALUE -> {
                if (c == '"') {
                    state = State.QUOTED_VALUE;
                } else if (tchar(c)) {
                    state = State.TOKEN_VALUE;
                } else if (!whitespace(c)) {
                    throw fail("expected a token or a quoted-string (chunk extension value) but was " + describe(c));
                }
            }
            case TOKEN_VALUE -> {
                if (!tchar(c)) {
                    afterItem(c, "';' or CRLF", "a chunk extension value");
                }
            }
            case QUOTED_VALUE -> {
                if (c == '"') {
                    state = State.AFTER_QUOTED;
                } else if (c == '\\') {
                    state = State.QUOTED_PAIR;
                } else if (!(whitespace(c) || c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80)) {
                    throw fail("expected a quoted-string character or '\"' but was " + describe(c));
                }
            }
            case QUOTED_PAIR -> {
                if (!(whitespace(c) || c >= 0x21 && c != 0x7f)) {
                    throw fail("expected an escaped character after '\\' but was " + describe(c));
                }
                state = State.QUOTED_VALUE;
            }
            case AFTER_QUOTED -> afterItem(c, "';' or CRLF", "a chunk extension value");
            case LINE_LF -> {
                expectLf(c, "the CR of a chunk line");
                state = size == 0 ? State.TRAILER_START : State.DATA;
                chunkLength = size;
                lineLength = 0;
            }
            case DATA_CR -> {
                if (c != CR) {
                    throw fail("expected CRLF after the " + chunkLength + " bytes of chunk data but was "
                            + (c == LF ? "a bare LF" : "another byte (more data than the chunk size)"));
                }
                state = State.DATA_LF;
            }
            case DATA_LF -> {
                expectLf(c, "the CR after chunk data");
                state = State.SIZE;
                size = 0;
                digits = 0;
            }
            case TRAILER_START -> {
                if (c == CR) {
                    state = State.LAST_LF;
                } else if (tchar(c)) {
                    state = State.TRAILER_NAME;
                } else if (whitespace(c)) {
                    throw fail("expected a trailer field name or CRLF but was " + describe(c)
                            + " (obs-fold is not accepted)");
                } else {
                    throw fail("expected a trailer field name or CRLF but was " + describe(c));
                }
            }
            case TRAILER_NAME -> {
                if (c == ':') {
                    state = State.TRAILER_VALUE;
                } else if (!tchar(c)) {
                    throw fail("expected ':' after a trailer field name but was " + describe(c));
                }
            }
            case TRAILER_VALUE -> {
                if (c == CR) {
                    state = State.TRAILER_LF;
                } else if (!(whitespace(c) || c >= 0x21 && c != 0x7f)) {
                    throw fail("expected a trailer field value or CRLF but was "
                            + (c == LF ? "a bare LF" : "a control character"));
                }
            }
            case TRAILER_LF -> {
                expectLf(c, "the CR of a trailer field");
                state = State.TRAILER_START;
            }
            case LAST_LF -> {
                expectLf(c, "the CR ending the chunked body");
                state = State.DONE;
            }
            default -> throw new IllegalStateException("no framing byte is read in state " + state);
        }
    }

    /** After the chunk size or an extension: more extensions, or the CRLF that ends the line. */
    private void afterItem(int c, String expected, String what) throws MalformedChunkedBodyException {
        if (c == CR) {
            state = State.LINE_LF;
        } else if (c == ';') {
            state = State.BWS_BEFORE_NAME;
        } else if (whitespace(c)) {
            state = State.BWS_BEFORE_SEMICOLON;
        } else {
            throw fail("expected " + expected + " after " + what + " but was "
                    + (c == LF ? "a bare LF" : describe(c)));
        }
    }

    private void expectLf(int c, String after) throws MalformedChunkedBodyException {
        if (c != LF) {
            throw fail("expected LF after " + after + " but was " + describe(c));
        }
    }

    /** What the decoder waits for, for the message when the connection ends early. */
    private String expectation() {
        return switch (state) {
            case DATA -> size + " more bytes of chunk data";
            case DATA_CR, DATA_LF -> "CRLF after chunk data";
            case TRAILER_START, TRAILER_NAME, TRAILER_VALUE, TRAILER_LF, LAST_LF -> "the rest of the trailer section";
            default -> "the rest of a chunk line";
        };
    }

    private MalformedChunkedBodyException fail(String message) {
        failure = new MalformedChunkedBodyException(message);
        listener.bodyBroken();
        return failure;
    }

    private static int hex(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static boolean whitespace(int c) {
        return c == ' ' || c == '\t';
    }

    /** RFC 9110 5.6.2 tchar. */
    static boolean tchar(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c < 0x80 && "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    /** A framing byte for a message: printable ASCII as itself, others by name or code. */
    private static String describe(int c) {
        return switch (c) {
            case CR -> "CR";
            case LF -> "LF";
            case ' ' -> "SP";
            case '\t' -> "HTAB";
            default -> c > 0x20 && c < 0x7f ? "'" + (char) c + "'" : String.format("byte 0x%02x", c);
        };
    }
}
