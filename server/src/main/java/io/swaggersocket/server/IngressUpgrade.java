package io.swaggersocket.server;

import io.swaggersocket.mux.SocketClosedException;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.mux.StreamResetException;
import io.swaggersocket.mux.UpgradedStream;
import io.swaggersocket.server.ServerMetrics.IngressError;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.xnio.IoUtils;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

/**
 * An ingress call that asks to upgrade ({@code Upgrade: websocket}, or any protocol the agent's
 * handler accepts): carried to the agent as an upgrade over a stream (PROTOCOL.md section 5.3).
 * When the agent answers {@code 101}, the client's connection is switched too and the bytes are
 * relayed both ways as they come, unchanged (WebSocket frames, pings and close frames included):
 * this thread copies the agent's side to the client, a second ingress thread the client's side to
 * the agent. Any other answer is relayed as an ordinary response.
 *
 * <p>Ends: the client's end of stream (FIN) ends our side of the stream (END_STREAM), and the
 * agent's END_STREAM half-closes the client connection (FIN); the session is over when both have
 * ended. A failure on either side aborts the other: a lost or resetting agent closes the client's
 * connection with a TCP reset (a WebSocket client reports 1006), a client that resets or fails
 * resets the agent's stream (CANCEL). No byte either way for {@link ServerLimits#upgradedIdleTimeout()}
 * aborts both. A session holds its ingress call (under {@link ServerLimits#maxIngressCalls()}) and
 * two ingress threads until it ends.
 */
final class IngressUpgrade {
    private static final System.Logger LOG = System.getLogger(IngressUpgrade.class.getName());
    private static final int BUFFER = 16 * 1024;
    /** The longest a relay thread waits on the client's socket before it looks whether the session was aborted. */
    private static final long POLL_MILLIS = 500;

    private final IngressHandler ingress;
    private final ServerLimits limits;
    private final Executor threads;
    private final ScheduledExecutorService scheduler;

    IngressUpgrade(IngressHandler ingress, ServerLimits limits, Executor threads, ScheduledExecutorService scheduler) {
        this.ingress = ingress;
        this.limits = limits;
        this.threads = threads;
        this.scheduler = scheduler;
    }

    /** True if the call asks to upgrade: an {@code Upgrade} header and no body. */
    static boolean requested(HttpServerExchange exchange) {
        return exchange.getRequestHeaders().contains(Headers.UPGRADE) && IngressHandler.bodiless(exchange);
    }

    /** Serves the call on an ingress thread, the session included; returns the status sent. */
    int serve(HttpServerExchange exchange) {
        IngressHandler.Route route = ingress.route(exchange);
        if (route == null) {
            return exchange.getStatusCode();
        }
        SocketConnection agent = route.agent();
        String who = "agent \"" + route.target().name() + "\" (connection " + agent.id() + ")";
        if (!agent.supportsUpgrades()) {
            return ingress.fail(exchange, IngressError.NO_UPGRADE, 502, who + " runs a version that cannot carry "
                    + exchange.getRequestHeaders().getFirst(Headers.UPGRADE) + " upgrades through the tunnel; update the agent");
        }
        BasicClassicHttpRequest request = IngressRequest.request(exchange, route.target(), ingress.authenticated());
        HeaderValues protocols = exchange.getRequestHeaders().get(Headers.UPGRADE);
        protocols.forEach(p -> request.addHeader("Upgrade", p));
        request.setHeader("Connection", "Upgrade");
        UpgradedStream stream;
        try {
            stream = agent.upgrade(request, limits.responseHeadTimeout());
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            return failed(exchange, who, e);
        }
        if (!stream.isUpgraded()) {
            exchange.startBlocking();
            return ingress.relay().relay(exchange, stream.response());
        }
        int status = ingress.relay().head(exchange, stream.response());
        if (status < 0) {
            return -1 - status; // an invalid head: answered 502, the stream reset
        }
        org.apache.hc.core5.http.Header[] switchedTo = stream.response().getHeaders("Upgrade");
        if (switchedTo.length == 0) {
            protocols.forEach(p -> exchange.getResponseHeaders().add(Headers.UPGRADE, p));
        }
        for (org.apache.hc.core5.http.Header h : switchedTo) {
            exchange.getResponseHeaders().add(Headers.UPGRADE, h.getValue());
        }
        exchange.getResponseHeaders().put(Headers.CONNECTION, "Upgrade");
        CompletableFuture<StreamConnection> switched = new CompletableFuture<>();
        exchange.upgradeChannel((connection, done) -> switched.complete(connection));
        exchange.endExchange();
        StreamConnection client;
        try {
            client = switched.get(limits.bodyIdleTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            IoUtils.safeClose(stream);
            IngressRelay.reset(exchange);
            return status;
        } catch (ExecutionException | TimeoutException e) {
            // The 101 did not go out (the client went, or takes no bytes): nothing to relay.
            ingress.metrics().ingressError(IngressError.CLIENT_ABORTED);
            IoUtils.safeClose(stream);
            IngressRelay.reset(exchange);
            return status;
        }
        new Session(client, stream, who).run();
        return status;
    }

    private int failed(HttpServerExchange exchange, String who, Exception e) {
        if (e instanceof StreamResetException reset && reset.isRetryable()) {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
            return ingress.fail(exchange, IngressError.AGENT_BUSY, 503, who + " refused the call: " + e.getMessage());
        }
        if (e instanceof SocketTimeoutException) {
            ingress.metrics().limits.hit(LimitHits.Limit.RESPONSE_HEAD_TIMEOUT, "no response head within "
                    + limits.responseHeadTimeout() + " for " + exchange.getRequestPath());
            return ingress.fail(exchange, IngressError.TIMEOUT, 504, who + " sent no response head within "
                    + limits.responseHeadTimeout());
        }
        if (e instanceof InterruptedIOException) {
            return ingress.fail(exchange, IngressError.SHUTTING_DOWN, 503, "the server is shutting down");
        }
        if (e instanceof IllegalArgumentException) {
            return ingress.fail(exchange, IngressError.HEAD_TOO_LARGE, 431, e.getMessage());
        }
        if (e instanceof StreamResetException) {
            return ingress.fail(exchange, IngressError.AGENT_LOST, 502, who + " reset the call: " + e.getMessage());
        }
        return ingress.fail(exchange, IngressError.AGENT_LOST, 502, "lost " + who + ": "
                + (e instanceof SocketClosedException ? e.getMessage() : e.toString()));
    }

    /** One switched connection and its stream, relayed both ways until both sides end or one fails. */
    private final class Session {
        private final StreamConnection client;
        private final UpgradedStream stream;
        private final String who;
        private volatile long lastByte = System.nanoTime();
        private volatile boolean aborted;
        private ScheduledFuture<?> idleCheck;

        Session(StreamConnection client, UpgradedStream stream, String who) {
            this.client = client;
            this.stream = stream;
            this.who = who;
        }

        void run() {
            CompletableFuture<Void> upstream = new CompletableFuture<>();
            try {
                threads.execute(() -> {
                    try {
                        clientToAgent();
                    } finally {
                        upstream.complete(null);
                    }
                });
            } catch (RejectedExecutionException e) {
                LOG.log(System.Logger.Level.WARNING, "ingress upgrade to {0}: no thread to relay the client's side", who);
                abort();
                return;
            }
            armIdleCheck(limits.upgradedIdleTimeout().toNanos());
            try {
                agentToClient();
                upstream.join(); // bounded: the copy ends with the client's end, a failure, or the idle check
            } finally {
                synchronized (this) {
                    if (idleCheck != null) {
                        idleCheck.cancel(false);
                    }
                    aborted = true; // no more idle checks
                }
                IoUtils.safeClose(client);
                IoUtils.safeClose(stream);
            }
        }

        private void agentToClient() {
            InputStream in = stream.input();
            StreamSinkChannel out = client.getSinkChannel();
            byte[] buffer = new byte[BUFFER];
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    if (!aborted) {
                        LOG.log(System.Logger.Level.DEBUG, "ingress upgrade: {0} ended the stream: {1}", who, e.toString());
                        ingress.metrics().ingressError(IngressError.RESPONSE_ABORTED);
                    }
                    abort();
                    return;
                }
                try {
                    if (n < 0) {
                        out.shutdownWrites(); // the agent's side ended: FIN to the client, which may still send
                        flush(out);
                        return;
                    }
                    lastByte = System.nanoTime();
                    ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, n);
                    while (bytes.hasRemaining()) {
                        if (out.write(bytes) == 0) {
                            awaitWritable(out);
                        }
                    }
                    if (in.available() == 0) {
                        flush(out);
                    }
                } catch (IOException e) {
                    abort(); // the client is gone
                    return;
                }
            }
        }

        private void clientToAgent() {
            StreamSourceChannel in = client.getSourceChannel();
            OutputStream out = stream.output();
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
            while (true) {
                int n;
                try {
                    buffer.clear();
                    while ((n = in.read(buffer)) == 0) {
                        if (aborted) {
                            return;
                        }
                        if (buffer.position() > 0) {
                            break;
                        }
                        in.awaitReadable(POLL_MILLIS, TimeUnit.MILLISECONDS);
                    }
                } catch (IOException e) {
                    if (!aborted) {
                        ingress.metrics().ingressError(IngressError.CLIENT_ABORTED);
                    }
                    abort();
                    return;
                }
                try {
                    if (n < 0 && buffer.position() == 0) {
                        out.close(); // the client's side ended: END_STREAM to the agent
                        return;
                    }
                    lastByte = System.nanoTime();
                    out.write(buffer.array(), 0, buffer.position());
                    out.flush();
                    if (n < 0) {
                        out.close();
                        return;
                    }
                } catch (IOException e) {
                    abort(); // the stream was reset or lost: the agent-side copy sees it too
                    return;
                }
            }
        }

        /**
         * Waits for the client to take bytes, in slices, so that an abort from the other direction
         * is seen within one: a blocked wait on an XNIO channel is not woken by its close.
         */
        private void awaitWritable(StreamSinkChannel out) throws IOException {
            if (aborted) {
                throw new IOException("the session was aborted");
            }
            out.awaitWritable(POLL_MILLIS, TimeUnit.MILLISECONDS);
        }

        private void flush(StreamSinkChannel out) throws IOException {
            while (!out.flush()) {
                awaitWritable(out);
            }
        }

        /** Ends both sides at once: a reset to the client (never a clean FIN) and to the agent. */
        private void abort() {
            aborted = true;
            try {
                client.setOption(Options.CLOSE_ABORT, true);
            } catch (IOException | RuntimeException ignored) {
                // closed already
            }
            IoUtils.safeClose(client);
            IoUtils.safeClose(stream);
        }

        private synchronized void armIdleCheck(long delayNanos) {
            if (aborted || limits.upgradedIdleTimeout().isZero()) {
                return;
            }
            idleCheck = scheduler.schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
        }

        private void checkIdle() {
            long idle = System.nanoTime() - lastByte;
            long timeout = limits.upgradedIdleTimeout().toNanos();
            if (idle < timeout) {
                armIdleCheck(timeout - idle);
                return;
            }
            ingress.metrics().limits.hit(LimitHits.Limit.BODY_IDLE_TIMEOUT, "no byte either way for "
                    + limits.upgradedIdleTimeout() + " on an upgraded ingress connection to " + who);
            abort();
        }
    }
}
