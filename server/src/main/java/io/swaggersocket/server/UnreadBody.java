package io.swaggersocket.server;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpContinue;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import org.xnio.IoUtils;

/**
 * A request body that will not be read to its end because the answer goes first: an ingress call
 * refused (401, 403, 404, 503) or failed (the agent lost) while its upload is still coming. The
 * rest is read and dropped for up to {@link #DRAIN} after the answer, before the exchange ends.
 * Stateless.
 *
 * <p>Why: a socket closed with unread bytes in its receive buffer sends a TCP reset, not a FIN,
 * and the reset throws away whatever the peer has not read yet, the answer included (RFC 9112
 * section 9.6). Undertow reads an unread body through after the answer on a kept-alive
 * connection, but closes at once on one that is not: a client's {@code Connection: close}, or a
 * balancer's ({@code option http-server-close} in HAProxy). Behind HAProxy, the soak's uploads to
 * an agent just killed got no answer at all (RELIABILITY.md, "What the soak found").
 */
final class UnreadBody {
    private static final System.Logger LOG = System.getLogger(UnreadBody.class.getName());
    /**
     * How long the rest of a body is read and dropped before the connection is closed all the
     * same: enough for megabytes at loopback or LAN speed, short enough that a client sending a
     * huge body it was refused holds a thread only briefly. Each read is bounded by it too.
     */
    static final Duration DRAIN = Duration.ofSeconds(5);
    private static final int BUFFER = 64 * 1024;

    private UnreadBody() {
    }

    /** True if the request declares a body that has not been read to its end. */
    static boolean pending(HttpServerExchange exchange) {
        return !exchange.isRequestComplete() && !IngressHandler.bodiless(exchange);
    }

    /**
     * Answers as {@link HttpRoutes#sendError} does. Off the I/O thread, with a body still unread
     * and no other thread reading it, the answer is written whole first, then the rest of the body
     * is read and dropped ({@link #DRAIN}), then the exchange ends; a body still coming then has
     * its connection closed. On an I/O thread, or with no body left, it is
     * {@link HttpRoutes#sendError} itself.
     */
    static void sendError(HttpServerExchange exchange, int status, String message) {
        if (exchange.isInIoThread() || !pending(exchange) || exchange.isResponseStarted()) {
            HttpRoutes.sendError(exchange, status, message);
            return;
        }
        if (HttpContinue.requiresContinueResponse(exchange)) {
            // The client waits for a 100 it will not get: it sends no body, so there is none to read.
            exchange.setPersistent(false);
            HttpRoutes.sendError(exchange, status, message);
            return;
        }
        if (!exchange.isBlocking()) {
            exchange.startBlocking();
        }
        byte[] bytes = HttpRoutes.jsonHead(exchange, status, HttpRoutes.error(message));
        Integer previous = IngressUpload.boundReads(exchange, DRAIN);
        boolean whole = false;
        try {
            OutputStream out = exchange.getOutputStream();
            out.write(bytes);
            out.flush(); // the answer is on its way before the first read of the rest
            whole = drain(exchange.getInputStream(), System.nanoTime() + DRAIN.toNanos());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: answering {1} before the body failed: {2}",
                    exchange.getRequestPath(), String.valueOf(status), e.toString());
        } finally {
            IngressUpload.unboundReads(exchange, previous);
            if (!whole) {
                exchange.setPersistent(false);
                IoUtils.safeClose(exchange.getConnection());
            }
            exchange.endExchange();
        }
    }

    /**
     * Reads {@code in} to its end and drops it, until {@code deadline} ({@link System#nanoTime()});
     * true if the end came in time. A read that fails (the client broke, or sent nothing within the
     * connection's read timeout) is false as well.
     */
    static boolean drain(InputStream in, long deadline) {
        byte[] buffer = new byte[BUFFER];
        try {
            while (System.nanoTime() - deadline < 0) {
                if (in.read(buffer) < 0) {
                    return true;
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "the rest of a request body could not be read: {0}", e.toString());
        }
        return false;
    }
}
