package io.swaggersocket.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.undertow.UndertowChannel;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.websockets.client.WebSocketClient;
import io.undertow.websockets.client.WebSocketClientNegotiation;
import io.undertow.websockets.core.WebSocketChannel;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.xnio.IoFuture;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.ssl.JsseXnioSsl;

/**
 * The dialing side for tests, without the client module: Undertow's own WebSocket client on an
 * XNIO worker of its own (daemon threads), wrapped in an {@link UndertowChannel}.
 *
 * <p>Known noise over wss: when the server closes a connection, this side often logs
 * {@code XNIO000011 ... UT000091: Buffer has already been freed} and that connection's close is
 * then never reported. Undertow 2.3.27's {@code AbstractFramedChannel} FrameCloseListener
 * (AbstractFramedChannel.java:1081) reads its freed read buffer when the connection still says
 * {@code isOpen()} after both directions were shut, which XNIO's {@code JsseXnioSsl} connection
 * does until its TLS close completes. The exception is thrown by the freed-buffer check itself, so
 * no data is touched, but the close tasks are skipped. The server and {@code SocketClient} use
 * {@code UndertowXnioSsl}, which does not do that (see {@link TlsCloseTest}).
 */
final class Dialer implements AutoCloseable {
    private final XnioWorker worker;
    private final DefaultByteBufferPool pool = new DefaultByteBufferPool(false, 16384);

    /** A dialed connection and the raw socket under it, to break it abruptly. */
    record Dialed(WebSocketChannel socket, SocketConnection connection) {
    }

    Dialer() throws IOException {
        worker = Xnio.getInstance(Dialer.class.getClassLoader()).createWorker(OptionMap.builder()
                .set(Options.WORKER_NAME, "test-dialer")
                .set(Options.WORKER_IO_THREADS, 2)
                .set(Options.THREAD_DAEMON, true)
                .getMap());
    }

    /** Opens a WebSocket to {@code uri}, adding {@code headers} to the upgrade request. */
    CompletableFuture<WebSocketChannel> open(URI uri, Map<String, String> headers, SSLContext ssl) {
        WebSocketClient.ConnectionBuilder builder = WebSocketClient.connectionBuilder(worker, pool, uri)
                .setClientNegotiation(new WebSocketClientNegotiation(List.of(), List.of()) {
                    @Override
                    public void beforeRequest(Map<String, List<String>> requestHeaders) {
                        headers.forEach((name, value) -> requestHeaders.put(name, new ArrayList<>(List.of(value))));
                    }
                });
        if (ssl != null) {
            // Not UndertowXnioSsl: as a client on TLS 1.3 it stalls after ServerHello (Undertow 2.3.27).
            builder.setSsl(new JsseXnioSsl(Xnio.getInstance(Dialer.class.getClassLoader()), OptionMap.EMPTY, ssl));
        }
        CompletableFuture<WebSocketChannel> result = new CompletableFuture<>();
        builder.connect().addNotifier(new IoFuture.HandlingNotifier<WebSocketChannel, Void>() {
            @Override
            public void handleDone(WebSocketChannel channel, Void attachment) {
                result.complete(channel);
            }

            @Override
            public void handleFailed(IOException exception, Void attachment) {
                result.completeExceptionally(exception);
            }

            @Override
            public void handleCancelled(Void attachment) {
                result.cancel(false);
            }
        }, null);
        return result;
    }

    CompletableFuture<Dialed> dial(URI uri, JsonNode metadata, HttpRequestHandler handler) {
        return dial(uri, Map.of(), metadata, handler, ConnectionConfig.defaults(), null);
    }

    CompletableFuture<Dialed> dial(URI uri, Map<String, String> headers, JsonNode metadata, HttpRequestHandler handler,
            ConnectionConfig config, SSLContext ssl) {
        return open(uri, headers, ssl).thenCompose(socket ->
                SocketConnection.dial(UndertowChannel.of(socket, config), metadata, config, handler)
                        .thenApply(connection -> new Dialed(socket, connection)));
    }

    @Override
    public void close() {
        worker.shutdownNow();
        pool.close();
    }
}
