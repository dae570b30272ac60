package io.swaggersocket.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.swaggersocket.auth.RequestSigner;
import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.handshake.HandshakeException;
import io.swaggersocket.handshake.Protocol;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.undertow.WebSocketTransport;
import io.undertow.connector.ByteBufferPool;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.AbstractMap;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.xnio.OptionMap;
import org.xnio.XnioWorker;
import org.xnio.ssl.XnioSsl;

/**
 * One try of a {@link SocketClient} at opening a connection: the WebSocket upgrade, then the
 * dialing handshake, within the handshake timeout; its outcome goes to the client's
 * {@link Outcome} once. Thread-safe: {@link #abandon} may come from any thread.
 */
final class DialAttempt {
    private static final System.Logger LOG = System.getLogger(SocketClient.class.getName());

    /** Where and with what every attempt of one client dials; immutable. */
    record Target(XnioWorker worker, ByteBufferPool pool, XnioSsl ssl, URI uri, String safeUri, OptionMap connectOptions,
            ConnectionConfig config, ScheduledExecutorService scheduler, JsonNode metadata,
            List<Map.Entry<String, String>> headers, RequestSigner signer, HttpRequestHandler handler) {

        /**
         * The headers of one upgrade request: those of the builder, the agent's name from its
         * metadata (so that the server judges it before the handshake), and a fresh signature.
         */
        List<Map.Entry<String, String>> upgradeHeaders() {
            List<Map.Entry<String, String>> out = new ArrayList<>(headers);
            JsonNode name = metadata == null ? null : metadata.path("name");
            boolean announced = headers.stream().anyMatch(h -> h.getKey().equalsIgnoreCase(Protocol.AGENT_NAME_HEADER));
            if (!announced && name != null && name.isTextual()
                    && name.asText().chars().allMatch(c -> c >= 0x20 && c < 0x7f)) { // else hello alone names it
                out.add(new AbstractMap.SimpleImmutableEntry<>(Protocol.AGENT_NAME_HEADER, name.asText()));
            }
            if (signer != null) {
                Map<String, List<String>> signed = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                out.forEach(h -> signed.computeIfAbsent(h.getKey(), k -> new ArrayList<>()).add(h.getValue()));
                signed.put("Host", List.of(WebSocketUpgrade.hostHeader(uri)));
                signer.sign("GET", WebSocketUpgrade.requestTarget(uri), signed, new byte[0])
                        .forEach((k, v) -> out.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
            }
            return out;
        }
    }

    /** What the client does with an attempt's outcome, told once. */
    interface Outcome {
        void succeeded(DialAttempt attempt, SocketConnection connection);

        void failed(DialAttempt attempt, IOException cause);
    }

    private final Target target;
    private final Outcome listener;
    final int number;
    final boolean first;
    /** Completes after the client has recorded the outcome. */
    final CompletableFuture<SocketConnection> settled = new CompletableFuture<>();
    private final CompletableFuture<SocketConnection> outcome = new CompletableFuture<>();
    private volatile WebSocketUpgrade upgrade;
    private volatile WebSocketTransport channel;
    private volatile ScheduledFuture<?> timer;

    DialAttempt(Target target, Outcome outcome, int number, boolean first) {
        this.target = target;
        this.listener = outcome;
        this.number = number;
        this.first = first;
    }

    /** The socket the upgrade opened, once it has; {@code null} before. */
    WebSocketTransport channel() {
        return channel;
    }

    /** Dials; the upgrade request's headers are made (and signed) for this attempt. */
    void start() {
        outcome.whenComplete((connection, failure) -> {
            if (failure != null) {
                listener.failed(this, asIOException(failure));
            } else {
                listener.succeeded(this, connection);
            }
        });
        Duration limit = target.config().handshakeTimeout();
        LOG.log(System.Logger.Level.DEBUG, "connecting to {0} (attempt {1})", target.safeUri(), number);
        try {
            timer = target.scheduler().schedule(() -> timedOut(limit), limit.toNanos(), TimeUnit.NANOSECONDS);
            upgrade = WebSocketUpgrade.start(target.worker(), target.pool(), target.ssl(), target.uri(), target.safeUri(),
                    target.upgradeHeaders(), target.connectOptions(), target.config());
        } catch (RuntimeException e) {
            abandon(new IOException("cannot start connecting to " + target.safeUri() + ": " + e.getMessage(), e));
            return;
        }
        if (outcome.isDone()) {
            upgrade.cancel(new IOException("attempt abandoned"));
            return;
        }
        upgrade.result().whenComplete((socket, failure) -> {
            if (failure != null) {
                abandon(describe(failure));
            } else {
                handshake(socket);
            }
        });
    }

    private void handshake(WebSocketTransport ch) {
        if (outcome.isDone()) {
            ch.abort();
            return;
        }
        channel = ch;
        if (outcome.isDone()) {
            ch.abort();
            return;
        }
        CompletableFuture<SocketConnection> dialed;
        try {
            dialed = SocketConnection.dial(ch, target.metadata(), target.config(), target.handler());
        } catch (RuntimeException e) {
            abandon(new IOException("cannot start the handshake with " + target.safeUri() + ": " + e, e));
            return;
        }
        dialed.whenComplete((connection, failure) -> {
            if (failure != null) {
                abandon(asIOException(failure));
            } else if (!complete(connection)) {
                connection.shutdownNow();
            }
        });
    }

    private void timedOut(Duration limit) {
        IOException e = channel == null
                ? new SocketTimeoutException("could not open a WebSocket to " + target.safeUri() + " within " + limit)
                : new HandshakeException(CloseCode.HANDSHAKE_TIMEOUT, "expected the handshake with " + target.safeUri()
                        + " to finish within " + limit + " but it did not");
        abandon(e);
    }

    private boolean complete(SocketConnection connection) {
        if (!outcome.complete(connection)) {
            return false;
        }
        cancelTimer();
        return true;
    }

    /** Fails the attempt with {@code cause} unless it has an outcome, and drops what it opened. */
    void abandon(IOException cause) {
        if (!outcome.completeExceptionally(cause)) {
            return;
        }
        cancelTimer();
        WebSocketUpgrade u = upgrade;
        if (u != null) {
            u.cancel(cause);
        }
        WebSocketTransport ch = channel;
        if (ch != null) {
            ch.abort();
        }
    }

    private void cancelTimer() {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
    }

    /** Makes Undertow's failures say where the client was going. */
    private IOException describe(Throwable failure) {
        IOException e = asIOException(failure);
        if (e instanceof AuthenticationException || e instanceof SocketTimeoutException) {
            return e;
        }
        if (e instanceof ConnectException) {
            ConnectException clear = new ConnectException("cannot reach " + target.safeUri() + ": " + e.getMessage());
            clear.initCause(e);
            return clear;
        }
        if (e.getMessage() != null && e.getMessage().contains(target.safeUri())) {
            return e;
        }
        if (target.ssl() != null && e instanceof ClosedChannelException) {
            // Undertow's TLS layer logs the handshake failure and closes the channel; this is all it reports.
            // A server that requires a client certificate and got none it trusts ends the same way.
            return new IOException("cannot open a WebSocket to " + target.safeUri() + ": the connection closed before"
                    + " the upgrade was answered, most often because the TLS handshake failed (the server's"
                    + " certificate not trusted or not issued for " + target.uri().getHost() + ", or the server requires"
                    + " a client certificate and got none it trusts)", e);
        }
        return new IOException("cannot open a WebSocket to " + target.safeUri() + ": " + e, e);
    }

    static IOException asIOException(Throwable t) {
        Throwable cause = t;
        while (cause instanceof CompletionException || cause instanceof ExecutionException) {
            if (cause.getCause() == null) {
                break;
            }
            cause = cause.getCause();
        }
        return cause instanceof IOException io ? io : new IOException(cause.toString(), cause);
    }
}
