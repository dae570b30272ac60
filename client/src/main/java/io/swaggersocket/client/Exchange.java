package io.swaggersocket.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpStatus;
import org.apache.hc.core5.http.Method;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.util.Timeout;

/**
 * One request's trip to the upstream over a pooled connection, from lease to the end of the
 * response body. The handler's thread drives it; the caller's cancellation ({@link #cancel}) and
 * the body sender may come from other threads, so the connection and the exchange's state are
 * guarded by this object's monitor (decide under it, close the socket after).
 *
 * <p>The connection goes back to the pool exactly once ({@link #finish}), reusable only when the
 * response was read to its end, the upstream keeps the connection alive, the request body (if
 * any) went out whole and the caller did not cancel.
 */
final class Exchange {
    private static final int BUFFER = 16 * 1024;
    /** Bodies up to this size that are all there go from the handler's thread (far below socket buffers). */
    private static final int INLINE_BODY = 64 * 1024;
    /** How long a request with {@code Expect: 100-continue} waits for the upstream's 100 before it sends its body anyway (as curl does). */
    static final long CONTINUE_WAIT_MILLIS = 1000;

    private final UpstreamPool pool;
    private final ClassicHttpRequest outgoing;
    /** The caller's body, null when it has none. */
    final HttpEntity body;
    private UpstreamConnection connection;
    private boolean cancelled;
    private boolean done;
    /** The body sender, when the body goes from a thread of its own. */
    private volatile CompletableFuture<Void> sending;
    /** Set before the sender starts: it flushes each buffer as it goes. */
    private volatile boolean streaming;
    private volatile Throwable sendFailure;
    private volatile IOException callerBodyFailure;
    /** With Expect: 100-continue, opened by the upstream's 100 (or its final answer, or the continue wait). */
    private volatile java.util.concurrent.CountDownLatch continueGate;
    /** The upstream answered before its 100: the body was never sent, so the connection is not reused. */
    private volatile boolean bodySkipped;

    Exchange(UpstreamPool pool, ClassicHttpRequest outgoing, HttpEntity callerBody) {
        this.pool = pool;
        this.outgoing = outgoing;
        this.body = callerBody != null && callerBody.getContentLength() != 0 ? callerBody : null;
    }

    /**
     * Writes the request on {@code c} and reads up to the final response head, waiting at most
     * {@code headTimeout} for it (zero: no limit).
     */
    ClassicHttpResponse send(UpstreamConnection c, Timeout headTimeout) throws IOException, HttpException {
        synchronized (this) {
            if (cancelled) {
                pool.release(c, true); // untouched
                throw new InterruptedIOException("the caller cancelled");
            }
            connection = c;
        }
        c.timeout(headTimeout);
        if (body == null) {
            c.http.sendRequestHeader(outgoing);
            c.http.flush();
        } else {
            outgoing.setEntity(new RelayEntity(body));
            c.http.sendRequestHeader(outgoing);
            java.util.concurrent.CountDownLatch gate = expectsContinue(outgoing) ? new java.util.concurrent.CountDownLatch(1) : null;
            continueGate = gate;
            if (gate == null && allThere(body)) {
                c.http.sendRequestEntity(outgoing);
                c.http.flush();
            } else {
                // The body is still coming: send it as it does, while this thread waits for the
                // answer, which an upstream may give before the body ends.
                c.http.flush();
                streaming = true;
                sending = PooledUpstream.sendAsync(() -> {
                    try {
                        if (gate != null) {
                            // RFC 9110 10.1.1: wait for the 100 a while, then send all the same.
                            gate.await(CONTINUE_WAIT_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
                            if (bodySkipped) {
                                return; // answered first: the caller's body is never read, so never asked for
                            }
                        }
                        c.http.sendRequestEntity(outgoing);
                        c.http.flush();
                    } catch (IOException | HttpException | RuntimeException e) {
                        sendFailure = e;
                        c.abort(); // the head read fails with it
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        sendFailure = e;
                        c.abort();
                    }
                });
            }
        }
        ClassicHttpResponse head = c.http.receiveResponseHeader();
        java.util.concurrent.CountDownLatch gate = continueGate;
        for (int interim = 0; head.getCode() < HttpStatus.SC_OK; interim++) {
            if (head.getCode() == HttpStatus.SC_SWITCHING_PROTOCOLS || interim == 16) {
                throw new ProtocolException("expected a final response but the upstream sent " + head.getCode()
                        + (interim == 16 ? " after 16 informational ones" : ""));
            }
            if (head.getCode() == HttpStatus.SC_CONTINUE && gate != null) {
                gate.countDown(); // the upstream wants the body: read it from the tunnel, whose caller gets its 100 now
            }
            head = c.http.receiveResponseHeader(); // 100 Continue, 103 Early Hints: not passed on
        }
        if (gate != null && gate.getCount() > 0) {
            bodySkipped = true; // the final answer came before the 100: the body stays unsent and unread
            gate.countDown();
        }
        return head;
    }

    private static boolean expectsContinue(ClassicHttpRequest request) {
        org.apache.hc.core5.http.Header expect = request.getFirstHeader(HttpHeaders.EXPECT);
        return expect != null && "100-continue".equalsIgnoreCase(expect.getValue().trim());
    }

    /**
     * Whether the body is small and here whole already (in memory, or buffered by the tunnel to its
     * length), so that writing it cannot wait on the caller, nor long on an upstream that stops
     * reading to answer early: then it goes from this thread, without a hand-off.
     */
    private static boolean allThere(HttpEntity body) throws IOException {
        long length = body.getContentLength();
        return length > 0 && length <= INLINE_BODY && (body.isRepeatable() || body.getContent().available() >= length);
    }

    /** Fills {@code response} from {@code head}, its body relayed from the connection. */
    void respond(ClassicHttpResponse head, ClassicHttpResponse response, Timeout bodyIdleTimeout)
            throws IOException {
        UpstreamConnection c;
        synchronized (this) {
            c = connection;
        }
        int status = head.getCode();
        response.setCode(status);
        response.setReasonPhrase(null);
        ConnectionTokens connection = ConnectionTokens.of(head);
        Set<String> dropped = connection.dropped();
        for (Header h : head.getHeaders()) {
            if (!dropped.contains(h.getName())) {
                response.addHeader(h);
            }
        }
        boolean keepAlive = connection.keepAlive(head.getVersion());
        Header typeHeader = head.getFirstHeader(HttpHeaders.CONTENT_TYPE);
        String type = typeHeader == null ? null : typeHeader.getValue();
        boolean isHead = Method.HEAD.isSame(outgoing.getMethod());
        if (isHead || status == HttpStatus.SC_NO_CONTENT || status == HttpStatus.SC_NOT_MODIFIED) {
            if (isHead && status != HttpStatus.SC_NO_CONTENT && status != HttpStatus.SC_NOT_MODIFIED) {
                // Never read: it only states the length (or chunking) a GET would have.
                response.setEntity(new InputStreamEntity(InputStream.nullInputStream(), declaredLength(head),
                        type == null ? null : ContentType.parseLenient(type)));
            }
            finish(keepAlive); // no body on the wire, whatever the head says
            return;
        }
        try {
            c.http.receiveResponseEntity(head);
        } catch (HttpException e) {
            finish(false);
            throw new IOException("upstream response framing: " + e.getMessage(), e); // before any byte went back
        }
        HttpEntity incoming = head.getEntity();
        long length = incoming.getContentLength();
        boolean delimited = length >= 0 || incoming.isChunked(); // else it ends with the connection
        if (length == 0) {
            finish(keepAlive); // nothing to read: the connection is free now
            response.setEntity(new InputStreamEntity(InputStream.nullInputStream(), 0,
                    type == null ? null : ContentType.parseLenient(type)));
            return;
        }
        c.timeout(bodyIdleTimeout);
        response.setEntity(new UpstreamBody(incoming.getContent(), length, type, keepAlive && delimited, c));
    }

    private static long declaredLength(ClassicHttpResponse head) {
        Header cl = head.getFirstHeader(HttpHeaders.CONTENT_LENGTH);
        if (cl == null || head.containsHeader(HttpHeaders.TRANSFER_ENCODING)) {
            return -1;
        }
        try {
            return Math.max(-1, Long.parseLong(cl.getValue().trim()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The caller went away: closes the connection unless the exchange is over. */
    void cancel() {
        UpstreamConnection c;
        synchronized (this) {
            cancelled = true;
            c = done ? null : connection;
        }
        if (c != null) {
            c.abort();
        }
    }

    synchronized boolean cancelled() {
        return cancelled;
    }

    IOException callerBodyFailure() {
        return callerBodyFailure;
    }

    /** Sending or the head failed: the connection is closed, never reused. */
    void abandon() {
        finish(false);
    }

    /** For a second attempt on a fresh connection (only ever for a request without body). */
    synchronized void reset() {
        done = false;
        connection = null;
        streaming = false;
        sending = null;
        sendFailure = null;
        continueGate = null;
        bodySkipped = false;
    }

    /** Returns the connection to the pool, once; reusable only if everything went out and came in. */
    void finish(boolean reusable) {
        UpstreamConnection c;
        boolean reuse;
        synchronized (this) {
            if (done || connection == null) {
                return;
            }
            done = true;
            c = connection;
            reuse = reusable && !cancelled && !bodySkipped && (sending == null || (sending.isDone() && sendFailure == null));
        }
        pool.release(c, reuse);
    }

    /** The caller's body as the upstream request's entity, telling a failing caller from a failing upstream. */
    private final class RelayEntity extends AbstractHttpEntity {
        private final HttpEntity source;

        RelayEntity(HttpEntity source) {
            super(source.getContentType(), null, source.getContentLength() < 0);
            this.source = source;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            InputStream in = source.getContent();
            byte[] buf = new byte[BUFFER];
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException e) {
                    callerBodyFailure = e;
                    throw e;
                }
                if (n < 0) {
                    return;
                }
                out.write(buf, 0, n);
                if (streaming) {
                    out.flush(); // the caller streams as it goes: so does the upstream request
                }
            }
        }

        @Override
        public InputStream getContent() throws IOException {
            return source.getContent();
        }

        @Override
        public long getContentLength() {
            return source.getContentLength();
        }

        @Override
        public boolean isRepeatable() {
            return false;
        }

        @Override
        public boolean isStreaming() {
            return true;
        }

        @Override
        public void close() {
            // the caller's entity is closed by whoever owns it
        }
    }

    /**
     * The upstream's response body, handed on as it is read. Its end (the declared length, or the
     * last chunk) releases the connection; a failure, a close before the end or an idle timeout
     * closes it, and the reader sees an {@link IOException}, never a short body presented whole.
     */
    private final class UpstreamBody extends AbstractHttpEntity {
        private final InputStream in;
        private final long length;
        private final boolean reusable;
        private final UpstreamConnection upstream;
        /** The end was read; touched by the reading thread only. */
        private boolean ended;
        private final InputStream relay = new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (ended) {
                    return -1; // the connection may carry another exchange by now
                }
                int n;
                try {
                    n = in.read(b, off, len);
                } catch (IOException | RuntimeException e) {
                    finish(false);
                    throw e;
                }
                if (n < 0) {
                    ended = true;
                    finish(reusable);
                }
                return n;
            }

            @Override
            public int available() throws IOException {
                return ended ? 0 : in.available();
            }

            @Override
            public void close() {
                // Not in.close(): httpcore5's body streams read the rest to the end on close,
                // which for an abandoned body means waiting for all of it. Closing the connection
                // is quicker; finish() does that unless the end was read.
                finish(false);
            }
        };

        UpstreamBody(InputStream in, long length, String contentType, boolean reusable, UpstreamConnection upstream) {
            super(contentType, null, false);
            this.in = in;
            this.length = length;
            this.reusable = reusable;
            this.upstream = upstream;
        }

        @Override
        public InputStream getContent() {
            return relay;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            byte[] buf = new byte[length >= 0 && length < BUFFER ? (int) Math.max(1, length) : BUFFER];
            for (int n; (n = relay.read(buf, 0, buf.length)) >= 0; ) {
                out.write(buf, 0, n);
                if (n > 0 && relay.available() == 0 && upstream.pending() == 0) {
                    // Nothing more has come: what has (an event, a progress line) goes on now, not
                    // when a frame fills; a body that keeps coming still travels in full frames.
                    out.flush();
                }
            }
        }

        @Override
        public long getContentLength() {
            return length;
        }

        @Override
        public boolean isRepeatable() {
            return false;
        }

        @Override
        public boolean isStreaming() {
            return true;
        }

        @Override
        public void close() {
            finish(false); // unless the end was read already
        }
    }
}
