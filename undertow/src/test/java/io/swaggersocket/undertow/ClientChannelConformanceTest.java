package io.swaggersocket.undertow;

import io.swaggersocket.mux.ConnectionConfig;
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
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.websockets.client.WebSocketClientHandshake;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSocketVersion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;

/**
 * The conformance suite over real sockets with {@link ClientWebSocketChannel} on the dialing side,
 * so every body the suite sends from the dialer is masked by it and unmasked by Undertow's server.
 */
class ClientChannelConformanceTest implements ConnectionConformance {
    private static XnioWorker clientWorker;
    private static ByteBufferPool pool;

    @BeforeAll
    static void startClientWorker() throws Exception {
        clientWorker = Xnio.getInstance().createWorker(OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, 1).set(Options.THREAD_DAEMON, true).getMap());
        pool = new DefaultByteBufferPool(false, 16 * 1024);
    }

    @AfterAll
    static void stopClientWorker() {
        clientWorker.shutdownNow();
        pool.close();
    }

    @Override
    public ConnectedPair connect(ConnectionConfig config, HttpRequestHandler dialerHandler,
            HttpRequestHandler acceptorHandler) throws Exception {
        CompletableFuture<SocketConnection> accepted = new CompletableFuture<>();
        CompletableFuture<WebSocketChannel> serverSocket = new CompletableFuture<>();
        Undertow server = Undertow.builder()
                .addHttpListener(0, "127.0.0.1")
                .setIoThreads(1)
                .setHandler(Handlers.path().addExactPath("/tunnel", Handlers.websocket((exchange, channel) -> {
                    serverSocket.complete(channel);
                    SocketConnection.accept(UndertowChannel.of(channel, config), "undertow-1", null, config,
                            acceptorHandler).whenComplete((c, e) -> {
                                if (e != null) {
                                    accepted.completeExceptionally(e);
                                } else {
                                    accepted.complete(c);
                                }
                            });
                })))
                .build();
        server.start();
        int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
        WebSocketChannel clientSocket = upgrade(new URI("ws://127.0.0.1:" + port + "/tunnel")).get(10, TimeUnit.SECONDS);
        SocketConnection dialer = SocketConnection.dial(UndertowChannel.of(clientSocket, config), null, config,
                dialerHandler).get(10, TimeUnit.SECONDS);
        SocketConnection acceptor = accepted.get(10, TimeUnit.SECONDS);
        Runnable sever = () -> {
            IoUtils.safeClose(clientSocket);
            IoUtils.safeClose(serverSocket.join());
        };
        return new ConnectedPair(dialer, acceptor, sever, server::stop);
    }

    /** A bare WebSocket upgrade over Undertow's HTTP client, ending in a ClientWebSocketChannel. */
    private static CompletableFuture<WebSocketChannel> upgrade(URI uri) throws Exception {
        CompletableFuture<WebSocketChannel> result = new CompletableFuture<>();
        WebSocketClientHandshake handshake = WebSocketClientHandshake.create(WebSocketVersion.V13, uri);
        ClientConnection connection = UndertowClient.getInstance()
                .connect(new URI("http://" + uri.getHost() + ":" + uri.getPort()), clientWorker, pool, OptionMap.EMPTY)
                .get();
        ClientRequest request = new ClientRequest().setMethod(Methods.GET).setPath(uri.getPath());
        request.getRequestHeaders().put(Headers.HOST, uri.getHost() + ":" + uri.getPort());
        handshake.createHeaders().forEach((name, value) -> request.getRequestHeaders().put(new HttpString(name), value));
        connection.sendRequest(request, new ClientCallback<>() {
            @Override
            public void completed(ClientExchange exchange) {
                exchange.setResponseListener(new ClientCallback<>() {
                    @Override
                    public void completed(ClientExchange answered) {
                        if (answered.getResponse().getResponseCode() != 101) {
                            result.completeExceptionally(new IOException("expected 101 but was "
                                    + answered.getResponse().getResponseCode()));
                            return;
                        }
                        try {
                            result.complete(ClientWebSocketChannel.of(answered.getConnection().performUpgrade(),
                                    uri.toString(), pool, OptionMap.EMPTY));
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
