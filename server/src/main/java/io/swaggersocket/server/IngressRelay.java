package io.swaggersocket.server;

import io.swaggersocket.server.ServerMetrics.IngressError;
import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.xnio.IoUtils;
import org.xnio.Options;

/**
 * The ingress's second half: an agent's response head checked and relayed to the calling client,
 * then its body streamed. Thread-safe (stateless but for the metrics).
 *
 * <p>Honest to the caller: a head that is not valid HTTP (a header name that is no token, a value
 * with CR, LF or NUL) is answered with 502 and the agent's stream reset, never passed on (RFC 9110
 * section 5); a body cut after it began ends the client's connection with a TCP reset, so that no
 * framing (HTTP/1.0, {@code Connection: close} without a length) makes it look whole.
 */
final class IngressRelay {
    private static final System.Logger LOG = System.getLogger(IngressHandler.class.getName());
    private static final int BUFFER = 64 * 1024;

    private final ServerMetrics metrics;
    /** Whether Location and Content-Location get the agent's prefix back ({@link IngressPrefix}). */
    private final boolean rewriteRedirects;

    IngressRelay(ServerMetrics metrics, boolean rewriteRedirects) {
        this.metrics = metrics;
        this.rewriteRedirects = rewriteRedirects;
    }

    /** Streams the agent's response to the client; returns the status sent (0 when nothing was). */
    int relay(HttpServerExchange exchange, ClassicHttpResponse response) {
        int status = head(exchange, response);
        if (status < 0) {
            return -1 - status;
        }
        HttpEntity entity = response.getEntity();
        if (entity == null) {
            noBody(exchange, response);
            // Ended here, as a body's end is by closing the stream, not left to the caller's handler
            // returning: a caller on a bare task would leave the answer unsent (RELIABILITY.md).
            exchange.endExchange();
            return status;
        }
        long length = entity.getContentLength();
        if (length >= 0) {
            exchange.setResponseContentLength(length);
        }
        InputStream in;
        OutputStream sink = exchange.getOutputStream();
        long written = 0;
        byte[] buffer = new byte[length >= 0 ? (int) Math.max(1, Math.min(BUFFER, length)) : BUFFER];
        try {
            in = entity.getContent();
            if (length < 0 && in.available() == 0) {
                sink.flush(); // commit the head now: a streamed body (events, a long poll) may be slow to come
            }
        } catch (IOException e) {
            return clientGone(exchange, status, e);
        }
        while (true) {
            int n;
            try {
                n = in.read(buffer);
            } catch (IOException e) {
                return agentLostMidResponse(exchange, status, written, e);
            }
            if (n < 0) {
                break;
            }
            try {
                sink.write(buffer, 0, n);
                written += n;
                if (in.available() == 0) {
                    sink.flush();
                }
            } catch (IOException e) {
                return clientGone(exchange, status, e);
            }
        }
        try {
            sink.close();
        } catch (IOException e) {
            return clientGone(exchange, status, e);
        }
        return status;
    }

    /**
     * Relays a response whose body has arrived whole ({@code body}, or none when {@code null}) on
     * the client connection's I/O thread, without blocking: the head and body leave in one
     * non-blocking write, and the exchange ends when it is written. Returns the status sent (0
     * when nothing was). The response must be closed already: its body is in {@code body}.
     */
    int relayArrived(HttpServerExchange exchange, ClassicHttpResponse response, byte[] body) {
        int status = head(exchange, response);
        if (status < 0) {
            return -1 - status;
        }
        if (body == null) {
            noBody(exchange, response);
            exchange.endExchange(); // writes the head without blocking, or as the socket takes it
            return status;
        }
        exchange.setResponseContentLength(body.length);
        exchange.getResponseSender().send(ByteBuffer.wrap(body), new IoCallback() {
            @Override
            public void onComplete(HttpServerExchange done, Sender sender) {
                done.endExchange();
            }

            @Override
            public void onException(HttpServerExchange failed, Sender sender, IOException e) {
                clientGone(failed, status, e);
            }
        });
        return status;
    }

    /**
     * Checks the agent's head and puts its status and headers on the exchange; returns the status,
     * or {@code -1 - sent} when the call was answered otherwise ({@code sent}: 502 for an invalid
     * head, 0 when the client has gone).
     */
    int head(HttpServerExchange exchange, ClassicHttpResponse response) {
        String invalid = invalidHead(response);
        if (invalid != null) {
            IoUtils.safeClose(response); // resets the agent's stream if its body is still coming
            return -1 - fail(exchange, IngressError.BAD_RESPONSE, 502, "the agent's response is not valid HTTP: "
                    + invalid);
        }
        int status = response.getCode();
        try {
            exchange.setStatusCode(status);
            if (response.getReasonPhrase() != null && !response.getReasonPhrase().isEmpty()) {
                exchange.setReasonPhrase(response.getReasonPhrase());
            }
        } catch (IllegalStateException started) {
            // The client's connection closed as the head came, and Undertow ended the exchange:
            // no one is left to answer; closing the response resets the agent's stream.
            IoUtils.safeClose(response);
            return -1 - clientGone(exchange, 0, new IOException("the client's connection closed before the answer"));
        }
        Header[] connection = response.getHeaders("Connection");
        Set<String> connectionTokens = connection.length == 0 ? Set.of() : new HashSet<>();
        for (Header h : connection) {
            connectionTokens.addAll(IngressRequest.tokens(h.getValue()));
        }
        HeaderMap out = exchange.getResponseHeaders();
        for (Header h : response.getHeaders()) {
            String name = h.getName();
            if (!IngressRequest.isHopByHop(name) && (connectionTokens.isEmpty()
                    || !connectionTokens.contains(name.toLowerCase(Locale.ROOT)))) {
                String value = h.getValue();
                if (rewriteRedirects && IngressPrefix.rewrites(name)) {
                    value = IngressPrefix.rewrite(value, IngressPrefix.of(exchange), IngressPrefix.host(exchange),
                            exchange.getRequestScheme());
                }
                out.add(HttpString.tryFromString(name), value);
            }
        }
        return status;
    }

    /** A response without a body: framed as Undertow's blocking stream frames one closed unwritten. */
    private static void noBody(HttpServerExchange exchange, ClassicHttpResponse response) {
        Header length = response.getFirstHeader("Content-Length");
        if (exchange.getRequestMethod().equals(Methods.HEAD)) {
            if (length != null) {
                exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, length.getValue()); // what a GET would have sent
            }
        } else if (!exchange.isBlocking()) {
            exchange.setResponseContentLength(0); // as UndertowOutputStream.close() does for a blocking one
        }
    }

    /**
     * What makes the head invalid, without echoing its bytes; {@code null} if it is valid. A field
     * name must be a token (RFC 9110 section 5.1); a value must not hold CR, LF or NUL, nor any
     * character above 0xFF (section 5.5: obs-text is kept, as are other controls, for robustness);
     * a reason phrase holds no control but HTAB (RFC 9112 section 4).
     */
    static String invalidHead(ClassicHttpResponse response) {
        String reason = response.getReasonPhrase();
        if (reason != null) {
            for (int i = 0; i < reason.length(); i++) {
                char c = reason.charAt(i);
                if (c < 0x20 && c != '\t' || c == 0x7f || c > 0xff) {
                    return "its reason phrase has " + hex(c) + " at index " + i;
                }
            }
        }
        Header[] headers = response.getHeaders();
        for (int h = 0; h < headers.length; h++) {
            String name = headers[h].getName();
            if (name.isEmpty()) {
                return "header #" + (h + 1) + " has an empty name";
            }
            for (int i = 0; i < name.length(); i++) {
                if (!isTokenChar(name.charAt(i))) {
                    return "header #" + (h + 1) + "'s name has " + hex(name.charAt(i)) + " at index " + i
                            + ", which is no token character";
                }
            }
            String value = headers[h].getValue();
            for (int i = 0; value != null && i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '\r' || c == '\n' || c == 0 || c > 0xff) {
                    return "header #" + (h + 1) + " (" + name + ") has " + hex(c) + " at index " + i
                            + " of its value";
                }
            }
        }
        return null;
    }

    /** RFC 9110 section 5.6.2: tchar. */
    private static boolean isTokenChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private static String hex(char c) {
        return String.format(c > 0xff ? "U+%04X" : "0x%02X", (int) c);
    }

    private int agentLostMidResponse(HttpServerExchange exchange, int status, long written, IOException e) {
        if (written == 0 && !exchange.isResponseStarted()) {
            exchange.getResponseHeaders().clear();
            exchange.setReasonPhrase(null);
            return fail(exchange, IngressError.AGENT_LOST, 502, "lost the agent before its response body: "
                    + e.getMessage());
        }
        metrics.ingressError(IngressError.RESPONSE_ABORTED);
        LOG.log(System.Logger.Level.DEBUG, "ingress {0}: agent lost after {1} bytes of the response; resetting the "
                + "client connection: {2}", exchange.getRequestPath(), written, e.getMessage());
        reset(exchange);
        return status;
    }

    private int clientGone(HttpServerExchange exchange, int status, IOException e) {
        metrics.ingressError(IngressError.CLIENT_ABORTED);
        LOG.log(System.Logger.Level.DEBUG, "ingress {0}: the client went away: {1}", exchange.getRequestPath(),
                e.toString());
        exchange.setPersistent(false);
        IoUtils.safeClose(exchange.getConnection());
        return status;
    }

    private int fail(HttpServerExchange exchange, IngressError error, int status, String message) {
        metrics.ingressError(error);
        if (exchange.isResponseStarted()) {
            reset(exchange);
            return exchange.getStatusCode();
        }
        HttpRoutes.sendError(exchange, status, message);
        return status;
    }

    /**
     * Closes the client's connection with a TCP reset (RST), not a FIN: a body framed by the end of
     * the connection (HTTP/1.0, or {@code Connection: close} without a length) would look whole
     * after a FIN, and only a reset tells the client it was cut. XNIO's {@code CLOSE_ABORT} sets
     * SO_LINGER to 0, and its close then skips the output shutdown the JDK does otherwise.
     */
    static void reset(HttpServerExchange exchange) {
        exchange.setPersistent(false);
        ServerConnection connection = exchange.getConnection();
        try {
            connection.setOption(Options.CLOSE_ABORT, true);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "ingress {0}: cannot close the client connection with a reset, "
                    + "so a cut body may look whole to it: {1}", exchange.getRequestPath(), e.toString());
        }
        IoUtils.safeClose(connection);
    }
}
