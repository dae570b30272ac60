package io.swaggersocket.mux;

import com.fasterxml.jackson.databind.JsonNode;
import io.swaggersocket.handshake.Ack;
import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.handshake.HandshakeException;
import io.swaggersocket.handshake.Hello;
import io.swaggersocket.handshake.Protocol;
import io.swaggersocket.handshake.Settings;
import io.swaggersocket.handshake.Welcome;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.io.HttpRequestHandler;

/**
 * The three-way handshake on one channel, for either side, and afterwards the channel's listener
 * that hands every message to the connection. Because it creates the connection and starts
 * forwarding within the same callback that completes the handshake, no frame can slip in between.
 */
final class Handshake implements MessageChannel.Listener {
    private enum State { AWAIT_HELLO, AWAIT_WELCOME, AWAIT_ACK, DONE, FAILED }

    private final MessageChannel channel;
    private final ConnectionConfig config;
    private final HttpRequestHandler handler;
    private final String connectionId;
    private final Principal principal;
    private final HelloCheck check;
    private final CompletableFuture<SocketConnection> result = new CompletableFuture<>();

    private State state;
    private JsonNode metadata;
    private Settings negotiated;
    /** What welcome lists: the features both ends use (acceptor only). */
    private java.util.List<String> features = java.util.List.of();
    private ScheduledFuture<?> timeout;
    private volatile SocketConnection connection;

    private Handshake(MessageChannel channel, ConnectionConfig config, HttpRequestHandler handler, State initial,
            String connectionId, Principal principal, JsonNode metadata, HelloCheck check) {
        this.channel = channel;
        this.check = check;
        this.config = config;
        this.handler = handler;
        this.state = initial;
        this.connectionId = connectionId;
        this.principal = principal;
        this.metadata = metadata;
    }

    static CompletableFuture<SocketConnection> dial(MessageChannel channel, JsonNode metadata, ConnectionConfig config,
            HttpRequestHandler handler) {
        Handshake h = new Handshake(channel, config, handler, State.AWAIT_WELCOME, null, null, metadata,
                HelloCheck.ACCEPT_ALL);
        h.begin();
        Hello hello = new Hello(Protocol.VERSION, config.features(), metadata, config.settings());
        h.metadata = hello.metadata();
        channel.sendText(hello.toJson(), h::sent);
        return h.result;
    }

    static CompletableFuture<SocketConnection> accept(MessageChannel channel, String connectionId, Principal principal,
            ConnectionConfig config, HttpRequestHandler handler, HelloCheck check) {
        if (connectionId == null || connectionId.isEmpty()) {
            throw new IllegalArgumentException("connectionId: expected a non-empty id but was \"" + connectionId + "\"");
        }
        Handshake h = new Handshake(channel, config, handler, State.AWAIT_HELLO, connectionId, principal, null,
                check);
        h.begin();
        return h.result;
    }

    private void begin() {
        synchronized (this) {
            timeout = config.scheduler().schedule(this::timedOut, config.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        channel.start(this);
    }

    @Override
    public void onText(String text) {
        SocketConnection established = connection;
        if (established != null) {
            established.onText(text);
            return;
        }
        try {
            synchronized (this) {
                switch (state) {
                    case AWAIT_HELLO -> onHello(Hello.parse(text));
                    case AWAIT_WELCOME -> onWelcome(Welcome.parse(text));
                    case AWAIT_ACK -> onAck(Ack.parse(text));
                    default -> {
                        return;
                    }
                }
            }
        } catch (HandshakeException e) {
            fail(e, true);
        }
    }

    private void onHello(Hello hello) throws HandshakeException {
        if (hello.version() != Protocol.VERSION) {
            throw new HandshakeException(CloseCode.HANDSHAKE_VERSION_MISMATCH,
                    "hello: expected protocol version " + Protocol.VERSION + " but was " + hello.version());
        }
        if (!hello.features().contains(Protocol.FEATURE_MUX)) {
            throw new HandshakeException(CloseCode.HANDSHAKE_FEATURE_MISMATCH,
                    "hello: expected features to include \"" + Protocol.FEATURE_MUX + "\" but was " + hello.features());
        }
        metadata = hello.metadata();
        String refusal = check.refusal(metadata);
        if (refusal != null) {
            throw new HandshakeException(CloseCode.HANDSHAKE_REFUSED, "hello refused: " + refusal);
        }
        negotiated = config.settings().negotiate(hello.settings());
        features = new java.util.ArrayList<>(config.features());
        features.retainAll(hello.features()); // welcome lists what both ends use
        state = State.AWAIT_ACK;
        channel.sendText(new Welcome(Protocol.VERSION, connectionId, features, negotiated).toJson(), this::sent);
    }

    private void onWelcome(Welcome welcome) throws HandshakeException {
        if (welcome.version() != Protocol.VERSION) {
            throw new HandshakeException(CloseCode.HANDSHAKE_VERSION_MISMATCH,
                    "welcome: expected protocol version " + Protocol.VERSION + " but was " + welcome.version());
        }
        if (!welcome.features().contains(Protocol.FEATURE_MUX)) {
            throw new HandshakeException(CloseCode.HANDSHAKE_FEATURE_MISMATCH,
                    "welcome: expected features to include \"" + Protocol.FEATURE_MUX + "\" but was " + welcome.features());
        }
        Settings proposed = config.settings();
        if (!proposed.negotiate(welcome.settings()).equals(welcome.settings())) {
            throw new HandshakeException(CloseCode.HANDSHAKE_MALFORMED,
                    "welcome: expected settings no larger than the proposed " + proposed + " but was " + welcome.settings());
        }
        channel.sendText(new Ack(welcome.connectionId()).toJson(), this::sent);
        java.util.List<String> used = new java.util.ArrayList<>(config.features());
        used.retainAll(welcome.features());
        establish(new SocketConnection(channel, config, welcome.settings(), true, welcome.connectionId(), metadata,
                null, handler, used));
    }

    private void onAck(Ack ack) throws HandshakeException {
        if (!ack.connectionId().equals(connectionId)) {
            throw new HandshakeException(CloseCode.HANDSHAKE_UNEXPECTED_MESSAGE,
                    "ack: expected connection id \"" + connectionId + "\" but was \"" + ack.connectionId() + "\"");
        }
        establish(new SocketConnection(channel, config, negotiated, false, connectionId, metadata, principal, handler,
                features));
    }

    private void establish(SocketConnection established) {
        state = State.DONE;
        timeout.cancel(false);
        connection = established;
        established.start();
        established.runOnExecutor(() -> result.complete(established));
    }

    @Override
    public void onBinary(ByteBuffer message) {
        SocketConnection established = connection;
        if (established != null) {
            established.onBinary(message);
            return;
        }
        fail(new HandshakeException(CloseCode.HANDSHAKE_UNEXPECTED_MESSAGE, "expected a text " + awaited()
                + " message but a binary message of " + message.remaining() + " bytes came"), true);
    }

    @Override
    public void onPing(ByteBuffer payload) {
        SocketConnection established = connection;
        if (established != null) {
            established.onLiveness();
        }
    }

    @Override
    public void onPong(ByteBuffer payload) {
        onPing(payload);
    }

    @Override
    public void onClose(int code, String reason) {
        SocketConnection established = connection;
        if (established != null) {
            established.onClose(code, reason);
            return;
        }
        CloseCode known = CloseCode.of(code);
        fail(new HandshakeException(known != null ? known : CloseCode.ABNORMAL, "expected " + awaited()
                + " but the peer closed the connection: " + code + (reason == null || reason.isEmpty() ? "" : " " + reason)),
                false);
    }

    private void timedOut() {
        fail(new HandshakeException(CloseCode.HANDSHAKE_TIMEOUT, "expected " + awaited() + " within "
                + config.handshakeTimeout() + " but none came"), true);
    }

    private void sent(Throwable failure) {
        if (failure != null) {
            fail(new HandshakeException(CloseCode.ABNORMAL, "handshake message not sent: " + failure, failure), false);
        }
    }

    private synchronized String awaited() {
        return switch (state) {
            case AWAIT_HELLO -> "hello";
            case AWAIT_WELCOME -> "welcome";
            case AWAIT_ACK -> "ack";
            default -> "nothing";
        };
    }

    private void fail(HandshakeException e, boolean sendClose) {
        synchronized (this) {
            if (state == State.DONE || state == State.FAILED) {
                return;
            }
            state = State.FAILED;
            timeout.cancel(false);
        }
        if (sendClose) {
            channel.close(e.closeCode().code(), closeReason(e.getMessage()));
        }
        try {
            config.executor().execute(() -> result.completeExceptionally(e));
        } catch (java.util.concurrent.RejectedExecutionException rejected) {
            result.completeExceptionally(e);
        }
    }

    /** A WebSocket close reason holds at most 123 bytes of UTF-8. */
    static String closeReason(String message) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= 123) {
            return message;
        }
        int end = 120;
        while (end > 0 && (bytes[end] & 0xc0) == 0x80) {
            end--;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8) + "...";
    }
}
