package io.swaggersocket.client;

import io.swaggersocket.mux.StreamContext;
import io.swaggersocket.mux.Upgrades;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpStatus;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.io.entity.HttpEntityWrapper;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.util.Timeout;

/**
 * {@link ForwardingHandler}'s upgrades ({@code Upgrade: websocket} and any other protocol): the
 * request goes to the upstream on a fresh connection of its own (an upgraded connection never goes
 * back to the pool), with its {@code Upgrade} and {@code Connection: Upgrade}. A {@code 101} is
 * accepted on the tunnel's stream ({@link Upgrades#accept}) and the bytes are relayed both ways as
 * they come: the handler's thread copies the upstream's side to the caller, a body-sender thread
 * the caller's side to the upstream. Any other answer is relayed as an ordinary response, and the
 * connection closed after it.
 *
 * <p>Ends: the upstream's end of stream ends our side of the stream (END_STREAM); the caller's
 * END_STREAM half-closes the upstream connection (a FIN; over TLS nothing, the upstream's close
 * ends it); the session is over when both ended. A failure on one side aborts the other: the
 * caller's reset or a lost tunnel closes the upstream connection, an upstream reset resets the
 * caller's stream. After the {@code 101} no timeout of its own applies: the caller's
 * cancellation, the tunnel's heartbeat and the server's idle limit for upgraded connections end a
 * silent session.
 */
final class UpstreamUpgrade {
    private static final int BUFFER = 16 * 1024;
    private static final int MAX_INTERIM = 16;

    private final URI upstream;
    private final String base;
    private final String authority;
    private final UpstreamConnection.Opener opener;
    private final Timeout requestTimeout;

    UpstreamUpgrade(URI upstream, String base, String authority, UpstreamConnection.Opener opener,
            Duration requestTimeout) {
        this.upstream = upstream;
        this.base = base;
        this.authority = authority;
        this.opener = opener;
        this.requestTimeout = UpstreamConnection.timeout(requestTimeout);
    }

    /** Called with a path already checked for dot segments. */
    void forward(ClassicHttpRequest request, String path, ClassicHttpResponse response, StreamContext stream)
            throws IOException {
        ClassicHttpRequest outgoing = upstreamRequest(request, path);
        UpstreamConnection c;
        try {
            c = opener.open();
        } catch (SocketTimeoutException e) {
            ForwardingHandler.fail(response, HttpStatus.SC_GATEWAY_TIMEOUT, "upstream " + upstream + " timed out: "
                    + ForwardingHandler.POOL_CONNECT_TIMED_OUT);
            return;
        } catch (IOException e) {
            ForwardingHandler.fail(response, HttpStatus.SC_BAD_GATEWAY, "upstream " + upstream + " failed: "
                    + ForwardingHandler.describe(e));
            return;
        }
        if (stream != null) {
            stream.cancellation().whenComplete((cause, ignored) -> c.abort());
        }
        ClassicHttpResponse head;
        try {
            c.timeout(requestTimeout);
            c.http.sendRequestHeader(outgoing);
            c.http.flush();
            head = c.http.receiveResponseHeader();
            for (int interim = 0; head.getCode() < HttpStatus.SC_SWITCHING_PROTOCOLS && interim < MAX_INTERIM; interim++) {
                head = c.http.receiveResponseHeader(); // 100 and 102/103: informational, not ours to relay
            }
            if (head.getCode() < HttpStatus.SC_OK && head.getCode() != HttpStatus.SC_SWITCHING_PROTOCOLS) {
                throw new HttpException("more than " + MAX_INTERIM + " informational responses");
            }
            c.http.receiveResponseEntity(head); // after a 101: the upgraded bytes, to the end of the connection
        } catch (IOException | HttpException e) {
            c.abort();
            if (stream != null && stream.isCancelled()) {
                throw new InterruptedIOException("the caller cancelled the upgrade to " + upstream);
            }
            if (e instanceof SocketTimeoutException) {
                ForwardingHandler.fail(response, HttpStatus.SC_GATEWAY_TIMEOUT, "upstream " + upstream
                        + " timed out: " + ForwardingHandler.RESPONSE_TIMED_OUT);
            } else {
                ForwardingHandler.fail(response, HttpStatus.SC_BAD_GATEWAY, "upstream " + upstream + " failed: "
                        + ForwardingHandler.describe(e));
            }
            return;
        }
        response.setCode(head.getCode());
        response.setReasonPhrase(null);
        Set<String> dropped = ConnectionTokens.of(head).dropped();
        for (Header h : head.getHeaders()) {
            if (!dropped.contains(h.getName())) {
                response.addHeader(h);
            }
        }
        HttpEntity upstreamBytes = head.getEntity();
        if (head.getCode() != HttpStatus.SC_SWITCHING_PROTOCOLS) {
            response.setEntity(upstreamBytes == null ? null : new HttpEntityWrapper(upstreamBytes) {
                @Override
                public void close() throws IOException {
                    c.close(); // not pooled: its framing after a refused upgrade is the upstream's guess
                }
            });
            if (upstreamBytes == null) {
                c.close();
            }
            return;
        }
        for (Header h : head.getHeaders(HttpHeaders.UPGRADE)) {
            response.setHeader(h.getName(), h.getValue());
        }
        c.timeout(Timeout.INFINITE); // a quiet session is not a failure; see the class comment
        Upgrades.accept(request, response, (in, out) -> relay(c, upstreamBytes.getContent(), in, out));
    }

    private static void relay(UpstreamConnection c, InputStream fromUpstream, InputStream fromCaller, OutputStream toCaller)
            throws IOException {
        CompletableFuture<Void> upload;
        try {
            OutputStream toUpstream = c.rawOutput();
            upload = PooledUpstream.sendAsync(() -> {
                try {
                    copy(fromCaller, toUpstream);
                    c.shutdownOutput();
                } catch (IOException e) {
                    c.abort(); // a reset caller or lost tunnel: the upstream must not see a clean end
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (IOException | RuntimeException e) {
            c.abort();
            throw e;
        }
        try {
            copy(fromUpstream, toCaller);
            toCaller.close(); // the upstream's side ended: END_STREAM; the caller's may go on
            upload.get();
        } catch (IOException e) {
            c.abort();
            throw e;
        } catch (ExecutionException e) {
            throw new IOException("the caller's side failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.abort();
            throw new InterruptedIOException("interrupted relaying an upgraded connection");
        } finally {
            c.close();
        }
    }

    /** Copies to the end, flushing whenever nothing more is waiting: each message goes on at once. */
    private static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[BUFFER];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            out.write(buffer, 0, n);
            if (in.available() == 0) {
                out.flush();
            }
        }
        out.flush();
    }

    /** The request for the upstream: as {@link PooledUpstream} sends it, with the upgrade's own headers. */
    private ClassicHttpRequest upstreamRequest(ClassicHttpRequest request, String path) {
        BasicClassicHttpRequest out = new BasicClassicHttpRequest(request.getMethod(), "/");
        out.setPath(base.isEmpty() ? path : base + path);
        out.setVersion(HttpVersion.HTTP_1_1);
        out.addHeader(HttpHeaders.HOST, authority);
        Set<String> dropped = ConnectionTokens.of(request).dropped();
        for (Header h : request.getHeaders()) {
            if (!dropped.contains(h.getName())) {
                out.addHeader(h);
            }
        }
        for (Header h : request.getHeaders(HttpHeaders.UPGRADE)) {
            out.addHeader(h);
        }
        out.addHeader(HttpHeaders.CONNECTION, "Upgrade");
        return out;
    }
}
