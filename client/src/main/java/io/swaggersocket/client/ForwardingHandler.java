package io.swaggersocket.client;

import io.swaggersocket.mux.StreamContext;
import io.swaggersocket.mux.Upgrades;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.SSLContext;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpStatus;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Thread-safe: an {@link HttpRequestHandler} that forwards every request it receives to a local
 * HTTP service, so that an agent exposes that service through its tunnel:
 *
 * <pre>{@code
 * client.serve(ForwardingHandler.to(URI.create("http://127.0.0.1:8080")));
 * }</pre>
 *
 * <p>A request for {@code /pets?limit=5} goes to {@code upstream} + {@code /pets?limit=5}, path and
 * query as received (not re-encoded); an upstream with a base path such as
 * {@code http://127.0.0.1:8080/api} prefixes it ({@code /api/pets?limit=5}). Method and headers are
 * passed on, but for the hop-by-hop ones ({@code Connection} and the headers it names,
 * {@code Keep-Alive}, {@code Proxy-Connection}, {@code Proxy-Authenticate},
 * {@code Proxy-Authorization}, {@code TE}, {@code Trailer}, {@code Transfer-Encoding},
 * {@code Upgrade}) and those the handler sets itself ({@code Host}: the upstream's authority,
 * {@code Content-Length}, {@code Expect}). The upstream's status, headers (the same ones dropped)
 * and body come back.
 *
 * <p><b>Upgrades.</b> A request with {@code Upgrade} (a WebSocket, or any protocol the upstream
 * speaks; it only comes on a connection where both ends support upgrades) goes to the upstream on a
 * connection of its own; its {@code 101} switches the tunnel's stream too, and the bytes are
 * relayed both ways unchanged until both sides end or one fails (see {@link UpstreamUpgrade}).
 * A refusal is relayed as the upstream's answer. With {@link Builder#httpClient} upgrades are
 * answered 501.
 *
 * <p><b>The upstream client.</b> By default the handler speaks HTTP/1.1 itself over a bounded pool
 * of keep-alive connections to the upstream ({@link Builder#maxConnections}, default
 * {@value #DEFAULT_MAX_CONNECTIONS}; idle ones closed after {@link Builder#idleTimeout}, default
 * 30 s), relaying the request head and body and the response back as they come, without
 * re-validating or rebuilding each header. The handler's own thread does the exchange; a request
 * body that has not fully arrived yet is sent from a thread of its own, so that an upstream that
 * answers before the body ends is heard. A connection goes back to the pool only after its
 * response was read to the end and the upstream keeps it alive; before reuse it is checked for a
 * close by the upstream, and a request that still finds it closed (the upstream closed it just
 * then) is sent once more on a fresh connection when it is idempotent and has no body. With
 * {@link Builder#httpClient} the JDK's {@code java.net.http.HttpClient} given is used instead (and
 * the pool settings do not apply).
 *
 * <p>Bodies stream both ways and are never buffered whole: the request body goes upstream as it
 * is read (with its {@code Content-Length} when it has one, chunked otherwise), and the response
 * body is handed on as a streaming entity with the upstream's length and content type. A response
 * body that the upstream cuts short (the connection closes or resets before the declared length or
 * the last chunk) fails its reader with an {@link IOException}: it is never presented as complete.
 * When the caller cancels or times out (the stream's {@link StreamContext#cancellation()}), or the
 * handler's thread is interrupted, the upstream connection is closed.
 *
 * <p>The path never leaves the base path, whatever comes through the tunnel: a path with a dot
 * segment ({@code .} or {@code ..}, also as {@code %2e}, with a {@code ;parameter}, or between
 * encoded slashes or backslashes) is refused with 400, since an upstream that resolves it would
 * serve from above the base ({@code /api/../secret}). Other segments go as they are, encoded
 * slashes and empty segments ({@code //}) included: they do not climb.
 *
 * <p>Failures before the upstream's response head answer with a small JSON body
 * {@code {"error":"..."}}: 502 when the upstream cannot be reached or fails; 503 when all
 * {@link Builder#maxConnections} connections stay busy for the connect timeout; 504 when it cannot
 * be connected to within the {@link Builder#connectTimeout connect timeout}
 * ({@code "upstream URI timed out: no connection within the connect timeout"}) or does not answer
 * within the {@link Builder#requestTimeout request timeout}
 * ({@code "upstream URI timed out: no response head within the request timeout"}); 400 for a
 * request that cannot be sent (a target that is no valid URI, a header with a line break) or that
 * would leave the base path. Redirects reach the caller with the upstream's own URLs made paths of
 * what the agent exposes ({@link Builder#rewriteRedirects}); they are not followed, and no cookies
 * are kept. The server's ingress names the agent's public prefix in {@code X-Forwarded-Prefix},
 * which goes on to the upstream with the other headers.
 *
 * <p>A response body goes on as it comes: whenever the upstream has sent nothing more for the
 * moment, what has come is passed on (server-sent events and NDJSON lines are not held back until
 * a frame fills). Its {@link Builder#bodyIdleTimeout} still cuts a stream silent for that long.
 */
public final class ForwardingHandler implements HttpRequestHandler, AutoCloseable {
    /** Lower case. RFC 9110 section 7.6.1, plus what the handler sets itself. */
    static final Set<String> NOT_FORWARDED;

    static {
        Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        names.addAll(List.of("connection", "keep-alive", "proxy-connection", "proxy-authenticate",
                "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length",
                "expect"));
        NOT_FORWARDED = java.util.Collections.unmodifiableSet(names);
    }

    /** The default of {@link Builder#maxConnections}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 256; // = the default maxConcurrentStreams: no stream waits for a connection
    private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration DEFAULT_BODY_IDLE_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofMinutes(5);
    static final String CONNECT_TIMED_OUT = "no connection within the connect or request timeout";
    static final String POOL_CONNECT_TIMED_OUT = "no connection within the connect timeout";
    static final String RESPONSE_TIMED_OUT = "no response head within the request timeout";

    private final URI upstream;
    private final JdkUpstream jdk;
    private final PooledUpstream pooled;
    /** Null with a given JDK client, which cannot relay upgrades. */
    private final UpstreamUpgrade upgrades;
    /** Null when redirects are passed on untouched. */
    private final UpstreamRedirects redirects;

    private ForwardingHandler(Builder b) {
        this.upstream = b.upstream;
        String base = b.upstream.getRawPath() == null ? "" : b.upstream.getRawPath();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        this.redirects = b.rewriteRedirects ? new UpstreamRedirects(b.upstream, base) : null;
        String scheme = b.upstream.getScheme().toLowerCase(Locale.ROOT);
        if (b.client != null) {
            this.jdk = new JdkUpstream(upstream, scheme + "://" + b.upstream.getRawAuthority() + base, b.client,
                    b.requestTimeout);
            this.pooled = null;
            this.upgrades = null;
        } else {
            this.jdk = null;
            Duration connect = b.connectTimeout != null ? b.connectTimeout : DEFAULT_CONNECT_TIMEOUT;
            boolean tls = scheme.equals("https");
            int port = b.upstream.getPort() >= 0 ? b.upstream.getPort() : tls ? 443 : 80;
            UpstreamConnection.Opener opener = new UpstreamConnection.Opener(b.upstream.getHost(), port,
                    tls ? b.sslContext() : null, connect);
            UpstreamPool pool = new UpstreamPool(opener, b.maxConnections, b.idleTimeout);
            this.upgrades = new UpstreamUpgrade(upstream, base, b.upstream.getRawAuthority(), opener, b.requestTimeout);
            this.pooled = new PooledUpstream(upstream, base, b.upstream.getRawAuthority(), pool, connect,
                    b.requestTimeout, b.bodyIdleTimeout);
        }
    }

    /** A handler forwarding to {@code upstream} with every default. */
    public static ForwardingHandler to(URI upstream) {
        return builder(upstream).build();
    }

    /**
     * A builder forwarding to {@code upstream}: an absolute {@code http} or {@code https} URI, with
     * an optional base path, no query, fragment or user info.
     *
     * @throws IllegalArgumentException naming what is wrong with {@code upstream}
     */
    public static Builder builder(URI upstream) {
        return new Builder(upstream);
    }

    /** Where requests go. */
    public URI upstream() {
        return upstream;
    }

    @Override
    public void handle(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context)
            throws IOException {
        String path = request.getPath();
        String refused = refusal(path);
        if (refused != null) {
            fail(response, HttpStatus.SC_BAD_REQUEST, "cannot forward " + request.getMethod() + " " + path + ": "
                    + refused);
            return;
        }
        StreamContext stream = context != null && context.getAttribute(StreamContext.ATTRIBUTE) instanceof StreamContext s
                ? s : null;
        if (Upgrades.isRequested(request)) {
            if (upgrades == null) {
                fail(response, HttpStatus.SC_NOT_IMPLEMENTED, "cannot forward the " + request.getFirstHeader("Upgrade").getValue()
                        + " upgrade: the JDK HttpClient given to this handler cannot relay upgrades; use the default client");
            } else {
                upgrades.forward(request, path, response, stream);
            }
        } else if (jdk != null) {
            jdk.forward(request, path, response, stream);
        } else {
            pooled.forward(request, path, response, stream);
        }
        if (redirects != null) {
            redirects.apply(response);
        }
    }

    /**
     * Closes the idle pooled connections, and every other one as its exchange ends; requests that
     * come later answer 502. Does nothing with a given {@link Builder#httpClient}.
     */
    @Override
    public void close() {
        if (pooled != null) {
            pooled.close();
        }
    }

    @Override
    public String toString() {
        return "ForwardingHandler[" + upstream + "]";
    }

    /** How many connections to the upstream are open, idle and busy ones (0 with a given HttpClient). */
    int openConnections() {
        return pooled == null ? 0 : pooled.pool().open();
    }

    /** How many pooled connections wait idle. */
    int idleConnections() {
        return pooled == null ? 0 : pooled.pool().idle();
    }

    // ---------------------------------------------------------------------------------------------

    /** Why {@code path} is not forwarded, or null. */
    private static String refusal(String path) {
        if (path == null || !path.startsWith("/")) {
            return "expected a path starting with '/' but was '" + path + "'";
        }
        int query = path.indexOf('?');
        if (io.swaggersocket.mux.DotSegments.in(query < 0 ? path : path.substring(0, query))) {
            return "expected a path without dot segments ('.', '..', '%2e' and the like) but was '" + path + "'";
        }
        return null;
    }

    /** See {@link JdkUpstream#timeout}. */
    static String timeout(Throwable failure) {
        return JdkUpstream.timeout(failure);
    }

    /** The hop-by-hop names (case-insensitive), plus those listed in the {@code Connection} values given. */
    static Set<String> droppedHeaders(List<String> connectionValues) {
        Set<String> dropped = null;
        for (String value : connectionValues) {
            for (String token : value.split(",")) {
                String name = token.trim();
                if (!name.isEmpty() && !NOT_FORWARDED.contains(name)) {
                    if (dropped == null) {
                        dropped = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
                        dropped.addAll(NOT_FORWARDED);
                    }
                    dropped.add(name);
                }
            }
        }
        return dropped == null ? NOT_FORWARDED : dropped;
    }

    static void fail(ClassicHttpResponse response, int status, String error) {
        response.setCode(status);
        response.setReasonPhrase(null);
        response.setHeaders();
        response.setEntity(new StringEntity("{\"error\":" + jsonString(error) + "}", ContentType.APPLICATION_JSON));
    }

    static String describe(Throwable t) {
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null || message.isEmpty() ? "" : ": " + message);
    }

    private static String jsonString(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** Builds a {@link ForwardingHandler}; not thread-safe. */
    public static final class Builder {
        private final URI upstream;
        private HttpClient client;
        private Duration connectTimeout;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Duration bodyIdleTimeout = DEFAULT_BODY_IDLE_TIMEOUT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private SSLContext sslContext;
        private boolean poolSet;
        private boolean rewriteRedirects = true;

        private Builder(URI upstream) {
            Objects.requireNonNull(upstream, "upstream");
            String scheme = upstream.getScheme() == null ? null : upstream.getScheme().toLowerCase(Locale.ROOT);
            if (!"http".equals(scheme) && !"https".equals(scheme)) {
                throw new IllegalArgumentException("upstream: expected an http or https URI but was " + upstream);
            }
            if (upstream.getHost() == null) {
                throw new IllegalArgumentException("upstream: expected a host but " + upstream + " has none");
            }
            if (upstream.getRawUserInfo() != null) {
                throw new IllegalArgumentException("upstream: user info is not supported; "
                        + "send credentials in headers (the URI is not shown here)");
            }
            if (upstream.getRawQuery() != null || upstream.getRawFragment() != null) {
                throw new IllegalArgumentException("upstream: expected no query or fragment but was " + upstream);
            }
            this.upstream = upstream;
        }

        /**
         * Calls the upstream with this JDK client (thread-safe, shared by every request) instead of
         * the handler's own pooled HTTP/1.1 client. Its version, redirect, cookie, proxy and
         * authenticator settings apply as they are; {@link #connectTimeout}, {@link #maxConnections},
         * {@link #idleTimeout}, {@link #bodyIdleTimeout} and {@link #sslContext} do not (set the
         * client's own). It costs several times the CPU per call of the default.
         */
        public Builder httpClient(HttpClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * How long to wait to connect to the upstream (then 504), and for a free connection when
         * all {@link #maxConnections} are busy (then 503); positive. Default 10 s.
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /**
         * How long to wait for the upstream's response head once the request head is sent (then
         * 504); {@link Duration#ZERO} for no limit. Default 5 minutes, so that an upstream that never
         * answers cannot hold a stream and a connection for ever; the tunnel's caller may end the
         * call earlier (the server's ingress: 60 s), and its cancellation reaches the upstream.
         */
        public Builder requestTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("requestTimeout: " + timeout + " is negative");
            }
            this.requestTimeout = timeout;
            return this;
        }

        /**
         * How long the response body may pause (no byte from the upstream) before it is cut, the
         * caller's stream reset rather than completed; {@link Duration#ZERO} for no limit (a
         * long-lived event stream). Default 5 minutes.
         */
        public Builder bodyIdleTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("bodyIdleTimeout: " + timeout + " is negative");
            }
            this.bodyIdleTimeout = timeout;
            poolSet = true;
            return this;
        }

        /**
         * At most this many connections to the upstream, busy and idle together, in [1, 100000];
         * a request that finds them all busy waits up to the {@link #connectTimeout} for one.
         * Default {@value ForwardingHandler#DEFAULT_MAX_CONNECTIONS}.
         */
        public Builder maxConnections(int max) {
            if (max < 1 || max > 100_000) {
                throw new IllegalArgumentException("maxConnections: " + max + " is out of range [1, 100000]");
            }
            this.maxConnections = max;
            poolSet = true;
            return this;
        }

        /**
         * How long a connection may wait idle in the pool before it is closed; positive. Default
         * 30 s. An upstream that closes idle connections sooner is fine: a closed connection is
         * noticed before reuse.
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive("idleTimeout", timeout);
            poolSet = true;
            return this;
        }

        /**
         * The TLS context for an {@code https} upstream (its trust store decides which certificates
         * are trusted; the host name is always checked). Default {@link SSLContext#getDefault()}.
         */
        public Builder sslContext(SSLContext context) {
            this.sslContext = Objects.requireNonNull(context, "context");
            poolSet = true;
            return this;
        }

        /**
         * Turns the upstream's own URLs in {@code Location} and {@code Content-Location} into paths
         * of what the agent exposes, as nginx's {@code proxy_redirect default} does: with the
         * upstream {@code http://127.0.0.1:8080/api}, both {@code http://127.0.0.1:8080/api/items/}
         * and {@code /api/items/} become {@code /items/} (which the server's ingress then puts under
         * {@code /agents/NAME}). Other hosts, relative references and anything outside the base
         * path are left as they are. Default on.
         */
        public Builder rewriteRedirects(boolean on) {
            this.rewriteRedirects = on;
            return this;
        }

        private SSLContext sslContext() {
            if (sslContext != null) {
                return sslContext;
            }
            try {
                return SSLContext.getDefault();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("no default TLS context: " + e.getMessage(), e);
            }
        }

        private static Duration positive(String name, Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException(name + ": " + timeout + " is not positive");
            }
            return timeout;
        }

        /**
         * @throws IllegalStateException when {@link #httpClient} was set together with a setting of
         *         the pooled client
         */
        public ForwardingHandler build() {
            if (client != null && connectTimeout != null) {
                throw new IllegalStateException("connectTimeout: set it on the HttpClient given to httpClient()");
            }
            if (client != null && poolSet) {
                throw new IllegalStateException("maxConnections, idleTimeout, bodyIdleTimeout and sslContext "
                        + "do not apply to the HttpClient given to httpClient()");
            }
            return new ForwardingHandler(this);
        }
    }
}
