package io.swaggersocket.undertow;

import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.MessageChannel;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.testing.ConnectedPair;
import io.swaggersocket.testing.ConnectionConformance;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.ClientExchange;
import io.undertow.client.ClientRequest;
import io.undertow.client.UndertowClient;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.websockets.client.WebSocketClient;
import io.undertow.websockets.client.WebSocketClientHandshake;
import io.undertow.websockets.core.WebSocketVersion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;

/**
 * The conformance suite, unchanged, over {@link RawWebSocketChannel} on real sockets on 127.0.0.1:
 * raw at both ends, and raw facing Undertow's own WebSocket implementation at either end (so our
 * framing is checked against an independent one, both directions).
 */
class RawChannelConformanceTest implements ConnectionConformance, io.swaggersocket.testing.UpgradeConformance,
        io.swaggersocket.testing.ContinueConformance {
    static XnioWorker clientWorker;
    static ByteBufferPool pool;

    @BeforeAll
    static void startClientWorker() {
        try {
            clientWorker = Xnio.getInstance().createWorker(OptionMap.builder()
                    .set(Options.WORKER_IO_THREADS, 1).set(Options.THREAD_DAEMON, true).getMap());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        pool = new DefaultByteBufferPool(false, 16 * 1024);
    }

    @AfterAll
    static void stopClientWorker() {
        clientWorker.shutdownNow();
        pool.close();
    }

    /** Whether each end is a RawWebSocketChannel (else Undertow's WebSocket via UndertowChannel). */
    boolean rawServer() {
        return true;
    }

    boolean rawClient() {
        return true;
    }

    @Override
    public ConnectedPair connect(ConnectionConfig config, HttpRequestHandler dialerHandler,
            HttpRequestHandler acceptorHandler) throws Exception {
        CompletableFuture<SocketConnection> accepted = new CompletableFuture<>();
        CompletableFuture<MessageChannel> serverChannel = new CompletableFuture<>();
        java.util.function.Consumer<MessageChannel> acceptOn = channel -> {
            serverChannel.complete(channel);
            SocketConnection.accept(channel, "raw-1", null, config, acceptorHandler).whenComplete((c, e) -> {
                if (e != null) {
                    accepted.completeExceptionally(e);
                } else {
                    accepted.complete(c);
                }
            });
        };
        HttpHandler tunnel = rawServer()
                ? exchange -> ServerUpgrade.accept(exchange,
                        connection -> acceptOn.accept(RawWebSocketChannel.of(connection, false, config)))
                : Handlers.websocket((exchange, channel) -> acceptOn.accept(UndertowChannel.of(channel, config)));
        Undertow server = Undertow.builder()
                .addHttpListener(0, "127.0.0.1")
                .setIoThreads(1)
                .setHandler(Handlers.path().addExactPath("/tunnel", tunnel))
                .build();
        server.start();
        int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
        URI uri = new URI("ws://127.0.0.1:" + port + "/tunnel");
        MessageChannel clientChannel = rawClient()
                ? RawWebSocketChannel.of(rawUpgrade(uri).get(10, TimeUnit.SECONDS), true, config)
                : UndertowChannel.of(WebSocketClient.connectionBuilder(clientWorker, pool, uri).connect().get(), config);
        SocketConnection dialer = SocketConnection.dial(clientChannel, null, config, dialerHandler).get(10, TimeUnit.SECONDS);
        SocketConnection acceptor = accepted.get(10, TimeUnit.SECONDS);
        Runnable sever = () -> {
            clientChannel.abort();
            serverChannel.join().abort();
        };
        return new ConnectedPair(dialer, acceptor, sever, server::stop);
    }

    /** A WebSocket upgrade over Undertow's HTTP client, ending in the bare upgraded connection. */
    static CompletableFuture<StreamConnection> rawUpgrade(URI uri) throws Exception {
        CompletableFuture<StreamConnection> result = new CompletableFuture<>();
        WebSocketClientHandshake handshake = WebSocketClientHandshake.create(WebSocketVersion.V13, uri);
        ClientConnection connection = UndertowClient.getInstance()
                .connect(new URI("http://" + uri.getHost() + ":" + uri.getPort()), clientWorker, pool, OptionMap.EMPTY)
                .get();
        ClientRequest request = new ClientRequest().setMethod(Methods.GET).setPath(uri.getPath());
        request.getRequestHeaders().put(Headers.HOST, uri.getHost() + ":" + uri.getPort());
        Map<String, List<String>> sent = new HashMap<>();
        handshake.createHeaders().forEach((name, value) -> {
            request.getRequestHeaders().put(new HttpString(name), value);
            sent.put(name, List.of(value));
        });
        connection.sendRequest(request, new ClientCallback<>() {
            @Override
            public void completed(ClientExchange exchange) {
                exchange.setResponseListener(new ClientCallback<>() {
                    @Override
                    public void completed(ClientExchange answered) {
                        try {
                            if (answered.getResponse().getResponseCode() != 101) {
                                throw new IOException("expected 101 but was " + answered.getResponse().getResponseCode());
                            }
                            Map<String, List<String>> received = new HashMap<>();
                            answered.getResponse().getResponseHeaders().forEach(values -> received.put(
                                    values.getHeaderName().toString().toLowerCase(java.util.Locale.ROOT),
                                    List.copyOf(values)));
                            handshake.handshakeChecker(uri, sent).checkHandshakeExtended(received);
                            result.complete(answered.getConnection().performUpgrade());
                        } catch (IOException e) {
                            result.completeExceptionally(e);
                        }
                    }

                    @Override
                    public void failed(IOException e) {
                        result.completeExceptionally(e);
                    }
                });
            }

            @Override
            public void failed(IOException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }
}
