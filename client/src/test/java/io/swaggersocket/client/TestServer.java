package io.swaggersocket.client;

import io.swaggersocket.handshake.Hello;
import io.swaggersocket.handshake.Protocol;
import io.swaggersocket.handshake.Welcome;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.undertow.UndertowChannel;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.xnio.IoUtils;

/**
 * The accepting peer for the client's tests: Undertow on 127.0.0.1 and port 0, a WebSocket
 * endpoint at {@code /agents} running {@link SocketConnection#accept}, and knobs to refuse
 * upgrades, misbehave in the handshake, drop sockets abruptly, or stop.
 */
final class TestServer implements AutoCloseable {
    /** How the server treats the next WebSocket. */
    enum Mode {
        /** The real accepting side. */
        ACCEPT,
        /** Answers hello with a welcome for protocol version 99. */
        WRONG_VERSION,
        /** Reads hello and never answers. */
        NO_WELCOME,
        /** Completes the handshake by hand, then stops reading and never sends anything again. */
        SILENT_AFTER_HANDSHAKE
    }

    final ConnectionConfig config;
    final BlockingQueue<SocketConnection> accepted = new LinkedBlockingQueue<>();
    final BlockingQueue<Map<String, List<String>>> upgradeHeaders = new LinkedBlockingQueue<>();
    final List<WebSocketChannel> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final Undertow undertow;
    private final boolean secure;
    volatile int rejectStatus;
    volatile String rejectBody = "";
    volatile Mode mode = Mode.ACCEPT;
    volatile HttpRequestHandler handler = (request, response, context) -> {
        String body = request.getEntity() == null ? "" : EntityUtils.toString(request.getEntity());
        response.setEntity(new StringEntity("server got " + request.getMethod() + " " + request.getPath()
                + (body.isEmpty() ? "" : " " + body), ContentType.TEXT_PLAIN));
    };

    private TestServer(ConnectionConfig config, SSLContext tls) {
        this.config = config;
        this.secure = tls != null;
        WebSocketConnectionCallback onSocket = (exchange, channel) -> {
            sockets.add(channel);
            String id = "srv-" + ids.incrementAndGet();
            switch (mode) {
                case ACCEPT -> SocketConnection.accept(UndertowChannel.of(channel, config), id, null, config,
                        (req, resp, ctx) -> handler.handle(req, resp, ctx)).thenAccept(accepted::add);
                default -> scripted(channel, id, mode);
            }
        };
        HttpHandler websocket = Handlers.websocket(onSocket);
        HttpHandler gate = exchange -> {
            Map<String, List<String>> headers = new HashMap<>();
            for (HeaderValues values : exchange.getRequestHeaders()) {
                headers.put(values.getHeaderName().toString().toLowerCase(java.util.Locale.ROOT), List.copyOf(values));
            }
            upgradeHeaders.add(headers);
            int status = rejectStatus;
            if (status != 0) {
                exchange.setStatusCode(status);
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
                exchange.getResponseSender().send(rejectBody);
                return;
            }
            websocket.handleRequest(exchange);
        };
        Undertow.Builder builder = Undertow.builder().setHandler(Handlers.path().addPrefixPath("/agents", gate));
        if (tls != null) {
            builder.addHttpsListener(0, "127.0.0.1", tls);
        } else {
            builder.addHttpListener(0, "127.0.0.1");
        }
        undertow = builder.build();
        undertow.start();
    }

    static TestServer start(ConnectionConfig config) {
        return new TestServer(config, null);
    }

    static TestServer startTls(ConnectionConfig config, SSLContext tls) {
        return new TestServer(config, tls);
    }

    int port() {
        return ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
    }

    URI uri() {
        return URI.create((secure ? "wss" : "ws") + "://127.0.0.1:" + port() + "/agents");
    }

    /** The next connection the server accepted, waiting up to 5 s. */
    SocketConnection nextConnection() throws InterruptedException {
        SocketConnection c = accepted.poll(5, TimeUnit.SECONDS);
        if (c == null) {
            throw new AssertionError("the server accepted no connection within 5 s");
        }
        return c;
    }

    Map<String, List<String>> nextUpgradeHeaders() throws InterruptedException {
        Map<String, List<String>> h = upgradeHeaders.poll(5, TimeUnit.SECONDS);
        if (h == null) {
            throw new AssertionError("no upgrade request within 5 s");
        }
        return h;
    }

    /** Drops every WebSocket at once, without a close frame: the client sees a lost connection. */
    void dropAll() {
        for (WebSocketChannel socket : sockets) {
            IoUtils.safeClose(socket);
        }
        sockets.clear();
    }

    static Duration shortly() {
        return Duration.ofSeconds(5);
    }

    @Override
    public void close() {
        dropAll();
        undertow.stop();
    }

    private void scripted(WebSocketChannel channel, String id, Mode how) {
        channel.getReceiveSetter().set(new AbstractReceiveListener() {
            @Override
            protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
                String text = message.getData();
                if (text.contains("\"hello\"")) {
                    Hello hello;
                    try {
                        hello = Hello.parse(text);
                    } catch (Exception e) {
                        IoUtils.safeClose(ch);
                        return;
                    }
                    switch (how) {
                        case WRONG_VERSION -> WebSockets.sendText(new Welcome(99, id, Protocol.FEATURES,
                                config.settings().negotiate(hello.settings())).toJson(), ch, null);
                        case SILENT_AFTER_HANDSHAKE -> WebSockets.sendText(new Welcome(Protocol.VERSION, id,
                                Protocol.FEATURES, config.settings().negotiate(hello.settings())).toJson(), ch, null);
                        default -> {
                        }
                    }
                } else if (text.contains("\"ack\"") && how == Mode.SILENT_AFTER_HANDSHAKE) {
                    ch.suspendReceives(); // a hung peer: reads nothing, answers no ping, sends nothing
                }
            }
        });
        channel.resumeReceives();
    }
}
