package io.swaggersocket.undertow;

import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.ClientExchange;
import io.undertow.client.ClientRequest;
import io.undertow.client.UndertowClient;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.websockets.client.WebSocketClientHandshake;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSocketVersion;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.xnio.OptionMap;

/**
 * The conformance suite over real sockets with {@link ClientWebSocketChannel} on the dialing side
 * (the server side is {@link UndertowConformanceTest}'s),
 * so every body the suite sends from the dialer is masked by it and unmasked by Undertow's server.
 */
class ClientChannelConformanceTest extends UndertowConformanceTest {

    @Override
    WebSocketChannel openClientSocket(URI uri) throws Exception {
        return upgrade(uri).get(10, TimeUnit.SECONDS);
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
