package io.swaggersocket.undertow;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.function.Consumer;
import org.xnio.StreamConnection;

/**
 * The server's half of the RFC 6455 opening handshake without Undertow's WebSocket layer: answers a
 * checked upgrade request with 101 and hands over the raw connection, for a
 * {@link RawWebSocketChannel}. Stateless and thread-safe.
 */
public final class ServerUpgrade {
    /** The GUID RFC 6455 section 1.3 appends to the client's key. */
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private ServerUpgrade() {
    }

    /** True when the request asks for the one WebSocket version spoken here, 13. */
    public static boolean isVersion13(HttpServerExchange exchange) {
        return "13".equals(exchange.getRequestHeaders().getFirst(Headers.SEC_WEB_SOCKET_VERSION));
    }

    /**
     * Answers 101 with the Sec-WebSocket-Accept for the request's key (no subprotocol, no
     * extension) and ends the exchange; {@code upgraded} gets the connection on its I/O thread once
     * the 101 is written. The caller has checked that this is a version-13 upgrade request with a key.
     */
    public static void accept(HttpServerExchange exchange, Consumer<StreamConnection> upgraded) {
        String key = exchange.getRequestHeaders().getFirst(Headers.SEC_WEB_SOCKET_KEY);
        exchange.upgradeChannel((connection, ex) -> upgraded.accept(connection));
        exchange.getResponseHeaders().put(Headers.UPGRADE, "websocket");
        exchange.getResponseHeaders().put(Headers.SEC_WEB_SOCKET_ACCEPT, acceptKey(key));
        exchange.endExchange();
    }

    /** The Sec-WebSocket-Accept answer to {@code key}: base64(SHA-1(key + GUID)). */
    static String acceptKey(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key.trim() + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-1", e);
        }
    }
}
