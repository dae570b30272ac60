package io.swaggersocket.client;

import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.undertow.ClientWebSocketChannel;
import io.swaggersocket.undertow.RawWebSocketChannel;
import io.swaggersocket.undertow.UndertowChannel;
import io.swaggersocket.undertow.WebSocketTransport;
import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.ClientExchange;
import io.undertow.client.ClientRequest;
import io.undertow.client.ClientResponse;
import io.undertow.client.UndertowClient;
import io.undertow.connector.ByteBufferPool;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.StatusCodes;
import io.undertow.websockets.client.WebSocketClientHandshake;
import io.undertow.websockets.core.WebSocketVersion;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.xnio.ChannelListener;
import org.xnio.IoFuture;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.StreamConnection;
import org.xnio.XnioWorker;
import org.xnio.channels.StreamSourceChannel;
import org.xnio.ssl.XnioSsl;

/**
 * One WebSocket opening handshake (RFC 6455 section 4) over Undertow's HTTP client.
 *
 * <p>Undertow's own {@code WebSocketClient} is not used because, when the server answers the upgrade
 * with anything but 101, XNIO's {@code HttpUpgrade} closes the connection and fails with a bare
 * {@code org.xnio.http.UpgradeFailedException: Invalid response code 401}: the headers and the body,
 * and with them the server's reason, are gone ({@code WebSocketClientNegotiation.afterRequest} is
 * only called for a 101). Here a non-101 answer's body is read (up to {@link #MAX_BODY} bytes) and
 * a 101 is checked with Undertow's own handshake checker before the connection becomes a
 * {@link WebSocketTransport}: a {@link RawWebSocketChannel}, or with
 * {@value WebSocketTransport#FRAMING_PROPERTY}{@code =undertow} an {@link UndertowChannel} over a
 * {@link ClientWebSocketChannel}.
 *
 * <p>Callbacks run on the XNIO I/O thread; so does the completion of {@link #result()}.
 */
final class WebSocketUpgrade {
    /** The most bytes of a refusal's body kept as the server's message. */
    static final int MAX_BODY = 4096;
    private static final int MAX_MESSAGE_IN_EXCEPTION = 200;

    private final URI uri;
    private final String safeUri;
    private final List<Map.Entry<String, String>> extraHeaders;
    private final ByteBufferPool pool;
    private final WebSocketClientHandshake handshake;
    private final ConnectionConfig config;
    private final CompletableFuture<WebSocketTransport> result = new CompletableFuture<>();
    private volatile IoFuture<ClientConnection> connecting;
    private volatile ClientConnection connection;

    private WebSocketUpgrade(URI uri, String safeUri, List<Map.Entry<String, String>> extraHeaders, ByteBufferPool pool,
            ConnectionConfig config) {
        this.uri = uri;
        this.config = config;
        this.safeUri = safeUri;
        this.extraHeaders = extraHeaders;
        this.pool = pool;
        this.handshake = WebSocketClientHandshake.create(WebSocketVersion.V13, uri);
    }

    /**
     * Starts opening a WebSocket to {@code uri} (ws or wss).
     *
     * @param safeUri the address as it may appear in messages (no query, no user info)
     * @param ssl required for wss, ignored for ws
     * @param options XNIO options for the TCP (and TLS) connection
     * @param config gives the channel its size limits
     */
    static WebSocketUpgrade start(XnioWorker worker, ByteBufferPool pool, XnioSsl ssl, URI uri, String safeUri,
            List<Map.Entry<String, String>> extraHeaders, OptionMap options, ConnectionConfig config) {
        WebSocketUpgrade upgrade = new WebSocketUpgrade(uri, safeUri, extraHeaders, pool, config);
        boolean secure = "wss".equals(uri.getScheme());
        URI httpUri;
        try {
            httpUri = new URI(secure ? "https" : "http", null, uri.getHost(), port(uri), "/", null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("serverUri: " + safeUri + " has no usable host", e);
        }
        IoFuture<ClientConnection> future = UndertowClient.getInstance()
                .connect(httpUri, worker, secure ? ssl : null, pool, options);
        upgrade.connecting = future;
        future.addNotifier((f, attachment) -> {
            switch (f.getStatus()) {
                case DONE -> {
                    try {
                        upgrade.connected(f.get());
                    } catch (IOException e) {
                        upgrade.fail(e); // cannot happen for a DONE future
                    }
                }
                case FAILED -> upgrade.fail(f.getException());
                case CANCELLED -> upgrade.fail(new IOException("connecting to " + safeUri + " was cancelled"));
                default -> {
                }
            }
        }, null);
        return upgrade;
    }

    /** Completes with the open WebSocket (owned by the caller from then on) or the failure. */
    CompletableFuture<WebSocketTransport> result() {
        return result;
    }

    /** Gives up: fails the result with {@code cause} unless it is complete, and drops the connection. */
    void cancel(IOException cause) {
        if (result.completeExceptionally(cause)) {
            release();
        }
    }

    static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "wss".equals(uri.getScheme()) ? 443 : 80;
    }

    private void connected(ClientConnection conn) {
        connection = conn;
        if (result.isDone()) {
            IoUtils.safeClose(conn);
            return;
        }
        ClientRequest request = new ClientRequest().setMethod(Methods.GET).setPath(requestTarget(uri));
        var headers = request.getRequestHeaders();
        headers.put(Headers.HOST, hostHeader(uri));
        Map<String, List<String>> sent = new HashMap<>();
        handshake.createHeaders().forEach((name, value) -> {
            headers.put(new HttpString(name), value);
            sent.put(name, List.of(value));
        });
        for (Map.Entry<String, String> h : extraHeaders) {
            headers.add(new HttpString(h.getKey()), h.getValue());
        }
        conn.sendRequest(request, new ClientCallback<>() {
            @Override
            public void completed(ClientExchange exchange) {
                exchange.setResponseListener(new ClientCallback<>() {
                    @Override
                    public void completed(ClientExchange answered) {
                        responded(answered, sent);
                    }

                    @Override
                    public void failed(IOException e) {
                        fail(e);
                    }
                });
            }

            @Override
            public void failed(IOException e) {
                fail(e);
            }
        });
    }

    private void responded(ClientExchange exchange, Map<String, List<String>> sent) {
        ClientResponse response = exchange.getResponse();
        int status = response.getResponseCode();
        if (status != StatusCodes.SWITCHING_PROTOCOLS) {
            readBody(exchange.getResponseChannel(), body -> fail(refusal(status, response.getStatus(), body)));
            return;
        }
        // Undertow's checker looks names up in lower case, as XNIO's upgrade parser stores them.
        Map<String, List<String>> received = new HashMap<>();
        for (HeaderValues values : response.getResponseHeaders()) {
            received.put(values.getHeaderName().toString().toLowerCase(Locale.ROOT), new ArrayList<>(values));
        }
        WebSocketTransport channel;
        try {
            handshake.handshakeChecker(uri, sent).checkHandshakeExtended(received);
            StreamConnection upgraded = exchange.getConnection().performUpgrade();
            channel = WebSocketTransport.rawFraming() ? RawWebSocketChannel.of(upgraded, true, config)
                    // Undertow's own client channel masks uploads one byte at a time: see ClientWebSocketChannel.
                    : UndertowChannel.of(ClientWebSocketChannel.of(upgraded, safeUri, pool, OptionMap.EMPTY), config);
        } catch (IOException e) {
            fail(new IOException("the server at " + safeUri + " answered 101 but not as a WebSocket server: "
                    + e.getMessage(), e));
            return;
        }
        if (!result.complete(channel)) {
            channel.abort();
        }
    }

    private IOException refusal(int status, String reason, String body) {
        String statusLine = status + (reason == null || reason.isEmpty() ? "" : " " + reason);
        String quoted = body.isEmpty() ? "" : ": " + abbreviate(body);
        if (status == StatusCodes.UNAUTHORIZED || status == StatusCodes.FORBIDDEN) {
            return new AuthenticationException(status, body,
                    "the server at " + safeUri + " refused the WebSocket upgrade with " + statusLine + quoted);
        }
        return new IOException("expected 101 Switching Protocols from " + safeUri + " but was " + statusLine + quoted);
    }

    /** Reads up to MAX_BODY bytes of a refusal's body, then drops the connection and hands the text on. */
    private void readBody(StreamSourceChannel channel, Consumer<String> then) {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_BODY);
        ChannelListener<StreamSourceChannel> reader = new ChannelListener<>() {
            @Override
            public void handleEvent(StreamSourceChannel source) {
                try {
                    while (buffer.hasRemaining()) {
                        int n = source.read(buffer);
                        if (n == 0) {
                            source.getReadSetter().set(this);
                            source.resumeReads();
                            return;
                        }
                        if (n < 0) {
                            break;
                        }
                    }
                } catch (IOException e) {
                    // keep what arrived: the status alone says enough
                }
                source.suspendReads();
                release();
                then.accept(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip());
            }
        };
        reader.handleEvent(channel);
    }

    /** The Host header the upgrade request carries for {@code uri}. */
    static String hostHeader(URI uri) {
        return uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    }

    /** The request target of the upgrade request for {@code uri}: its raw path and query. */
    static String requestTarget(URI uri) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }

    private void fail(Throwable failure) {
        IOException e = failure instanceof IOException io ? io : new IOException(failure);
        if (result.completeExceptionally(e)) {
            release();
        }
    }

    private void release() {
        IoFuture<ClientConnection> pending = connecting;
        if (pending != null) {
            pending.cancel();
        }
        IoUtils.safeClose(connection);
    }

    private static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\s+", " ");
        return oneLine.length() <= MAX_MESSAGE_IN_EXCEPTION ? oneLine
                : oneLine.substring(0, MAX_MESSAGE_IN_EXCEPTION) + "...";
    }
}
