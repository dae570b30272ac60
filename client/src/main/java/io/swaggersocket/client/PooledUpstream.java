package io.swaggersocket.client;

import io.swaggersocket.mux.StreamContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.FormattedHeader;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpStatus;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.Method;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.util.Timeout;

/**
 * Thread-safe: {@link ForwardingHandler}'s own HTTP/1.1 client. One exchange runs on the handler's
 * thread: lease a connection, write the request head (and a body that is already all there), read
 * the response head, hand the body on as an {@link UpstreamBody} that returns the connection when
 * it ends. A request body still arriving goes from a thread of its own (see {@link Exchange}).
 */
final class PooledUpstream {
    private static final System.Logger LOG = System.getLogger(PooledUpstream.class.getName());
    /** Most informational (1xx) heads skipped before the final one; more is a broken upstream. */
    private static final int MAX_INTERIM = 16;
    static final ExecutorService BODY_SENDERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "swaggersocket-forward-body");
        t.setDaemon(true);
        return t;
    });

    private final URI upstream;
    private final String base;
    private final String authority;
    private final UpstreamPool pool;
    private final long leaseNanos;
    private final Timeout requestTimeout;
    private final Timeout bodyIdleTimeout;

    PooledUpstream(URI upstream, String base, String authority, UpstreamPool pool, Duration connectTimeout,
            Duration requestTimeout, Duration bodyIdleTimeout) {
        this.upstream = upstream;
        this.base = base;
        this.authority = authority;
        this.pool = pool;
        this.leaseNanos = connectTimeout.toNanos();
        this.requestTimeout = UpstreamConnection.timeout(requestTimeout);
        this.bodyIdleTimeout = UpstreamConnection.timeout(bodyIdleTimeout);
    }

    UpstreamPool pool() {
        return pool;
    }

    void close() {
        pool.close();
    }

    /** Called with a path already checked for dot segments. */
    void forward(ClassicHttpRequest request, String path, ClassicHttpResponse response, StreamContext stream)
            throws IOException {
        ClassicHttpRequest outgoing;
        try {
            outgoing = upstreamRequest(request, path);
        } catch (IllegalArgumentException e) {
            ForwardingHandler.fail(response, HttpStatus.SC_BAD_REQUEST, "cannot forward " + request.getMethod() + " "
                    + path + ": " + e.getMessage());
            return;
        }
        Exchange exchange = new Exchange(pool, outgoing, request.getEntity());
        if (stream != null) {
            stream.cancellation().whenComplete((cause, ignored) -> exchange.cancel());
        }
        boolean retryable = exchange.body == null && Method.isIdempotent(outgoing.getMethod());
        for (int attempt = 0; ; attempt++) {
            UpstreamConnection c;
            try {
                c = pool.lease(leaseNanos, attempt > 0);
            } catch (UpstreamPool.Exhausted e) {
                ForwardingHandler.fail(response, HttpStatus.SC_SERVICE_UNAVAILABLE, "upstream " + upstream
                        + " busy: " + e.getMessage());
                return;
            } catch (SocketTimeoutException e) { // before InterruptedIOException, its superclass
                ForwardingHandler.fail(response, HttpStatus.SC_GATEWAY_TIMEOUT, "upstream " + upstream
                        + " timed out: " + ForwardingHandler.POOL_CONNECT_TIMED_OUT);
                return;
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                if (exchange.cancelled()) {
                    throw new InterruptedIOException("the caller cancelled " + where(outgoing));
                }
                failed(response, outgoing, e);
                return;
            }
            ClassicHttpResponse head;
            try {
                head = exchange.send(c, requestTimeout);
            } catch (IOException | HttpException e) {
                exchange.abandon();
                if (exchange.cancelled()) {
                    throw new InterruptedIOException("the caller cancelled " + where(outgoing));
                }
                if (e instanceof ClosedByInterruptException || Thread.currentThread().isInterrupted()) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted waiting for " + where(outgoing));
                }
                if (exchange.callerBodyFailure() != null) {
                    throw exchange.callerBodyFailure(); // the caller's own body broke: nobody to answer
                }
                if (e instanceof SocketTimeoutException) {
                    ForwardingHandler.fail(response, HttpStatus.SC_GATEWAY_TIMEOUT, "upstream " + upstream
                            + " timed out: " + ForwardingHandler.RESPONSE_TIMED_OUT);
                    return;
                }
                if (attempt == 0 && retryable && c.reused && e instanceof IOException) {
                    // Closed by the upstream while idle, after the check before reuse: nothing was
                    // processed, and a fresh connection will tell whether it is really down.
                    LOG.log(System.Logger.Level.DEBUG, "{0}: pooled connection closed by the upstream ({1}); "
                            + "once more on a fresh one", where(outgoing), e);
                    exchange.reset();
                    continue;
                }
                failed(response, outgoing, e);
                return;
            }
            try {
                exchange.respond(head, response, bodyIdleTimeout);
            } catch (IOException e) {
                exchange.abandon();
                if (exchange.cancelled()) {
                    throw new InterruptedIOException("the caller cancelled " + where(outgoing));
                }
                if (exchange.callerBodyFailure() != null) {
                    throw exchange.callerBodyFailure(); // the caller's own body broke: nobody to answer
                }
                // The upstream answered while the body was still going and closed the connection (a
                // refusal, such as 413 over its limit): writing the body failed and took the connection
                // with it. Its status stands; its body is lost. Never a 500: the handler did not fail.
                int status = head.getCode() >= HttpStatus.SC_BAD_REQUEST ? head.getCode() : HttpStatus.SC_BAD_GATEWAY;
                LOG.log(System.Logger.Level.DEBUG, "{0}: the upstream answered {1} and closed: {2}", where(outgoing),
                        head.getCode(), e);
                ForwardingHandler.fail(response, status, "upstream " + upstream + " answered " + head.getCode()
                        + " and closed the connection before its body could be read: " + ForwardingHandler.describe(e));
            }
            return;
        }
    }

    private void failed(ClassicHttpResponse response, ClassicHttpRequest outgoing, Exception e) {
        LOG.log(System.Logger.Level.DEBUG, "{0}: upstream failed: {1}", where(outgoing), e);
        ForwardingHandler.fail(response, HttpStatus.SC_BAD_GATEWAY, "upstream " + upstream + " failed: "
                + ForwardingHandler.describe(e));
    }

    /**
     * The request for the upstream: the caller's method, base + path and headers as they are (the
     * parsed header objects themselves, written out again from their buffers), less the hop-by-hop
     * ones, with the upstream's Host and the body's framing.
     */
    private ClassicHttpRequest upstreamRequest(ClassicHttpRequest request, String path) {
        String target = base.isEmpty() ? path : base + path;
        String invalid = invalidTarget(target);
        if (invalid != null) {
            throw new IllegalArgumentException("the target is no valid URI: " + invalid);
        }
        BasicClassicHttpRequest out = new BasicClassicHttpRequest(request.getMethod(), "/");
        out.setPath(target);
        out.setVersion(HttpVersion.HTTP_1_1);
        out.addHeader(HttpHeaders.HOST, authority);
        Set<String> dropped = ConnectionTokens.of(request).dropped();
        boolean hasContentType = false;
        for (Header h : request.getHeaders()) {
            String name = h.getName();
            if (dropped.contains(name)) {
                continue;
            }
            if (!(h instanceof FormattedHeader)) {
                checkField(h); // parsed ones came off the wire in lines: they hold no line break
            }
            out.addHeader(h);
            hasContentType |= name.equalsIgnoreCase(HttpHeaders.CONTENT_TYPE);
        }
        HttpEntity entity = request.getEntity();
        long length = entity == null ? 0 : entity.getContentLength();
        if (entity != null && !hasContentType && entity.getContentType() != null) {
            out.addHeader(HttpHeaders.CONTENT_TYPE, entity.getContentType());
        }
        org.apache.hc.core5.http.Header expect = request.getFirstHeader(HttpHeaders.EXPECT);
        if (entity != null && length != 0 && expect != null && "100-continue".equalsIgnoreCase(expect.getValue().trim())) {
            out.addHeader(HttpHeaders.EXPECT, "100-continue"); // the upstream decides whether the body comes (Exchange)
        }
        if (length < 0) {
            out.addHeader(HttpHeaders.TRANSFER_ENCODING, "chunked");
        } else if (length > 0 || Method.POST.isSame(out.getMethod()) || Method.PUT.isSame(out.getMethod())
                || Method.PATCH.isSame(out.getMethod())) {
            out.addHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(length)); // "0" as curl sends it
        }
        return out;
    }

    /** Where {@code target} has a character a request line cannot carry, or null. */
    static String invalidTarget(String target) {
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            boolean bad = c <= ' ' || c >= 0x7f || c == '#' || c == '"' || c == '<' || c == '>' || c == '\\'
                    || c == '^' || c == '`' || c == '{' || c == '|' || c == '}';
            if (c == '%' && (i + 2 >= target.length() || Character.digit(target.charAt(i + 1), 16) < 0
                    || Character.digit(target.charAt(i + 2), 16) < 0)) {
                return "malformed escape at index " + i + ": " + target;
            }
            if (bad) {
                return "illegal character " + (c < ' ' || c >= 0x7f ? String.format("U+%04X", (int) c) : "'" + c + "'")
                        + " at index " + i + ": " + target;
            }
        }
        return null;
    }

    private static void checkField(Header h) {
        String name = h.getName();
        String value = h.getValue();
        if (name.isEmpty() || name.indexOf(':') >= 0 || hasLineBreak(name) || (value != null && hasLineBreak(value))) {
            throw new IllegalArgumentException("header " + name.replaceAll("[\\r\\n]", "?")
                    + " has a line break, NUL or colon where none may be");
        }
    }

    private static boolean hasLineBreak(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                return true;
            }
        }
        return false;
    }

    /** Method and URI without the query, which may carry credentials. */
    private String where(ClassicHttpRequest outgoing) {
        String path = outgoing.getPath();
        int q = path.indexOf('?');
        return outgoing.getMethod() + " " + upstream.getScheme() + "://" + upstream.getRawAuthority()
                + (q < 0 ? path : path.substring(0, q));
    }

    /** Runs {@code task} for a request body, on a thread of its own. */
    static CompletableFuture<Void> sendAsync(Runnable task) {
        return CompletableFuture.runAsync(task, BODY_SENDERS);
    }

    static InputStream content(HttpEntity entity) throws IOException {
        return entity.getContent();
    }
}
