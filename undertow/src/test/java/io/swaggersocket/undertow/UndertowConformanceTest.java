package io.swaggersocket.undertow;

import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.testing.ConnectedPair;
import io.swaggersocket.testing.ConnectionConformance;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.websockets.client.WebSocketClient;
import io.undertow.websockets.core.WebSocketChannel;
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

/** The conformance suite over real Undertow WebSockets on 127.0.0.1, both ends in this JVM. */
class UndertowConformanceTest implements ConnectionConformance, io.swaggersocket.testing.UpgradeConformance,
        io.swaggersocket.testing.ContinueConformance {
    static XnioWorker clientWorker;
    static ByteBufferPool pool;

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
        WebSocketChannel clientSocket = openClientSocket(new URI("ws://127.0.0.1:" + port + "/tunnel"));
        SocketConnection dialer = SocketConnection.dial(UndertowChannel.of(clientSocket, config), null, config,
                dialerHandler).get(10, TimeUnit.SECONDS);
        SocketConnection acceptor = accepted.get(10, TimeUnit.SECONDS);
        Runnable sever = () -> {
            IoUtils.safeClose(clientSocket);
            IoUtils.safeClose(serverSocket.join());
        };
        return new ConnectedPair(dialer, acceptor, sever, server::stop);
    }

    /** The dialing side's WebSocket; Undertow's own client here. */
    WebSocketChannel openClientSocket(URI uri) throws Exception {
        return WebSocketClient.connectionBuilder(clientWorker, pool, uri).connect().get();
    }
}
