package io.swaggersocket.server;

import io.swaggersocket.mux.SocketClosedException;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.mux.StreamResetException;
import io.swaggersocket.server.ServerMetrics.IngressError;
import io.undertow.server.HttpHandler;
import io.undertow.server.Connectors;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpContinue;
import io.undertow.util.Headers;
import io.undertow.util.SameThreadExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.xnio.IoUtils;
import org.xnio.channels.ReadTimeoutException;

/**
 * The ingress: {@code ANY /agents/{name}/{rest}} goes through the tunnel to an agent whose metadata
 * {@code name} matches, as {@code /{rest}} with the query, headers and body, and the agent's answer
 * comes back. Thread-safe.
 *
 * <p>A call without a request body, when the authenticator does not block, runs on the client
 * connection's I/O thread ({@link IngressCall}): sent with {@code executeAsync}, and answered from
 * the I/O thread when its head comes with a small body that has arrived whole; only an answer
 * still streaming takes an ingress thread. Every other call runs on a thread of the ingress pool
 * ({@link IngressThreads}) in blocking mode, and no body is ever held whole: a request body streams
 * from the client into the tunnel, copied by a second ingress thread ({@link IngressUpload}), while
 * this thread streams the response back, so an agent may answer while the upload is still coming
 * in. At most {@link ServerLimits#maxIngressCalls()} calls are in flight; {@link IngressWatch} bounds every wait of a call (see {@link ServerLimits}).
 *
 * <p>Answers of its own, each with {@code {"error":"..."}}: 404 for a path without an agent name
 * or a name no open agent has; 400 for a path with a dot segment ({@code .}, {@code ..}, also
 * percent-encoded: see {@link IngressPaths#dotSegment}), which the agent might resolve above its
 * root; 502 when the agent's connection is lost or it resets the call, and when its response head
 * is not valid HTTP (a header name that is no token, a value with CR, LF or NUL: the agent's
 * stream is reset, nothing of the head is passed on); 503 with {@code Retry-After: 1} when the
 * agent refuses the stream (too many calls in flight, or it is draining), when
 * {@code maxIngressCalls} calls are in flight already (at once, before the call takes a thread),
 * and while the server shuts down; 504 when no response head comes within
 * {@link ServerLimits#responseHeadTimeout()} (counted from the call's start or the client's last
 * request body byte, whichever is later) or the connection config's request timeout, the stream
 * then reset; 408 (and the connection closed) when the client sends no byte of its request body for
 * {@link ServerLimits#bodyIdleTimeout()} before any answer has started, the stream then reset so
 * that the agent sees a cut body; 431 when the request head is over the agent's limit.
 *
 * <p>An agent lost after the response has started streaming resets the client's connection (a TCP
 * RST, not a FIN), so that a cut body is never mistaken for a whole one, whatever its framing: with
 * HTTP/1.0 or {@code Connection: close} and no length, a FIN would end the body as if complete. The
 * client's connection is also aborted when the agent sends no byte of its body or the client takes
 * none for {@code bodyIdleTimeout}, and when the request body stalls after the answer began. A
 * client that closes its connection resets the call's stream at once.
 *
 * <p>Request body framing is strict ({@link StrictChunkedBodies}): {@code Transfer-Encoding} with
 * {@code Content-Length}, or other than exactly {@code chunked}, gets 400 before the body is read;
 * a chunked body is decoded by {@link StrictChunkedSourceConduit}, and a malformed one gets 400
 * (the connection then closes) if no response has started, else the client's connection is
 * aborted. Either way the agent's stream is reset, so it never sees a whole body.
 */
final class IngressHandler implements HttpHandler {
    static final String PREFIX = "/agents";
    private static final System.Logger LOG = System.getLogger(IngressHandler.class.getName());
    private static final int BUFFER = 64 * 1024;
    /** The largest response body relayed from the I/O thread once it has arrived whole. */
    static final int ARRIVED_BODY_MAX = 64 * 1024;

    private final AgentPool agents;
    private final ServerMetrics metrics;
    private final IngressRelay relay;
    /** Null for a public ingress. */
    private final HttpGuard guard;
    private final BooleanSupplier accepting;
    private final Executor threads;
    private final ServerLimits limits;
    /** Runs the calls' timers: the connection config's scheduler. */
    private final ScheduledExecutorService scheduler;
    private final IngressUpgrade upgrades;
    /** Calls admitted and not yet ended, in [0]; the array is the monitor close() waits on. */
    private final int[] calls = new int[1];

    IngressHandler(AgentPool agents, ServerMetrics metrics, HttpGuard guard, BooleanSupplier accepting,
            Executor threads, ServerLimits limits, ScheduledExecutorService scheduler, boolean rewriteRedirects) {
        this.agents = agents;
        this.metrics = metrics;
        this.relay = new IngressRelay(metrics, rewriteRedirects);
        this.guard = guard;
        this.accepting = accepting;
        this.threads = threads;
        this.limits = limits;
        this.scheduler = scheduler;
        this.upgrades = new IngressUpgrade(this, limits, threads, scheduler);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        long start = System.nanoTime();
        if (!accepting.getAsBoolean()) {
            // Answered here, never dispatched: close() waits for the calls in flight, and this is none.
            metrics.ingressStarted();
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
            metrics.ingressFinished(fail(exchange, IngressError.SHUTTING_DOWN, 503, "the server is shutting down"),
                    System.nanoTime() - start);
            return;
        }
        String framing = StrictChunkedBodies.install(exchange); // before anything reads the body
        if (framing != null) {
            metrics.ingressStarted();
            metrics.ingressFinished(fail(exchange, IngressError.BAD_BODY, 400, framing), System.nanoTime() - start);
            return;
        }
        int inFlight;
        synchronized (calls) {
            inFlight = calls[0];
            if (inFlight < limits.maxIngressCalls()) {
                calls[0]++;
            }
        }
        if (inFlight >= limits.maxIngressCalls()) {
            // Refused before it takes a thread: the cap is what bounds the ingress pool's threads.
            metrics.ingressStarted();
            metrics.limits.hit(LimitHits.Limit.INGRESS_CALLS, "expected at most " + limits.maxIngressCalls()
                    + " ingress calls in flight but a call came with " + inFlight);
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
            metrics.ingressFinished(fail(exchange, IngressError.OVERLOADED, 503, "expected at most "
                    + limits.maxIngressCalls() + " ingress calls in flight but " + inFlight + " are"),
                    System.nanoTime() - start);
            return;
        }
        if (exchange.isInIoThread() && bodiless(exchange) && (guard == null || !guard.mayBlock())
                && !IngressUpgrade.requested(exchange)) {
            // Nothing in this call needs to block until its answer turns out to stream: it runs on
            // the I/O thread, after this handler returns, and ends the exchange there (see IngressCall).
            IngressCall call = new IngressCall(this, exchange, start);
            exchange.dispatch(SameThreadExecutor.INSTANCE, call::start);
        } else if (exchange.isInIoThread()) {
            // A handler, not a Runnable: Undertow then ends the exchange when it returns.
            exchange.dispatch(task -> {
                try {
                    threads.execute(task);
                } catch (RuntimeException e) { // no thread (pool at its backstop, or shut down): Undertow answers 503
                    ended();
                    throw e;
                }
            }, dispatched -> call(dispatched, start)); // it blocks: never on an I/O thread
        } else {
            call(exchange, start);
        }
    }

    /** True if the request has no body: no length and no chunked framing, or a length of 0. */
    static boolean bodiless(HttpServerExchange exchange) {
        long length = exchange.getRequestContentLength();
        return length == 0 || length < 0 && !exchange.getRequestHeaders().contains(Headers.TRANSFER_ENCODING);
    }

    private void call(HttpServerExchange exchange, long start) {
        metrics.ingressStarted();
        int status = 0;
        if (IngressUpgrade.requested(exchange)) {
            try {
                status = upgrades.serve(exchange); // the session's own waits are bounded there, not by a watch
            } finally {
                metrics.ingressFinished(status, System.nanoTime() - start);
                ended();
            }
            return;
        }
        IngressWatch watch = watch(exchange);
        try {
            watch.start();
            watch.startBlocking();
            status = serve(exchange, watch);
        } finally {
            watch.stop();
            metrics.ingressFinished(status, System.nanoTime() - start);
            ended();
        }
    }

    IngressWatch watch(HttpServerExchange exchange) {
        return new IngressWatch(exchange, scheduler, metrics.limits, limits);
    }

    /** A watch whose timer runs on the exchange's I/O thread: for a call served there ({@link IngressCall}). */
    IngressWatch ioWatch(HttpServerExchange exchange) {
        return new IngressWatch(exchange, scheduler, exchange.getIoThread(), metrics.limits, limits);
    }

    ServerMetrics metrics() {
        return metrics;
    }

    IngressRelay relay() {
        return relay;
    }

    Executor threads() {
        return threads;
    }

    boolean authenticated() {
        return guard != null;
    }

    /** A call admitted by {@link #handleRequest} has ended: its place under the cap is free. */
    void ended() {
        synchronized (calls) {
            if (--calls[0] == 0) {
                calls.notifyAll();
            }
        }
    }

    /**
     * Waits until no call is in flight, for up to {@code timeout}; true if none is. For close(),
     * once the agents are gone: the calls still running only have their answers left to write.
     */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (calls) {
            while (calls[0] > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(calls, left);
            }
            return true;
        }
    }

    /** Serves one call; returns the status sent. */
    private int serve(HttpServerExchange exchange, IngressWatch watch) {
        Route route = route(exchange);
        if (route == null) {
            return exchange.getStatusCode();
        }
        return forward(exchange, watch, route.agent(), route.target(),
                IngressRequest.request(exchange, route.target(), guard != null));
    }

    /** Where an admitted call goes: the agent picked for it, and its target there. */
    record Route(SocketConnection agent, IngressRequest.Target target) {
    }

    /**
     * Authenticates the call and picks its agent; {@code null} once the exchange has been answered
     * instead (401/403, 404, 400, 503: its status is the exchange's). Never blocks when the guard
     * does not ({@link HttpGuard#mayBlock}).
     */
    Route route(HttpServerExchange exchange) {
        AuthResult.Accepted accepted = null;
        if (guard != null) {
            accepted = guard.admit(exchange, HttpGuard.Endpoint.INGRESS);
            if (accepted == null) {
                return null;
            }
        }
        IngressRequest.Target target = IngressRequest.Target.of(exchange, guard != null);
        if (target == null) {
            fail(exchange, IngressError.BAD_PATH, 404, "expected " + PREFIX + "/{name}/{path} but was "
                    + exchange.getRequestPath());
            return null;
        }
        String refusal = target.refusal();
        if (refusal != null) {
            fail(exchange, IngressError.BAD_PATH, 400, refusal);
            return null;
        }
        if (accepted != null && !Grants.of(accepted.principal()).mayCall(target.name())) {
            fail(exchange, IngressError.FORBIDDEN, 403, AccessControl.who(accepted.principal())
                    + " may not call agent \"" + target.name() + "\"");
            return null;
        }
        if (!accepting.getAsBoolean()) { // began closing since the call came in
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
            fail(exchange, IngressError.SHUTTING_DOWN, 503, "the server is shutting down");
            return null;
        }
        Optional<SocketConnection> agent = agents.pick(target.name());
        if (agent.isEmpty()) {
            fail(exchange, IngressError.NO_AGENT, 404, "no agent named \"" + target.name() + "\" is connected");
            return null;
        }
        return new Route(agent.get(), target);
    }

    private int forward(HttpServerExchange exchange, IngressWatch watch, SocketConnection agent, IngressRequest.Target target,
            BasicClassicHttpRequest request) {
        long length = exchange.getRequestContentLength();
        boolean chunked = length < 0 && exchange.getRequestHeaders().contains(Headers.TRANSFER_ENCODING);
        IngressUpload body = null;
        Integer readTimeout = null;
        ClassicHttpResponse response;
        try {
            try {
                if (length > 0 || chunked) {
                    boolean endToEnd = false;
                    if (HttpContinue.requiresContinueResponse(exchange)) {
                        // An agent that carries Expect end to end decides; an older one gets the body at once.
                        endToEnd = agent.supportsContinue();
                        if (endToEnd) {
                            request.setHeader("Expect", "100-continue");
                        } else {
                            HttpContinue.sendContinueResponseBlocking(exchange);
                        }
                    }
                    readTimeout = IngressUpload.boundReads(exchange, limits.bodyIdleTimeout()); // before the stream
                    body = new IngressUpload(exchange, signedBody(exchange, guard != null), length, threads, watch,
                            metrics.limits, limits.bodyIdleTimeout());
                    if (endToEnd) {
                        body.deferContinue();
                    }
                    request.setEntity(body);
                } else if (length == 0) {
                    request.setEntity(new ByteArrayEntity(new byte[0], null)); // keeps "Content-Length: 0"
                }
                // Asynchronous even without a body, so that the watch can cancel the wait (and reset
                // the stream); the body is written on the connection's executor, so that the answer
                // can stream back meanwhile.
                CompletableFuture<ClassicHttpResponse> pending = agent.executeAsync(request);
                watch.awaitingHead(pending);
                if (body == null) {
                    watch.watchClientClose();
                }
                response = watch.headArrived(await(pending, watch));
            } catch (IOException | IllegalArgumentException e) {
                if (body != null && !body.stop()) {
                    metrics.ingressError(IngressError.CLIENT_ABORTED);
                    return 0;
                }
                return failed(exchange, watch, target, agent, body, e);
            }
            try (ClassicHttpResponse r = response) {
                if (watch.cut() == IngressWatch.Cut.CLIENT_GONE) {
                    // The client went as the head came: nothing to answer; closing r resets the stream.
                    metrics.ingressError(IngressError.CLIENT_ABORTED);
                    return 0;
                }
                if (body != null) {
                    body.answering();
                }
                return relay(exchange, r);
            } catch (IOException e) {
                return exchange.getStatusCode(); // closing the response failed: nothing more to send
            } finally {
                if (body != null) {
                    body.end();
                }
            }
        } finally {
            if (body != null) {
                IngressUpload.unboundReads(exchange, readTimeout);
            }
        }
    }

    /** Answers a call that got no response head; returns the status sent (0 when the client is gone). */
    int failed(HttpServerExchange exchange, IngressWatch watch, IngressRequest.Target target, SocketConnection agent,
            IngressUpload body, Exception e) {
        String who = "agent \"" + target.name() + "\" (connection " + agent.id() + ")";
        if (body != null && body.clientFailure() instanceof SignedBody.DigestMismatchException mismatch) {
            exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer"); // RFC 9110: every 401 has one
            return fail(exchange, IngressError.FORBIDDEN, 401, "signed request: " + mismatch.getMessage());
        }
        if (body != null && body.clientFailure() instanceof ReadTimeoutException) {
            // The copy has stopped: the connection is still whole, and may carry the answer. Its
            // unread rest is given up, so the end of the exchange does not wait for it.
            exchange.setPersistent(false);
            Connectors.terminateRequest(exchange);
            return fail(exchange, IngressError.CLIENT_ABORTED, 408, "expected the request body within "
                    + limits.bodyIdleTimeout() + " of its last byte but the client sent nothing more");
        }
        String malformed = body == null ? null : malformedBody(body.clientFailure());
        if (malformed != null) {
            // The rest of the body is never read: this answer is the connection's last.
            exchange.setPersistent(false);
            LOG.log(System.Logger.Level.DEBUG, "ingress to {0}: the client sent a malformed body: {1}", who, malformed);
            return fail(exchange, IngressError.BAD_BODY, 400, "malformed chunked body: " + malformed);
        }
        if (body != null && body.clientFailure() != null) {
            metrics.ingressError(IngressError.CLIENT_ABORTED);
            LOG.log(System.Logger.Level.DEBUG, "ingress to {0}: the client failed while sending the body: {1}", who,
                    body.clientFailure().toString());
            abort(exchange);
            return 0;
        }
        if (watch.cut() == IngressWatch.Cut.CLIENT_GONE) {
            metrics.ingressError(IngressError.CLIENT_ABORTED);
            abort(exchange);
            return 0;
        }
        if (watch.cut() == IngressWatch.Cut.HEAD_TIMEOUT) {
            metrics.limits.hit(LimitHits.Limit.RESPONSE_HEAD_TIMEOUT, "no response head within "
                    + limits.responseHeadTimeout() + " for " + exchange.getRequestPath());
            return fail(exchange, IngressError.TIMEOUT, 504, who + " sent no response head within "
                    + limits.responseHeadTimeout());
        }
        if (e instanceof StreamResetException reset && reset.isRetryable()) {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
            return fail(exchange, IngressError.AGENT_BUSY, 503, who + " refused the call: " + e.getMessage());
        }
        if (e instanceof SocketTimeoutException) {
            return fail(exchange, IngressError.TIMEOUT, 504, who + " did not answer in time: " + e.getMessage());
        }
        if (e instanceof InterruptedIOException) {
            return fail(exchange, IngressError.SHUTTING_DOWN, 503, "the server is shutting down");
        }
        if (e instanceof IllegalArgumentException) {
            return fail(exchange, IngressError.HEAD_TOO_LARGE, 431, e.getMessage());
        }
        if (e instanceof StreamResetException) {
            return fail(exchange, IngressError.AGENT_LOST, 502, who + " reset the call: " + e.getMessage());
        }
        // SocketClosedException, or anything else on the way to the agent.
        return fail(exchange, IngressError.AGENT_LOST, 502, "lost " + who + ": "
                + (e instanceof SocketClosedException ? e.getMessage() : e.toString()));
    }

    /**
     * What is wrong with the client's body when reading it failed because it is malformed, or
     * {@code null} for any other failure: {@link StrictChunkedSourceConduit} decodes every chunked
     * ingress body, and leaves the connection open so that a 400 can go out.
     */
    static String malformedBody(IOException failure) {
        return failure instanceof MalformedChunkedBodyException ? failure.getMessage() : null;
    }

    /** Streams the agent's response to the client; returns the status sent. */
    private int relay(HttpServerExchange exchange, ClassicHttpResponse response) {
        return relay.relay(exchange, response);
    }

    int fail(HttpServerExchange exchange, IngressError error, int status, String message) {
        metrics.ingressError(error);
        if (exchange.isResponseStarted()) { // Undertow answered already (a body over a limit): nothing to add
            abort(exchange);
            return exchange.getStatusCode();
        }
        UnreadBody.sendError(exchange, status, message); // a body still coming is read through after the answer
        return status;
    }

    private static void abort(HttpServerExchange exchange) {
        exchange.setPersistent(false);
        IoUtils.safeClose(exchange.getConnection());
    }

    /** The response head, or the failure; a cancellation by the watch is an IOException too. */
    private static ClassicHttpResponse await(CompletableFuture<ClassicHttpResponse> call, IngressWatch watch)
            throws IOException {
        try {
            return call.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(cause);
        } catch (CancellationException e) {
            throw new IOException("the call was cut: " + watch.cut(), e);
        } catch (InterruptedException e) {
            call.cancel(false);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the agent");
        } finally {
            watch.headWaitOver();
        }
    }

    /**
     * The client's body; for a signed request, checked against its signed SHA-256 as it streams:
     * a mismatch fails the read at the end, so the agent sees a reset, never a complete body.
     */
    private static InputStream signedBody(HttpServerExchange exchange, boolean authenticated) {
        InputStream in = exchange.getInputStream();
        String authorization = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (!authenticated || authorization == null
                || !authorization.startsWith(io.swaggersocket.auth.RequestSigner.ALGORITHM + " ")) {
            return in;
        }
        return new SignedBody(in, exchange.getRequestHeaders().getFirst(
                io.swaggersocket.auth.RequestSigner.CONTENT_SHA256_HEADER), exchange.getRequestContentLength());
    }
}
