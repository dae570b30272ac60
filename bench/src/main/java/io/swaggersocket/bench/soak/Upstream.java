package io.swaggersocket.bench.soak;

import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * The local service behind every {@code agent --forward}: the {@link Payload} protocol over plain
 * HTTP/1.1, and a WebSocket echo at {@code /ws}, on Undertow on 127.0.0.1. Thread-safe.
 */
final class Upstream implements AutoCloseable {
    private final Undertow undertow;

    /**
     * {@code maxBody}: the biggest request body it takes; Undertow answers a bigger one with 413 before
     * reading it, and closes the connection (its default is 2 MiB; the soak's is 8 MiB, so that every
     * body is taken unless {@code --upstream-max-body} asks for the refusal on purpose).
     */
    Upstream(long maxBody) {
        HttpHandler http = exchange -> {
            if (exchange.isInIoThread()) {
                exchange.dispatch(Upstream::answer); // bodies of up to 8 MiB: never block an I/O thread
                return;
            }
            answer(exchange);
        };
        HttpHandler ws = Handlers.websocket((exchange, channel) -> {
            channel.getReceiveSetter().set(new AbstractReceiveListener() {
                @Override
                protected void onFullTextMessage(WebSocketChannel c, BufferedTextMessage message) {
                    WebSockets.sendText(message.getData(), c, null);
                }

                @Override
                protected void onFullBinaryMessage(WebSocketChannel c, BufferedBinaryMessage message) {
                    try (var data = message.getData()) {
                        WebSockets.sendBinary(data.getResource(), c, null);
                    }
                }
            });
            channel.resumeReceives();
        });
        undertow = Undertow.builder()
                .addHttpListener(0, "127.0.0.1")
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, maxBody)
                .setHandler(Handlers.path(http).addPrefixPath("/ws", ws))
                .build();
        undertow.start();
    }

    /** The base URL agents forward to. */
    String url() {
        return "http://127.0.0.1:" + ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
    }

    private static void answer(HttpServerExchange exchange) throws IOException {
        exchange.startBlocking();
        Map<String, String> q = Payload.query("?" + exchange.getQueryString());
        String id = q.getOrDefault("id", "");
        byte[] body;
        switch (exchange.getRequestPath()) {
            case "/echo" -> {
                body = exchange.getInputStream().readAllBytes();
                exchange.getResponseHeaders().put(new HttpString(Payload.SHA), Payload.sha256(body));
            }
            case "/bytes" -> body = Payload.bytes(Long.parseLong(q.getOrDefault("seed", "0")),
                    Payload.length(q.getOrDefault("n", "0")));
            default -> {
                exchange.setStatusCode(404);
                exchange.getResponseSender().send("no such soak path: " + exchange.getRequestPath());
                return;
            }
        }
        exchange.getResponseHeaders().put(new HttpString(Payload.ID), id);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/octet-stream");
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, body.length);
        try (OutputStream out = exchange.getOutputStream()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        undertow.stop();
    }
}
