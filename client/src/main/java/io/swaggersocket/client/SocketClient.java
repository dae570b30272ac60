package io.swaggersocket.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.swaggersocket.auth.RequestSigner;
import io.swaggersocket.handshake.HandshakeException;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import java.io.Closeable;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.AbstractMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import javax.net.ssl.SSLContext;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpStatus;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Thread-safe dialing side of swaggersocket (every method may be called from any thread): opens a
 * {@link SocketConnection} to a server over a WebSocket and keeps it open.
 *
 * <pre>{@code
 * try (SocketClient client = SocketClient.builder(URI.create("wss://hub.example.com/agents"))
 *         .header("Authorization", "Bearer " + token)
 *         .metadata(Map.of("agent", "build-42"))
 *         .build()) {
 *     client.serve(myHandler);                 // the server may call us from now on
 *     SocketConnection connection = client.connect();
 *     ...
 * }
 * }</pre>
 *
 * <p>{@link #connect()} makes one attempt and reports its failure. Once it has succeeded, the
 * client keeps the connection alive: whenever the connection ends without {@link #close()} having
 * been called (lost, timed out by the heartbeat, drained or closed by the server, or closed directly
 * on the {@code SocketConnection}), it dials again after the {@link ReconnectPolicy}'s backoff. Each
 * new connection has a new id; the handler given to {@link #serve} answers on all of them.
 *
 * <p>State changes go to {@link ClientStateListener}s in order: {@code CONNECTING}, then
 * {@code CONNECTED} or {@code DISCONNECTED} (with the cause and the delay before the next
 * attempt), and {@code CLOSED} last. A 401 or 403 while reconnecting closes the client unless the
 * policy retries it. A connection the server drains is replaced once its last call has finished.
 *
 * <p>Each client owns one XNIO worker with one daemon I/O thread; {@link #close()} releases it.
 */
public final class SocketClient implements Closeable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> RESERVED_HEADERS = Set.of("host", "upgrade", "connection", "sec-websocket-key",
            "sec-websocket-version", "sec-websocket-accept", "sec-websocket-extensions", "sec-websocket-protocol",
            "content-length", "transfer-encoding");
    private static final HttpRequestHandler NO_HANDLER = (request, response, context) -> {
        response.setCode(HttpStatus.SC_SERVICE_UNAVAILABLE);
        response.setEntity(new StringEntity("this agent serves no requests", ContentType.TEXT_PLAIN));
    };

    private final String safeUri;
    private final StateEvents events;
    private final HttpRequestHandler dispatch = this::dispatch;
    /** Null when neither a registry nor an endpoint was asked for: then nothing is counted at all. */
    private final AgentMetrics metrics;
    private volatile HttpRequestHandler handler;

    /** The phase, the current connection, attempts and reconnects. */
    private final ConnectionKeeper keeper;

    private SocketClient(Builder b) {
        URI uri = b.nameInPath ? TunnelPath.withName(b.uri, b.metadata) : b.uri;
        this.safeUri = safe(uri);
        ConnectionConfig config = b.config;
        ScheduledExecutorService scheduler = b.scheduler != null ? b.scheduler : config.scheduler();
        DoubleSupplier random = b.random != null ? b.random : () -> ThreadLocalRandom.current().nextDouble();
        this.events = new StateEvents(config.executor());
        // First: if its port cannot be bound, build() fails before any thread is started.
        this.metrics = b.meterRegistry != null || b.metricsAddress != null
                ? new AgentMetrics(b.meterRegistry, b.metricsAddress) : null;
        ClientIo io;
        try {
            io = new ClientIo("wss".equals(uri.getScheme()), b.sslContext);
        } catch (IllegalStateException e) {
            if (metrics != null) {
                metrics.close();
            }
            throw e;
        }
        DialAttempt.Target target = new DialAttempt.Target(io.worker, io.pool, io.ssl, uri, safeUri, io.connectOptions,
                config, scheduler, b.metadata, List.copyOf(b.headers), b.signer, dispatch);
        this.keeper = new ConnectionKeeper(safeUri, target, b.policy, scheduler, config.executor(), random, metrics,
                events, io);
    }

    /**
     * Starts building a client for {@code serverUri}, a {@code ws://} or {@code wss://} address.
     *
     * @throws IllegalArgumentException if the address is not an absolute ws or wss URI with a host
     */
    public static Builder builder(URI serverUri) {
        return new Builder(serverUri);
    }

    /**
     * Opens a connection: one attempt, bounded by the connection config's handshake timeout as a
     * whole (TCP, TLS, upgrade and handshake). On success the client keeps the connection alive from
     * now on. On failure the client stays idle and {@code connect()} may be called again.
     *
     * @throws java.net.ConnectException the server could not be reached
     * @throws AuthenticationException the server refused the upgrade with 401 or 403
     * @throws HandshakeException the server accepted the WebSocket but not the handshake
     * @throws SocketTimeoutException the WebSocket did not open within the handshake timeout
     * @throws IOException any other failure to open the connection, or {@link #close()} meanwhile
     * @throws IllegalStateException if the client is closed, connected, or connecting already
     */
    public SocketConnection connect() throws IOException {
        return keeper.connect();
    }

    /** The current connection, if it is open (connected and not shutting down). */
    public Optional<SocketConnection> connection() {
        return keeper.connection();
    }

    /**
     * Waits until the client has an open connection, the current one or the next after a
     * reconnect, and returns it.
     *
     * @throws SocketTimeoutException no connection within {@code timeout}
     * @throws IOException the client is closed (with the reason it gave up as the cause, if any)
     */
    public SocketConnection awaitConnection(Duration timeout) throws IOException, InterruptedException {
        return keeper.awaitConnection(timeout);
    }

    /**
     * Answers the server's requests with {@code handler}, on the current connection and on every one
     * after a reconnect, replacing any earlier handler. Until a handler is set, the server gets 503.
     */
    public void serve(HttpRequestHandler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /** Tells {@code listener} of every state change from now on. */
    public void addStateListener(ClientStateListener listener) {
        events.add(listener);
    }

    public void removeStateListener(ClientStateListener listener) {
        events.remove(listener);
    }

    /** Hands a call from the server to the handler set now, counting its status class when metrics are on. */
    private void dispatch(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context)
            throws HttpException, IOException {
        HttpRequestHandler h = handler;
        AgentMetrics m = metrics;
        if (m == null) {
            (h != null ? h : NO_HANDLER).handle(request, response, context);
            return;
        }
        boolean answered = false;
        try {
            (h != null ? h : NO_HANDLER).handle(request, response, context);
            answered = true;
        } finally {
            // A handler that throws gets a 5xx from the connection (HandlerCall): count it as one.
            m.answered(answered ? response.getCode() : HttpStatus.SC_INTERNAL_SERVER_ERROR);
        }
    }

    /**
     * Where the agent's metrics endpoint listens ({@link Builder#serveMetrics(int)}), with the
     * real port when 0 was asked for; empty when it serves none.
     */
    public Optional<InetSocketAddress> metricsAddress() {
        return metrics == null ? Optional.empty() : metrics.address();
    }

    /** True once {@link #close()} was called or the client gave up reconnecting. */
    public boolean isClosed() {
        return keeper.isClosed();
    }

    /**
     * Stops reconnecting, closes the current connection gracefully (waiting up to the connection
     * config's shutdown grace period for calls in flight), releases the I/O thread, and then tells
     * the listeners {@link ClientState#CLOSED}. Idempotent. Called from a handler this client
     * serves, it waits out the grace period for that handler's own call.
     */
    @Override
    public void close() {
        keeper.close();
    }

    @Override
    public String toString() {
        return "SocketClient[" + safeUri + "]";
    }

    /** The address without user info or query, which may hold secrets; fit for messages and logs. */
    static String safe(URI uri) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getScheme() + "://" + (uri.getHost().contains(":") && !uri.getHost().startsWith("[")
                ? "[" + uri.getHost() + "]" : uri.getHost()) + ":" + WebSocketUpgrade.port(uri) + path;
    }

    /** Builds a {@link SocketClient}; not thread-safe. */
    public static final class Builder {
        private final URI uri;
        private JsonNode metadata;
        private final List<Map.Entry<String, String>> headers = new ArrayList<>();
        private RequestSigner signer;
        private SSLContext sslContext;
        private ConnectionConfig config = ConnectionConfig.defaults();
        private ReconnectPolicy policy = ReconnectPolicy.defaults();
        private ScheduledExecutorService scheduler;
        private DoubleSupplier random;
        private MeterRegistry meterRegistry;
        private InetSocketAddress metricsAddress;
        private boolean nameInPath;

        private Builder(URI serverUri) {
            this.uri = validate(serverUri);
        }

        /**
         * Metadata sent to the server in the handshake (who this agent is, what it serves): any
         * value Jackson can turn into JSON, or a {@link JsonNode}. Converted now, so a value that
         * cannot be serialized fails here.
         *
         * @throws IllegalArgumentException if Jackson cannot serialize {@code metadata}
         */
        public Builder metadata(Object metadata) {
            if (metadata == null) {
                this.metadata = null;
            } else if (metadata instanceof JsonNode node) {
                this.metadata = node.deepCopy();
            } else {
                this.metadata = MAPPER.valueToTree(metadata);
            }
            return this;
        }

        /**
         * Adds a header to the WebSocket upgrade request, such as {@code Authorization}. Repeating a
         * name sends it several times. Header values are never logged.
         *
         * @throws IllegalArgumentException if the name is not an HTTP token, the value holds a line
         *         break, or the name is one the WebSocket handshake sets itself
         */
        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (name.isEmpty() || !name.chars().allMatch(Builder::isTokenChar)) {
                throw new IllegalArgumentException("header name: \"" + name + "\" is not an HTTP token");
            }
            if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("header name: " + name + " is set by the WebSocket handshake itself");
            }
            if (!isHeaderValue(value)) {
                throw new IllegalArgumentException("header " + name + ": the value holds a line break or NUL");
            }
            headers.add(new AbstractMap.SimpleImmutableEntry<>(name, value));
            return this;
        }

        /**
         * Dials {@code <uri>/NAME} (the metadata's {@code name}, percent-encoded) instead of the
         * URI as given, so that a load balancer can hash on the name; for servers that accept it
         * (docs/PROTOCOL.md section 1). Default off; no effect for an agent without a name.
         */
        public Builder nameInPath(boolean on) {
            this.nameInPath = on;
            return this;
        }

        /**
         * Signs every upgrade request (each reconnect anew, with a fresh timestamp) with
         * {@code signer}'s access key, instead of or besides a bearer token in {@link #header}.
         */
        public Builder requestSigner(RequestSigner signer) {
            this.signer = Objects.requireNonNull(signer, "signer");
            return this;
        }

        /** The TLS context for wss addresses; default {@link SSLContext#getDefault()}. The host name is verified. */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            return this;
        }

        /** Settings, heartbeat, timeouts and threads of every connection; default {@link ConnectionConfig#defaults()}. */
        public Builder connectionConfig(ConnectionConfig config) {
            this.config = Objects.requireNonNull(config, "connectionConfig");
            return this;
        }

        /** When to reconnect after a loss; default {@link ReconnectPolicy#defaults()}. */
        public Builder reconnect(ReconnectPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "reconnect");
            return this;
        }

        /**
         * The registry the agent's meters go to: {@code swaggersocket_client_connected},
         * {@code _reconnects_total}, {@code _streams}, {@code _received_bytes_total},
         * {@code _sent_bytes_total} and {@code _requests_total{code="2xx"}} (see the README's
         * metrics section). Default: none, and nothing is counted unless {@link #serveMetrics}
         * asks for an endpoint, which then gets a private Prometheus registry with the JVM and
         * process metrics. {@link SocketClient#close()} removes the agent's meters from it.
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "meterRegistry");
            return this;
        }

        /**
         * Serves the agent's metrics as Prometheus text at {@code http://127.0.0.1:PORT/metrics}
         * (loopback only: the endpoint has no authentication), until {@link SocketClient#close()};
         * 0 picks a free port ({@link SocketClient#metricsAddress()}). Default: no endpoint.
         *
         * @throws IllegalArgumentException if {@code port} is out of [0, 65535]
         */
        public Builder serveMetrics(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("metricsPort: " + port + " is out of range [0, 65535]");
            }
            return serveMetrics(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }

        /**
         * {@link #serveMetrics(int)} on any address, for a scraper on another host: then anyone
         * who reaches it can read the metrics. The endpoint reads the registry of
         * {@link #meterRegistry} if it is a Prometheus one (or a composite holding one), and
         * otherwise answers 404 saying so. {@link #build()} fails with an
         * {@link java.io.UncheckedIOException} if the address cannot be bound.
         */
        public Builder serveMetrics(InetSocketAddress address) {
            this.metricsAddress = Objects.requireNonNull(address, "serveMetrics");
            return this;
        }

        /** Runs reconnect delays and attempt timeouts; default the connection config's scheduler. For tests. */
        Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** The source of jitter, values in [0, 1); default {@link ThreadLocalRandom}. For tests. */
        Builder random(DoubleSupplier random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** Builds the client and starts its I/O thread; nothing connects until {@link SocketClient#connect()}. */
        public SocketClient build() {
            return new SocketClient(this);
        }

        private static URI validate(URI uri) {
            Objects.requireNonNull(uri, "serverUri");
            String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!"ws".equals(scheme) && !"wss".equals(scheme)) {
                throw new IllegalArgumentException("serverUri: expected a ws:// or wss:// address but was "
                        + (scheme == null ? "a relative address" : scheme + "://"));
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("serverUri: expected a host but there is none in " + scheme + "://"
                        + (uri.getRawAuthority() == null ? "" : "..."));
            }
            if (uri.getRawUserInfo() != null) {
                throw new IllegalArgumentException("serverUri: user info is not sent; pass credentials with header()");
            }
            if (uri.getRawFragment() != null) {
                throw new IllegalArgumentException("serverUri: a WebSocket address must not have a fragment");
            }
            if (!scheme.equals(uri.getScheme())) {
                return URI.create(scheme + uri.toString().substring(uri.getScheme().length()));
            }
            return uri;
        }

        static boolean isHeaderValue(String value) {
            return value.chars().noneMatch(c -> c == '\r' || c == '\n' || c == 0);
        }

        private static boolean isTokenChar(int c) {
            return c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
        }
    }
}
