package io.swaggersocket.server;

import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.server.ServerMetrics.IngressError;
import io.undertow.server.Connectors;
import io.undertow.server.HttpServerExchange;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.xnio.IoUtils;

/**
 * One ingress call without a request body, served on its client connection's I/O thread: the
 * request goes to the agent with {@link SocketConnection#executeAsync}, and when the head comes
 * the answer is written from the I/O thread again, head and body in one non-blocking write, if
 * the body has arrived whole by then and is small ({@link IngressHandler#ARRIVED_BODY_MAX}, a
 * declared length). A small body of a declared length still coming is waited for on an ingress
 * thread, and then written from the I/O thread all the same, unless it pauses with part of it
 * there (nothing more has arrived): that part is never held back, the answer is streamed from then
 * on. A large answer, or one of unknown length (events, NDJSON), is streamed by an ingress thread
 * as {@link IngressHandler} streams every answer with a request body. Confined: each step runs on the connection's I/O thread or on the one ingress
 * thread it hands the call to, one after the other.
 *
 * <p>Why the I/O thread, beyond saving a thread per call: Undertow 2.3's {@code HttpReadListener}
 * ends a keep-alive exchange completed off the I/O thread by marking its request state busy,
 * resuming reads, and only then marking it idle; when the client's next request is already
 * waiting, the resume wakes the I/O thread, which spins in {@code HttpReadListener.handleEvent} on
 * that busy state until the completing thread runs again. On two busy cores that thread is often
 * not running for a whole time slice: that spin was a third of the server's CPU under workload 7.
 * An exchange completed on its I/O thread takes Undertow's other branch, which has no such window.
 *
 * <p>What the blocking path promises holds here too: the same checks and answers (see
 * {@link IngressHandler}, {@link IngressHandler#failed}); the head timeout and the client-gone
 * reset from the same {@link IngressWatch}; a body relayed here is whole by construction (its
 * declared length has arrived), so no cut body can be presented as complete.
 */
final class IngressCall {
    private final IngressHandler ingress;
    private final HttpServerExchange exchange;
    private final long start;
    private final IngressWatch watch;
    private IngressHandler.Route route; // I/O thread only
    private boolean finished; // I/O thread, then the one ingress thread it hands the call to

    IngressCall(IngressHandler ingress, HttpServerExchange exchange, long start) {
        this.ingress = ingress;
        this.exchange = exchange;
        this.start = start;
        this.watch = ingress.ioWatch(exchange);
    }

    /** On the I/O thread, once the handler has returned: routes the call and sends it to the agent. */
    void start() {
        ingress.metrics().ingressStarted();
        CompletableFuture<ClassicHttpResponse> pending;
        try {
            watch.start();
            route = ingress.route(exchange);
            if (route == null) {
                finish(exchange.getStatusCode());
                return;
            }
            BasicClassicHttpRequest request = IngressRequest.request(exchange, route.target(), ingress.authenticated());
            if (exchange.getRequestContentLength() == 0) {
                request.setEntity(new ByteArrayEntity(new byte[0], null)); // keeps "Content-Length: 0"
            }
            try {
                pending = route.agent().executeAsync(request);
            } catch (IllegalArgumentException e) { // a head over the agent's limit, refused as it is encoded
                finish(ingress.failed(exchange, watch, route.target(), route.agent(), null, e));
                return;
            }
        } catch (RuntimeException | Error e) {
            finish(500);
            throw e; // Undertow answers 500 and logs it
        }
        // Cancelled by the watch (head timeout, client gone): completes exceptionally at once.
        watch.awaitingHead(pending);
        watch.watchClientClose();
        pending.whenComplete((response, failure) -> {
            try {
                exchange.getIoThread().execute(() -> headCame(response, failure));
            } catch (RejectedExecutionException e) { // the worker is stopping: the connection with it
                if (response != null) {
                    IoUtils.safeClose(response);
                }
                finish(0);
            }
        });
    }

    /** On the I/O thread: the head came, or the call failed. */
    private void headCame(ClassicHttpResponse response, Throwable failure) {
        watch.headWaitOver();
        if (failure != null) {
            finish(ingress.failed(exchange, watch, route.target(), route.agent(), null, asException(failure)));
            return;
        }
        if (watch.cut() == IngressWatch.Cut.CLIENT_GONE) {
            // The client went as the head came: nothing to answer; closing the response resets the stream.
            IoUtils.safeClose(response);
            ingress.metrics().ingressError(IngressError.CLIENT_ABORTED);
            finish(0);
            return;
        }
        HttpEntity entity = response.getEntity();
        byte[] body;
        try {
            body = entity == null ? null : arrived(entity);
        } catch (IOException e) { // the agent's stream failed: as a read of the blocking relay would
            IoUtils.safeClose(response);
            finish(ingress.fail(exchange, IngressError.AGENT_LOST, 502, "lost the agent before its response body: "
                    + e.getMessage()));
            return;
        }
        if (entity == null || body != null) {
            IoUtils.safeClose(response); // the body was read to its declared end: nothing is reset
            finish(ingress.relay().relayArrived(exchange, response, body));
            return;
        }
        long length = entity.getContentLength();
        if (length >= 0 && length <= IngressHandler.ARRIVED_BODY_MAX) {
            collect(watch.headArrived(response), (int) length);
        } else {
            stream(watch.headArrived(response));
        }
    }

    /**
     * A small body of a declared length that is still coming: an ingress thread waits for it (the
     * watch bounds each read), and the I/O thread then writes the answer as for one that had
     * arrived, so the exchange still ends on the I/O thread.
     */
    private void collect(ClassicHttpResponse response, int length) {
        try {
            ingress.threads().execute(() -> {
                byte[] body = null;
                IOException failure = null;
                try {
                    InputStream in = response.getEntity().getContent();
                    byte[] part = readUntilPause(in, length);
                    if (part.length < length) {
                        // It pauses half-way (progress of a known length, say): a stream after all, so
                        // what came goes out now and the rest as it comes, from this thread.
                        response.setEntity(new InputStreamEntity(new SequenceInputStream(
                                new ByteArrayInputStream(part), in), length, null));
                        relayStreaming(response);
                        return;
                    }
                    body = part;
                } catch (IOException e) {
                    failure = e;
                }
                byte[] whole = body;
                IOException failed = failure;
                try {
                    exchange.getIoThread().execute(() -> collected(response, whole, failed));
                } catch (RejectedExecutionException e) { // the worker is stopping: the connection with it
                    IoUtils.safeClose(response);
                    finish(0);
                }
            });
        } catch (RejectedExecutionException e) {
            refuse(response);
        }
    }

    /** On the I/O thread: the body of {@link #collect} came whole, or reading it failed. */
    private void collected(ClassicHttpResponse response, byte[] body, IOException failure) {
        IoUtils.safeClose(response); // read to its declared end, or failed: either way nothing more comes
        if (failure == null) {
            finish(ingress.relay().relayArrived(exchange, response, body));
        } else if (watch.cut() == IngressWatch.Cut.CLIENT_GONE) {
            ingress.metrics().ingressError(IngressError.CLIENT_ABORTED);
            finish(0);
        } else {
            // As the blocking relay answers an agent lost before any byte was written (an idle
            // agent's cut has closed the client's connection already: the answer then goes nowhere).
            finish(ingress.fail(exchange, IngressError.AGENT_LOST, 502, "lost the agent before its response body: "
                    + failure.getMessage()));
        }
    }

    /** Hands a response whose body is still coming, or is large, to an ingress thread that streams it. */
    private void stream(ClassicHttpResponse response) {
        try {
            ingress.threads().execute(() -> relayStreaming(response));
        } catch (RejectedExecutionException e) {
            refuse(response);
        }
    }

    /** On an ingress thread: streams the answer as the blocking relay does, and ends the call. */
    private void relayStreaming(ClassicHttpResponse response) {
        Connectors.executeRootHandler(ex -> {
            int status = 0;
            try (ClassicHttpResponse r = response) {
                watch.startBlocking();
                if (watch.cut() == IngressWatch.Cut.CLIENT_GONE) {
                    ingress.metrics().ingressError(IngressError.CLIENT_ABORTED);
                } else {
                    status = ingress.relay().relay(ex, r);
                }
            } catch (IOException e) {
                status = ex.getStatusCode(); // closing the response failed: nothing more to send
            } finally {
                finish(status);
            }
        }, exchange);
    }

    /** No ingress thread for the answer (the pool at its backstop, or shut down): 503, the stream reset. */
    private void refuse(ClassicHttpResponse response) {
        IoUtils.safeClose(response);
        exchange.getResponseHeaders().put(io.undertow.util.Headers.RETRY_AFTER, "1");
        finish(ingress.fail(exchange, IngressError.OVERLOADED, 503, "no ingress thread to relay the answer"));
    }

    /**
     * The body, if all of its declared length has arrived and it is at most
     * {@link IngressHandler#ARRIVED_BODY_MAX} bytes; {@code null} if not. Reads only what is
     * there, so never blocks: a body whose length is declared ends with its last byte (the
     * tunnel's framing ends the stream with the frame that completes it).
     */
    static byte[] arrived(HttpEntity entity) throws IOException {
        long length = entity.getContentLength();
        if (length < 0 || length > IngressHandler.ARRIVED_BODY_MAX) {
            return null;
        }
        InputStream in = entity.getContent();
        if (in.available() < length) {
            return null;
        }
        byte[] body = new byte[(int) length];
        int n = 0;
        while (n < body.length) {
            int k = in.read(body, n, body.length - n); // available: returns at once
            if (k < 0) {
                throw new EOFException("the body ended after " + n + " of its " + length + " bytes");
            }
            n += k;
        }
        return body;
    }

    /**
     * The body's {@code length} bytes, or fewer if it pauses before its end: blocks for the first
     * bytes, then takes more only while more have arrived (the agent sends a body that is all there
     * in one frame, and flushes a part only when its upstream pauses). Fails if the body ends early.
     */
    static byte[] readUntilPause(InputStream in, int length) throws IOException {
        byte[] body = new byte[length];
        int n = 0;
        while (n < length) {
            int k = in.read(body, n, length - n);
            if (k < 0) {
                throw new EOFException("the body ended after " + n + " of its " + length + " bytes");
            }
            n += k;
            if (n < length && in.available() == 0) {
                return Arrays.copyOf(body, n);
            }
        }
        return body;
    }

    private static Exception asException(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof CancellationException c) {
            return new IOException("the call was cut", c);
        }
        return cause instanceof Exception e ? e : new IOException(cause);
    }

    /** The call is over: the watch stops, the metrics count it, its place under the cap is free. */
    private void finish(int status) {
        if (finished) {
            return;
        }
        finished = true;
        try {
            watch.stop();
        } finally {
            ingress.metrics().ingressFinished(status, System.nanoTime() - start);
            ingress.ended();
        }
    }
}
