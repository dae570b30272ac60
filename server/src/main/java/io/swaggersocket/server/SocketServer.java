package io.swaggersocket.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.internal.metrics.MeterSetup;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import io.undertow.server.HttpHandler;
import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.apache.hc.core5.http.io.HttpRequestHandler;

/**
 * Thread-safe (every method may be called from any thread, a {@link ConnectionListener} included):
 * accepts agents' WebSocket tunnels on one Undertow listener and keeps a registry of the live
 * connections.
 *
 * <pre>{@code
 * try (SocketServer server = SocketServer.builder().bind("0.0.0.0", 8443).sslContext(ssl)
 *         .authenticator(tokens).handler(api).build()) {
 *     server.start();
 *     for (SocketConnection agent : server.connectionsByMetadata(m -> m.path("name").asText().equals("agent-7"))) {
 *         try (ClassicHttpResponse status = agent.execute(ClassicRequestBuilder.get("/status").build())) {
 *             ...
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>A connection enters the registry when its three-way handshake completes (event RECEIVED) and
 * leaves it when it closes (CLOSED) or fails (FAILURE). Upgrade requests are judged by the
 * {@link Authenticator} before the WebSocket handshake; a handshake that fails (bad hello,
 * timeout) is closed by the protocol core with its close code, logged at DEBUG and produces no
 * event.
 *
 * <p>The same listener can also serve, when the builder turns them on:
 * <ul>
 * <li>an <b>ingress</b> ({@link Builder#ingress}): {@code ANY /agents/{name}/{path}} is sent
 *     through the tunnel to an agent whose metadata {@code name} matches, as {@code /{path}} with
 *     its query, headers (less hop-by-hop ones, plus {@code X-Forwarded-For}, {@code -Proto},
 *     {@code -Host}, {@code -Prefix}) and body, both bodies streamed, each byte passed on as it
 *     comes (an event stream is not held back); the agent's redirects get the prefix back
 *     ({@link Builder#rewriteRedirects}). Agents sharing a name take calls in turn. An
 *     unknown name gets 404; a path with a dot segment ({@code ..}, {@code %2e%2e}, ...), 400; an
 *     agent lost before its response head, or a head that is not valid HTTP (a header name that is
 *     no token, a value with CR, LF or NUL), 502; one refusing more streams, 503 with
 *     {@code Retry-After: 1}, as does a call over {@link ServerLimits#maxIngressCalls()}; no head
 *     within {@link ServerLimits#responseHeadTimeout()} (or the connection config's request
 *     timeout), 504 with the stream reset; a request body that stalls for
 *     {@link ServerLimits#bodyIdleTimeout()} before the answer began, 408 with the stream reset. An
 *     agent lost while its response body streams resets the client connection (TCP RST), and a
 *     response body that stalls either way for {@code bodyIdleTimeout} aborts it, so that a cut body
 *     never looks whole, whatever its framing; a client that closes its connection resets its
 *     stream at once. On an authenticated ingress the server's own credentials (a {@code Bearer}
 *     Authorization header, the {@code token} query parameter, a request signature) are not passed
 *     on.</li>
 * <li>an <b>admin API</b> ({@link Builder#adminApi}): {@code GET /connections} (a JSON array of
 *     id, name, metadata, principal, remoteAddress, connectedAt, streams, bytesIn, bytesOut),
 *     {@code GET /connections/{id}}, {@code DELETE /connections/{id}} (closes it at once; 204),
 *     {@code GET /healthz} ({@code {"status":"ok","connections":N}}, 503 while closing) and
 *     {@code GET /metrics} (Prometheus text format 0.0.4, from Micrometer: see
 *     {@link Builder#meterRegistry}) and {@code GET /events}, the event stream (docs/EVENTS.md,
 *     {@link #publish}, {@link Builder#eventLimits}).</li>
 * </ul>
 * Several servers can share one agent namespace behind a load balancer ({@link
 * Builder#agentDirectory}, {@link Builder#internalListener}, docs/SCALE-OUT.md): calls for an agent
 * on another node are forwarded to it, and {@link #drain} moves a node's agents elsewhere.
 *
 * <p>The {@link Authenticator} judges every request: tunnel upgrades, admin calls, and ingress calls
 * unless {@link Builder#publicIngress} is set. It sees the request path, so one authenticator can
 * tell them apart; {@link BearerTokens} accepts the same tokens on all three.
 *
 * <p>HTTP answers of the server itself carry a JSON body {@code {"error":"..."}}: 404 for an
 * unknown path; on the tunnel path 405 for methods other than GET, 400 for a GET that is not a
 * WebSocket upgrade, 503 / 429 over a cap (below); everywhere 401 (with
 * {@code WWW-Authenticate: Bearer}) / 403 when the authenticator rejects, 500 when it throws, and
 * 503 while the server is closing.
 *
 * <p><b>Waits and caps before an agent is in</b> ({@link Builder#limits}, {@link ServerLimits}:
 * what each does, and its default, is told there), against careless and hostile callers alike:
 * a request head must come whole within {@code requestHeadTimeout} and hold at most 64 KiB; a
 * kept-alive connection idle for {@code idleTimeout} is closed; tunnel upgrades in progress, and
 * agent connections per source address and per principal, are capped. Each hit is counted in
 * {@code swaggersocket_limit_hits_total} and logged at most once a minute per limit.
 *
 * <p>The server runs Undertow on an XNIO worker of its own (I/O threads named
 * {@code swaggersocket-server I/O-n}); {@link #close()} stops it. Request handlers run on the
 * {@link ConnectionConfig#executor() executor} of the connection config; ingress calls on a pool of
 * daemon threads of the server's own ({@code swaggersocket-ingress-n}): one per call in flight and
 * one more per request body being read, reused, bounded by {@code maxIngressCalls}, ending after
 * {@code bodyIdleTimeout} idle (and releasing the selector XNIO gives each thread that blocks on a
 * socket). The timers of ingress calls run on the connection config's
 * {@link ConnectionConfig#scheduler() scheduler}.
 */
public final class SocketServer implements Closeable {
    private static final System.Logger LOG = System.getLogger(SocketServer.class.getName());
    private final String host;
    private final int requestedPort;
    private final String path;
    private final SSLContext sslContext;
    private final ClientAuth clientAuth;
    private final ConnectionConfig config;
    private final ServerLimits limits;
    private final HttpRoutes routes;
    private final EventDispatcher events = new EventDispatcher();
    private final AgentPool agents = new AgentPool();
    private final AccessControl access;
    private final ServerMetrics metrics;
    /** Sequence numbers, history and subscribers of the server's events (docs/EVENTS.md). */
    private final EventHub hub;
    /** Runs ingress calls; null without an ingress. */
    private final ExecutorService ingressThreads;
    private final IngressHandler ingress;
    private final AgentDirectory directory;
    /** The internal listener and the forwards; null unless the directory is clustered and there is an ingress. */
    private final ClusterRouting cluster;

    /**
     * The server's one lock, guarding its state ({@link ServerLifecycle}). The registry decides under
     * it whether a socket or a finished handshake gets in (and posts RECEIVED), so that close() sees
     * a connection or refuses it, never half: it is handed to the {@link ConnectionRegistry} for that.
     */
    private final Object lock = new Object();
    /** The state, and the order in which the parts start and stop. */
    private final ServerLifecycle lifecycle;

    /**
     * Upgrades in progress and agent connections per principal and address: each upgrade's ticket is
     * released where the registry lets go of it (refusal, failed handshake, close).
     */
    private final UpgradeAdmission admission;
    /** The live connections and those in their handshake. */
    private final ConnectionRegistry registry;
    private final NodeDrain drain;

    private SocketServer(ServerSettings b) {
        host = b.host;
        requestedPort = b.port;
        path = b.path;
        sslContext = b.sslContext;
        clientAuth = b.clientAuth;
        config = b.connectionConfig;
        limits = b.limits;
        metrics = new ServerMetrics(MeterSetup.of(b.meterRegistry));
        admission = new UpgradeAdmission(limits, metrics.limits);
        access = new AccessControl(b.accessPolicy != null ? b.accessPolicy : b.authenticator, b.reloader, agents);
        hub = new EventHub(b.eventLimits, metrics.hub, b.eventBackend);
        events.add(new ConnectionEvents(hub));
        directory = b.directory;
        access.requireAnnouncedNames(directory.clustered());
        drain = new NodeDrain(this::liveConnections, directory, config.scheduler());
        registry = new ConnectionRegistry(lock, () -> isAccepting() && !drain.on(), config,
                new AgentEventsHandler(hub, b.handler), access, agents, metrics, events);
        events.add(drain);
        HttpGuard guard = new HttpGuard(access, metrics);
        HttpHandler tunnel = HttpRoutes.bodiless(new TunnelHandler(path, guard, access, admission, b.connectionIds,
                registry, directory));
        routes = ServerRoutes.withTunnel(path, tunnel);
        if (b.ingress) {
            // Idle threads end after as long as a body may idle: by default, as a cached pool's do.
            ingressThreads = IngressThreads.create(limits.maxIngressCalls(), limits.bodyIdleTimeout().toNanos());
            java.util.function.Function<HttpGuard, IngressHandler> newIngress = g -> new IngressHandler(agents, metrics,
                    g, this::isAccepting, ingressThreads, limits, config.scheduler(), b.rewriteRedirects);
            ingress = newIngress.apply(b.publicIngress ? null : guard);
            cluster = directory.clustered() ? new ClusterRouting(directory, b.internal, agents, limits, ingressThreads,
                    newIngress, metrics, registry::active) : null;
            routes.prefix(IngressHandler.PREFIX, cluster == null ? ingress
                    : cluster.publicIngress(ingress, b.publicIngress ? null : guard));
        } else {
            ingressThreads = null;
            ingress = null;
            cluster = null;
        }
        if (b.adminApi) {
            ServerRoutes.mountAdmin(routes, guard, this, metrics, hub, this::isAccepting);
        }
        lifecycle = new ServerLifecycle(lock, this, new ServerLifecycle.Parts(
                () -> ServerListener.open(host, requestedPort, sslContext, clientAuth, limits, ingressThreads != null,
                        routes),
                registry, config.shutdownGracePeriod(), ingress, hub, cluster, ingressThreads, events, metrics));
    }

    /** A builder; {@link Builder#bind} is required, everything else has a default. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the listener and starts accepting agents.
     *
     * @throws BindException naming {@code host:port} when the address is taken or cannot be bound
     *         (the server is then closed)
     * @throws IOException when the server's threads cannot be started (the server is then closed)
     * @throws IllegalStateException when the server was started or closed before
     */
    public void start() throws IOException {
        lifecycle.start();
        LOG.log(System.Logger.Level.DEBUG, "listening on {0}", uri());
    }

    /** The port the listener is bound to; the real one when port 0 was asked for. */
    public int port() {
        int p = lifecycle.port();
        if (p < 0) {
            throw new IllegalStateException("port: the server was never started");
        }
        return p;
    }

    /**
     * Where agents dial: {@code ws://host:port/path}, or {@code wss://} with an SSL context, with the
     * host as bound (a wildcard address such as {@code 0.0.0.0} is not dialable: use a real name).
     */
    public URI uri() {
        try {
            return new URI(sslContext != null ? "wss" : "ws", null, host, port(), path, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("uri: host " + host + " and path " + path + " make no URI", e);
        }
    }

    /** A snapshot of the live connections, in no particular order. */
    public List<SocketConnection> activeConnections() {
        return registry.active();
    }

    /**
     * The live connection with {@code id}, if there is one. An agent's dial completes as it sends
     * its acknowledgement, a moment before the server has read it: an id the agent just learnt may
     * not be here yet. Wait for its RECEIVED event rather than polling.
     */
    public Optional<SocketConnection> connection(String id) {
        return registry.get(Objects.requireNonNull(id, "id"));
    }

    /**
     * The live connections whose hello metadata matches {@code filter} (which sees a JSON null
     * node for an agent that sent none).
     */
    public List<SocketConnection> connectionsByMetadata(Predicate<JsonNode> filter) {
        return registry.byMetadata(Objects.requireNonNull(filter, "filter"));
    }

    /**
     * Waits for a live connection whose hello metadata matches {@code filter} and returns it: one
     * already connected is returned at once, else the first matching agent to connect within
     * {@code timeout}. Woken by the server's own connection events (no polling); thread-safe, and
     * any number of callers may wait at once. The filter sees a JSON null node for an agent that
     * sent no metadata; it runs on the caller's thread and on the server's event thread, so it
     * must be quick and must not block. A server that is closed, or not started, simply never
     * gets a match, so the wait ends with the timeout.
     *
     * <pre>{@code
     * SocketConnection edge = server.awaitConnection(m -> "edge-7".equals(m.path("name").asText()),
     *         Duration.ofSeconds(30));
     * }</pre>
     *
     * @param timeout how long to wait at most; {@link Duration#ZERO} only looks at the live connections
     * @throws TimeoutException when no matching agent is connected by then
     * @throws InterruptedException when the calling thread is interrupted while waiting
     * @throws IllegalStateException when called from a {@link ConnectionListener}, whose thread
     *         delivers the very events it would wait for
     * @throws IllegalArgumentException when {@code timeout} is negative
     */
    public SocketConnection awaitConnection(Predicate<JsonNode> filter, Duration timeout)
            throws TimeoutException, InterruptedException {
        return ConnectionWaiter.await(this, events, filter, timeout);
    }

    /**
     * Replaces the access policy while the server runs, and closes at once, with close code
     * {@link CloseCode#ACCESS_REVOKED} (4007), every agent connection whose principal or
     * credential is gone from {@code policy} or whose {@code register} grant no longer covers its
     * name; the agent's redial is then refused. Requests judged from now on see the new policy;
     * signatures accepted under the old one stay remembered, so a replay is still refused.
     *
     * @return how many connections were closed
     * @throws IllegalStateException when the server was built with a custom
     *         {@link Builder#authenticator} rather than {@link Builder#accessPolicy}
     */
    public int updateAccessPolicy(AccessPolicy policy) {
        return access.replace(Objects.requireNonNull(policy, "policy"), activeConnections());
    }

    /**
     * Reads the policy again with the reloader given to {@link Builder#accessPolicy(AccessPolicy,
     * java.util.concurrent.Callable)} and applies it as {@link #updateAccessPolicy} does. When
     * the reloader fails (a file that does not parse), nothing changes and its exception is
     * thrown.
     *
     * @return how many connections were closed
     * @throws IOException from the reloader, saying what is wrong (an access file: the line at fault)
     * @throws IllegalStateException when the server has no reloader
     */
    public int reloadAccessPolicy() throws IOException {
        return access.reload(activeConnections());
    }

    /** True if {@link #reloadAccessPolicy} can be called. */
    boolean canReloadAccess() {
        return access.canReload();
    }

    /**
     * Publishes {@code event} to the server's event stream ({@code GET /events}, docs/EVENTS.md):
     * stamps its time (if unset), the next sequence number and the epoch. Never blocks, except with a shared
     * {@link Builder#eventBackend}: then it waits for the log's number, at most the log's timeout.
     *
     * @return its sequence number; 0 once the server is closed, or when a shared {@link EventBackend}
     *         cannot be reached (the event goes nowhere: docs/EVENTS.md, "In a cluster")
     * @throws IllegalArgumentException for the server's own types {@code connections} and {@code websocket}
     */
    public long publish(io.swaggersocket.events.Event event) {
        return hub.publishApplication(event);
    }

    /**
     * Starts draining this node (also {@code POST /admin/drain}, and SIGTERM in the CLI): new tunnels
     * get 503 and {@code /healthz} answers 503 {@code {"status":"draining"}}, so that balancers stop
     * sending; after {@code handoff} (time for their health checks to notice), every agent gets
     * GOAWAY: its calls in flight finish and it dials again at once, reaching another node. Ingress
     * calls go on meanwhile (in a cluster, forwarded to where the agents went). Returns at once;
     * idempotent. Call {@link #close()} once the returned stage completes (no agent left).
     */
    public CompletionStage<Void> drain(Duration handoff) {
        if (lifecycle.ifStarted(drain::mark)) {
            drain.schedule(this, Objects.requireNonNull(handoff, "handoff"), registry::active);
        }
        return drain.drained();
    }

    private int liveConnections() {
        return registry.size();
    }

    /** True once {@link #drain()} has begun. */
    public boolean isDraining() {
        return drain.on();
    }

    /**
     * Registers {@code listener} for every event posted from now on, until removed. Adding the same
     * listener twice makes it receive each event twice.
     */
    public void addListener(ConnectionListener listener) {
        events.add(listener);
    }

    /** Stops {@code listener} receiving events (one registration of it). */
    public void removeListener(ConnectionListener listener) {
        events.remove(listener);
    }

    /**
     * Stops the server gracefully. Closes the listening socket (no new agent gets in), sends GOAWAY
     * on every connection and lets the streams in flight finish for up to the connection config's
     * {@link ConnectionConfig#shutdownGracePeriod() shutdownGracePeriod}, then closes the
     * remaining connections at once, stops the XNIO worker, and delivers the last events. Returns
     * when all that is done; idempotent: a second call waits for the first (unless made from a
     * listener, where it returns at once). Called from a request handler, it waits for that
     * handler's own stream until the grace period ends: call it from another thread.
     */
    @Override
    public void close() {
        lifecycle.close();
    }

    @Override
    public String toString() {
        return "SocketServer[" + host + ":" + (lifecycle.port() < 0 ? requestedPort : lifecycle.port()) + path + "]";
    }

    /** True while the server accepts agents and calls: started and not closing. */
    boolean isAccepting() {
        return lifecycle.isAccepting();
    }

    /** Completes once close() has closed the listening socket; for tests. */
    CompletionStage<Void> stoppedAccepting() {
        return lifecycle.stoppedAccepting();
    }

    /** The internal listener and forwards of a cluster node; null on a single node. */
    ClusterRouting cluster() {
        return cluster;
    }

    /** The server's counters; for tests. */
    ServerMetrics metrics() {
        return metrics;
    }

    /** The event hub; for tests. */
    EventHub hub() {
        return hub;
    }

    /** The caps on upgrades and agent connections, with their counts; for tests. */
    UpgradeAdmission admission() {
        return admission;
    }

    /** The handler chain, where later features mount more HTTP handlers on the same port. */
    HttpRoutes routes() {
        return routes;
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * Not thread-safe: configures a {@link SocketServer}; {@link #build()} validates and may be
     * called more than once.
     */
    public static final class Builder {
        /** What the setters record; build() checks it. */
        private final ServerSettings settings = new ServerSettings();

        private Builder() {
        }

        /** Where to listen: a host name or address ({@code 0.0.0.0} for all), and a port (0 for any free one). */
        public Builder bind(String host, int port) {
            settings.host = host;
            settings.port = port;
            return this;
        }

        /**
         * The path agents dial; default {@code /tunnel}. {@code /tunnel/NAME} (one percent-encoded
         * segment) is the same tunnel with the agent's name in the path, for a load balancer to
         * hash on; deeper sub-paths get 404.
         */
        public Builder path(String wsPath) {
            settings.path = wsPath;
            return this;
        }

        /** Serves HTTPS and wss with {@code sslContext}; without one the listener is plain HTTP. */
        public Builder sslContext(SSLContext sslContext) {
            settings.sslContext = sslContext;
            return this;
        }

        /**
         * Asks TLS clients (agents, ingress and admin callers alike) for a certificate; default
         * {@link ClientAuth#NONE}. The trust managers of the {@link #sslContext SSL context} decide
         * which certificates are valid (see {@link PemTls#serverContext(java.nio.file.Path,
         * java.nio.file.Path, java.nio.file.Path)}); the {@link Authenticator} finds the verified
         * chain in {@link UpgradeRequest#clientCertificates()}. Needs an SSL context.
         */
        public Builder clientCertificates(ClientAuth mode) {
            settings.clientAuth = mode;
            return this;
        }

        /**
         * Judges each upgrade request, and each admin and ingress call (unless the ingress is
         * public); default: accept everyone, with no principal. {@link BearerTokens} is one.
         */
        public Builder authenticator(Authenticator authenticator) {
            settings.authenticator = authenticator;
            settings.customAuthenticator = true;
            return this;
        }

        /**
         * Judges every request by {@code policy}: who may connect agents of which names, call which
         * agents through the ingress, and administer which connections (see {@link AccessPolicy}
         * and {@link Grants}). The policy can be replaced while the server runs
         * ({@link SocketServer#updateAccessPolicy}). Not together with {@link #authenticator}.
         */
        public Builder accessPolicy(AccessPolicy policy) {
            return accessPolicy(policy, null);
        }

        /**
         * {@link #accessPolicy(AccessPolicy)}, with a way to read it again: what
         * {@link SocketServer#reloadAccessPolicy()} and the admin API's {@code POST /access/reload}
         * call, for example {@code () -> AccessPolicy.read(file)}.
         */
        public Builder accessPolicy(AccessPolicy policy, java.util.concurrent.Callable<AccessPolicy> reloader) {
            settings.accessPolicy = Objects.requireNonNull(policy, "policy");
            settings.reloader = reloader;
            return this;
        }

        /**
         * Heartbeat, limits, timeouts, the shutdown grace period and the executor for handlers, for
         * every accepted connection; default {@link ConnectionConfig#defaults()}.
         */
        public Builder connectionConfig(ConnectionConfig config) {
            settings.connectionConfig = config;
            return this;
        }

        /**
         * The waits and caps of the HTTP side: ingress timeouts, request-head and idle timeouts,
         * caps on ingress calls, pending upgrades and connections per principal and address;
         * default {@link ServerLimits#defaults()}.
         */
        public Builder limits(ServerLimits limits) {
            settings.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** The bounds of the event hub and of {@code /events} subscribers; default {@link EventLimits#defaults()}. */
        public Builder eventLimits(EventLimits limits) {
            settings.eventLimits = Objects.requireNonNull(limits, "eventLimits");
            return this;
        }

        /**
         * Answers the agents' requests on every accepted connection from its first moment. Without
         * one, agents get 503 until {@link SocketConnection#serve} is called on their connection.
         */
        public Builder handler(HttpRequestHandler handler) {
            settings.handler = handler;
            return this;
        }

        /**
         * Makes the id of each new connection; default a random UUID. Called on a worker thread, once
         * per accepted upgrade; must return a non-empty string unique among the live connections (a
         * duplicate is closed with 1011).
         */
        public Builder connectionIds(Supplier<String> connectionIds) {
            settings.connectionIds = connectionIds;
            return this;
        }

        /**
         * Serves the ingress, {@code ANY /agents/{name}/{path}}, on the same port: each call goes
         * to an agent whose metadata {@code name} matches (see the class description); default off.
         */
        public Builder ingress(boolean on) {
            settings.ingress = on;
            return this;
        }

        /**
         * Lets ingress calls through without asking the authenticator (agents and the admin API
         * still need credentials), for services meant for everyone; default off. Needs
         * {@link #ingress(boolean) ingress(true)}.
         */
        public Builder publicIngress(boolean on) {
            settings.publicIngress = on;
            return this;
        }

        /**
         * Puts an agent's prefix back into the {@code Location} and {@code Content-Location} of its
         * answers, as nginx's {@code proxy_redirect default} does: {@code /items/} from agent NAME
         * reaches the client as {@code /agents/NAME/items/}, and so does an absolute URL of the host
         * the client called; relative references, other hosts, protocol-relative URLs
         * ({@code //host/x}) and references already under {@code /agents/NAME/} are left as they
         * are. Default on. Every ingress call also tells its agent the prefix in
         * {@code X-Forwarded-Prefix} (replacing the client's), whatever this says.
         */
        public Builder rewriteRedirects(boolean on) {
            settings.rewriteRedirects = on;
            return this;
        }

        /**
         * Serves the admin API on the same port: {@code /connections}, {@code /connections/{id}},
         * {@code /healthz}, {@code /metrics} (see the class description), behind the
         * authenticator; default off. With the default authenticator it is open to anyone who can
         * reach the port.
         */
        public Builder adminApi(boolean on) {
            settings.adminApi = on;
            return this;
        }

        /**
         * The registry the server's meters go to (see the README's metrics section for the
         * series). Default: none given, and the server keeps a private Prometheus registry with
         * the JVM and process metrics bound to it, for {@code /metrics}. With a registry given,
         * the meters go there only and no JVM binder is bound (bind them yourself, once per
         * registry); {@code /metrics} then serves it if it is a {@code PrometheusMeterRegistry},
         * or the first one inside a {@code CompositeMeterRegistry}, and otherwise answers 404
         * saying so. {@link SocketServer#close()} removes the server's meters from it. Give each
         * server in one registry distinct common tags, or their series would merge.
         */
        public Builder meterRegistry(MeterRegistry registry) {
            settings.meterRegistry = Objects.requireNonNull(registry, "meterRegistry");
            return this;
        }

        /**
         * Where agent names are claimed and found across the nodes of a cluster; default
         * {@link AgentDirectory#local()} (one node). The caller owns it and closes it after the server.
         */
        public Builder agentDirectory(AgentDirectory directory) {
            settings.directory = Objects.requireNonNull(directory, "agentDirectory");
            return this;
        }

        /**
         * The log that numbers and orders the server's events; default {@link EventBackend#local()}. A
         * shared one (module {@code swaggersocket-cluster}) makes {@code /events} cluster-wide
         * (docs/EVENTS.md). The caller owns it and closes it after the server.
         */
        public Builder eventBackend(EventBackend log) {
            settings.eventBackend = Objects.requireNonNull(log, "eventBackend");
            return this;
        }

        /**
         * The internal listener of a cluster node: where other nodes forward ingress calls for this
         * node's agents, each carrying {@code secret} (shared by the cluster, at least 16 bytes).
         * Bind it to a loopback or private address, never the public one. Needed with a clustered
         * {@link #agentDirectory} and an ingress; port 0 takes a free one.
         */
        public Builder internalListener(String host, int port, byte[] secret) {
            settings.internal = new ClusterRouting.Spec(host, port, secret);
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the value at fault: no or blank host, a port out
         *         of [0, 65535], a path that does not start with '/' or holds '?', '#' or whitespace,
         *         a path taken by the ingress or the admin API, a public ingress without an ingress,
         *         client certificates without an SSL context
         * @throws NullPointerException for a null client auth mode, authenticator, connection config
         *         or id supplier
         */
        public SocketServer build() {
            return new SocketServer(settings.validated());
        }
    }
}
