package io.swaggersocket.server;

import io.undertow.conduits.ReadDataStreamSourceConduit;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.Connectors;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.ImmediatePooledByteBuffer;
import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * Judges the framing of an ingress request body and, for a chunked one, puts a
 * {@link StrictChunkedSourceConduit} in place of Undertow's lenient decoder. Stateless; call
 * {@link #install} for an exchange before anything reads its body (on the I/O thread that parsed
 * its head).
 *
 * <p>Refused before any body byte is read, with 400 (RFC 9112 6.1 and 6.3):
 * <ul>
 * <li>{@code Transfer-Encoding} and {@code Content-Length} together: two framings of one body, the
 *     classic request-smuggling vector; RFC 9112 lets a server reject it, and a relay must not
 *     forward it;</li>
 * <li>a {@code Transfer-Encoding} that is not exactly {@code chunked} (case-insensitive, after
 *     trimming; a second header line counts as a list): {@code gzip}, {@code chunked, gzip},
 *     {@code identity}. Undertow takes any value but {@code identity} for chunked, and
 *     {@code identity} for a body read to the connection's end; the ingress decodes no other
 *     coding, and a body it cannot frame cannot be relayed;</li>
 * <li>{@code Transfer-Encoding} on an HTTP/1.0 request, whose framing RFC 9112 calls faulty.</li>
 * </ul>
 * A refused exchange is made not persistent: its body is never read, so the connection cannot
 * carry another request. (Undertow 2.3.27 itself answers a bare 400 to {@code Transfer-Encoding}
 * with {@code Content-Length} and to two {@code Transfer-Encoding} lines, before any handler:
 * {@code Connectors.areRequestHeadersValid}. The checks here do not rely on it.)
 *
 * <p>How it fits Undertow 2.3 (read in {@code HttpReadListener}, {@code HttpTransferEncoding},
 * {@code HttpServerConnection}, {@code HttpServerExchange}): before the handler runs, Undertow sets
 * the connection's source channel to {@code ChunkedStreamSourceConduit} over a
 * {@code ReadDataStreamSourceConduit} over the connection's original conduit (for TLS, the one that
 * decrypts), the middle one first serving the bytes read with the head. This puts the strict
 * decoder over a fresh {@code ReadDataStreamSourceConduit} over the same original conduit: the
 * exchange's request channel is created later, over whatever conduit the source channel has then.
 * When the exchange completes, Undertow resets the source channel to the original conduit for the
 * next request, so the change lasts one request. At the body's end the bytes read past it go back
 * to the connection ({@link HttpServerConnection#ungetRequestBytes}, where Undertow's decoder puts
 * them too), from which the next request's head is parsed, and then
 * {@link Connectors#terminateRequest} ends the request as Undertow's drain listener does.
 * ({@code Connectors.ungetRequestBytes} would be wrong here: it gives bytes back to this exchange's
 * body, not to the connection.)
 */
final class StrictChunkedBodies {
    private StrictChunkedBodies() {
    }

    /**
     * For a request with {@code Transfer-Encoding}: why its framing is refused, or {@code null}
     * after the strict decoder was installed. {@code null} and nothing done for any other request.
     */
    static String install(HttpServerExchange exchange) {
        HeaderValues codings = exchange.getRequestHeaders().get(Headers.TRANSFER_ENCODING);
        if (codings == null || codings.isEmpty()) {
            return null;
        }
        String refusal = refusal(exchange, codings);
        if (refusal != null) {
            exchange.setPersistent(false);
            return refusal;
        }
        if (!(exchange.getConnection() instanceof HttpServerConnection connection)) {
            return null; // not HTTP/1.x: Undertow frames the body itself
        }
        connection.getChannel().getSourceChannel().setConduit(new StrictChunkedSourceConduit(
                new ReadDataStreamSourceConduit(connection.getOriginalSourceConduit(), connection),
                new Listener(exchange, connection)));
        return null;
    }

    private static String refusal(HttpServerExchange exchange, HeaderValues codings) {
        if (exchange.getRequestHeaders().contains(Headers.CONTENT_LENGTH)) {
            return "expected Transfer-Encoding or Content-Length but the request has both";
        }
        if (!exchange.isHttp11()) {
            return "expected no Transfer-Encoding in an " + exchange.getProtocol() + " request but it has one";
        }
        String coding = String.join(", ", codings);
        if (codings.size() != 1 || !coding.trim().toLowerCase(Locale.ROOT).equals("chunked")) {
            return "expected Transfer-Encoding: chunked but was \"" + coding + "\"";
        }
        return null;
    }

    /** Ends the request at the body's end; a broken body makes the exchange the connection's last. */
    private record Listener(HttpServerExchange exchange, HttpServerConnection connection)
            implements StrictChunkedSourceConduit.Listener {
        @Override
        public void bodyEnded(ByteBuffer excess) {
            if (excess.hasRemaining()) {
                connection.ungetRequestBytes(copy(excess));
            }
            Connectors.terminateRequest(exchange);
        }

        @Override
        public void bodyBroken() {
            exchange.setPersistent(false);
        }

        private PooledByteBuffer copy(ByteBuffer excess) {
            PooledByteBuffer pooled = connection.getByteBufferPool().allocate();
            ByteBuffer buffer = pooled.getBuffer();
            if (buffer.remaining() < excess.remaining()) {
                pooled.close();
                ByteBuffer copy = ByteBuffer.allocate(excess.remaining());
                copy.put(excess).flip();
                return new ImmediatePooledByteBuffer(copy);
            }
            buffer.clear();
            buffer.put(excess).flip();
            return pooled;
        }
    }
}
