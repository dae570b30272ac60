package io.swaggersocket.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketClosedException;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.undertow.UndertowChannel;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.protocol.http.HttpOpenListener;
import io.undertow.websockets.core.WebSocketChannel;
import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.SslClientAuthMode;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;
import org.xnio.ssl.SslConnection;

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
 *     {@code -Host}) and body, both bodies streamed. Agents sharing a name take calls in turn. An
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
 *     {@code GET /metrics} (Prometheus text format 0.0.4).</li>
 * </ul>
 * The {@link Authenticator} judges every request: tunnel upgrades, admin calls, and ingress calls
 * unless {@link Builder#publicIngress} is set. It sees the request path, so one authenticator can
 * tell them apart; {@link BearerTokens} accepts the same tokens on all three.
 *
 * <p>HTTP answers of the server itself carry a JSON body {@code {"error":"..."}}: 404 for an
 * unknown path; on the tunnel path 405 for methods other than GET, 400 for a GET that is not a
 * WebSocket upgrade, 503 / 429 over a cap (below); everywhere 401 (with
 * {@code WWW-Authenticate: Bearer}) / 403 when the authenticator rejects, 500 when it throws, and
 * 503 while the server is closing.
 *
 * <p><b>Waits and caps before an agent is in</b> ({@link Builder#limits}, {@link ServerLimits}),
 * against careless and hostile callers alike, each hit counted in
 * {@code swaggersocket_limit_hits_total} and logged at most once a minute per limit:
 * <ul>
 * <li>{@link ServerLimits#requestHeadTimeout() requestHeadTimeout} (10 s): a new connection (on
 *     TLS, its handshake included) must send a whole request head within it, or is closed; so must
 *     a later request on a kept-alive connection, counted from its first bytes, however slowly the
 *     rest trickles in. The connection is closed without an answer (no 408).</li>
 * <li>{@link ServerLimits#idleTimeout() idleTimeout} (60 s): a kept-alive connection with no
 *     request after its last response is closed. Neither timeout touches a connection while a
 *     request runs (an ingress call, however long) or once it is a tunnel (the tunnel's heartbeat
 *     governs it).</li>
 * <li>A request head over 64 KiB gets 400 and a close.</li>
 * <li>{@link ServerLimits#maxPendingUpgrades() maxPendingUpgrades} (1,024) tunnel upgrades in
 *     progress, from the request to the end of the protocol handshake: more get 503 with
 *     {@code Retry-After: 1}.</li>
 * <li>{@link ServerLimits#maxConnectionsPerAddress() maxConnectionsPerAddress} (1,000) agent
 *     connections, live or in progress, per source IP address, counted before authentication, and
 *     {@link ServerLimits#maxConnectionsPerPrincipal() maxConnectionsPerPrincipal} (1,000) per
 *     principal, counted once authenticated (agents without a principal count as one): more get 429
 *     with {@code Retry-After: 5} and an error naming the limit.</li>
 * </ul>
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
    /** How long close() waits for connections that were shut down at once, and for listeners. */
    private static final Duration FORCED_CLOSE_WAIT = Duration.ofSeconds(5);
    /** Undertow's buffer size on a large heap: 16 KiB less room for TCP/IP headers. */
    private static final int BUFFER_SIZE = 16 * 1024 - 20;
    /**
     * The most bytes a request head may hold (Undertow's default: 1 MiB). Generous for a request
     * line, cookies and a signed request's headers; bounds what a caller makes the server buffer.
     */
    static final int MAX_HEAD_SIZE = 64 * 1024;

    private enum State { NEW, STARTED, CLOSING, CLOSED }

    /**
     * A received connection, its admission ticket, and a future completed once it has left the
     * registry and its event is posted.
     */
    private record Tracked(SocketConnection connection, UpgradeAdmission.Ticket ticket, CompletableFuture<Void> gone) {
    }

    private final String host;
    private final int requestedPort;
    private final String path;
    private final SSLContext sslContext;
    private final ClientAuth clientAuth;
    private final ConnectionConfig config;
    private final ServerLimits limits;
    private final HttpRequestHandler handler;
    private final HttpRoutes routes;
    private final EventDispatcher events = new EventDispatcher();
    private final AgentPool agents = new AgentPool();
    private final AccessControl access;
    private final ServerMetrics metrics = new ServerMetrics(this::activeConnections);
    /** Runs ingress calls; null without an ingress. */
    private final ExecutorService ingressThreads;
    private final IngressHandler ingress;

    private final Object lock = new Object();
    /** Written under lock; read without it where a stale value is harmless (the I/O thread's first check). */
    private volatile State state = State.NEW;
    private AcceptingChannel<? extends StreamConnection> listener; // guarded by lock
    private XnioWorker worker; // guarded by lock
    private DefaultByteBufferPool buffers; // guarded by lock
    private volatile int port = -1;

    /** Live connections by id: entered on RECEIVED, removed when closed. */
    private final Map<String, Tracked> connections = new ConcurrentHashMap<>();
    /** Ids of live connections and of those still in their handshake: a duplicate is refused. */
    private final Set<String> idsInUse = ConcurrentHashMap.newKeySet();
    /**
     * Upgrades in progress and agent connections per principal and address: each upgrade's ticket is
     * released where the registry lets go of it (refusal, failed handshake, close).
     */
    private final UpgradeAdmission admission;
    /** Channels whose handshake is running: aborted by close(). */
    private final Set<UndertowChannel> handshaking = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> stoppedAccepting = new CompletableFuture<>();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    private SocketServer(Builder b) {
        host = b.host;
        requestedPort = b.port;
        path = b.path;
        sslContext = b.sslContext;
        clientAuth = b.clientAuth;
        config = b.connectionConfig;
        limits = b.limits;
        admission = new UpgradeAdmission(limits, metrics.limits);
        handler = b.handler;
        access = new AccessControl(b.accessPolicy != null ? b.accessPolicy : b.authenticator, b.reloader, agents);
        HttpGuard guard = new HttpGuard(access, metrics);
        routes = new HttpRoutes().exact(path,
                HttpRoutes.bodiless(new TunnelHandler(guard, access, admission, b.connectionIds, new Acceptor())));
        if (b.ingress) {
            // Idle threads end after as long as a body may idle: by default, as a cached pool's do.
            ingressThreads = IngressThreads.create(limits.maxIngressCalls(), limits.bodyIdleTimeout().toNanos());
            ingress = new IngressHandler(agents, metrics, b.publicIngress ? null : guard, this::isAccepting,
                    ingressThreads, limits, config.scheduler());
            routes.prefix(IngressHandler.PREFIX, ingress);
        } else {
            ingressThreads = null;
            ingress = null;
        }
        if (b.adminApi) {
            routes.prefix(AdminHandler.CONNECTIONS, HttpRoutes.bodiless(
                            new AdminHandler(AdminHandler.Route.CONNECTIONS, guard, this, metrics)))
                    .exact(AdminHandler.HEALTHZ, HttpRoutes.bodiless(
                            new AdminHandler(AdminHandler.Route.HEALTHZ, guard, this, metrics)))
                    .exact(AdminHandler.METRICS, HttpRoutes.bodiless(
                            new AdminHandler(AdminHandler.Route.METRICS, guard, this, metrics)))
                    .exact(AdminHandler.ACCESS_RELOAD, HttpRoutes.bodiless(
                            new AdminHandler(AdminHandler.Route.ACCESS_RELOAD, guard, this, metrics)));
        }
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
        synchronized (lock) {
            if (state != State.NEW) {
                throw new IllegalStateException("start: expected a new server but it is " + state.name().toLowerCase(Locale.ROOT));
            }
            try {
                Xnio xnio = Xnio.getInstance(Undertow.class.getClassLoader());
                worker = xnio.createWorker(workerOptions());
                buffers = new DefaultByteBufferPool(true, BUFFER_SIZE, -1, 4);
                // Undertow's open listener behind one of ours, rather than Undertow.builder(): only so
                // can a connection's first request head have a deadline from its accept on.
                HttpOpenListener http = new HttpOpenListener(buffers, httpOptions());
                FirstHeadDeadline firstHead = new FirstHeadDeadline(http, limits.requestHeadTimeout());
                http.setRootHandler(firstHead.root(routes));
                InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(host), requestedPort);
                if (sslContext != null) {
                    listener = new UndertowXnioSsl(xnio, OptionMap.create(Options.USE_DIRECT_BUFFERS, true), sslContext)
                            .createSslConnectionServer(worker, address,
                                    ChannelListeners.<SslConnection>openListenerAdapter(firstHead), socketOptions());
                } else {
                    listener = worker.createStreamConnectionServer(address,
                            ChannelListeners.<StreamConnection>openListenerAdapter(firstHead), socketOptions());
                }
                listener.resumeAccepts();
                port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
                state = State.STARTED;
            } catch (IOException | RuntimeException e) {
                failStart();
                throw startFailure(e);
            }
        }
        LOG.log(System.Logger.Level.DEBUG, "listening on {0}", uri());
    }

    /** The port the listener is bound to; the real one when port 0 was asked for. */
    public int port() {
        int p = port;
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
        List<SocketConnection> out = new ArrayList<>(connections.size());
        connections.values().forEach(t -> out.add(t.connection()));
        return out;
    }

    /**
     * The live connection with {@code id}, if there is one. An agent's dial completes as it sends
     * its acknowledgement, a moment before the server has read it: an id the agent just learnt may
     * not be here yet. Wait for its RECEIVED event rather than polling.
     */
    public Optional<SocketConnection> connection(String id) {
        Tracked t = connections.get(Objects.requireNonNull(id, "id"));
        return t == null ? Optional.empty() : Optional.of(t.connection());
    }

    /**
     * The live connections whose hello metadata matches {@code filter} (which sees a JSON null
     * node for an agent that sent none).
     */
    public List<SocketConnection> connectionsByMetadata(Predicate<JsonNode> filter) {
        Objects.requireNonNull(filter, "filter");
        List<SocketConnection> out = new ArrayList<>();
        for (Tracked t : connections.values()) {
            if (filter.test(t.connection().metadata())) {
                out.add(t.connection());
            }
        }
        return out;
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
        State was;
        synchronized (lock) {
            was = state;
            if (was == State.NEW || was == State.STARTED) {
                state = was == State.NEW ? State.CLOSED : State.CLOSING;
            }
        }
        switch (was) {
            case NEW -> {
                if (ingressThreads != null) {
                    ingressThreads.shutdown();
                }
                stoppedAccepting.complete(null);
                events.shutdown(Duration.ZERO);
                terminated.complete(null);
            }
            case STARTED -> drainAndStop();
            default -> {
                if (!events.isEventThread()) {
                    terminated.join();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "SocketServer[" + host + ":" + (port < 0 ? requestedPort : port) + path + "]";
    }

    /** True while the server accepts agents and calls: started and not closing. */
    boolean isAccepting() {
        return state == State.STARTED;
    }

    /** Completes once close() has closed the listening socket; for tests. */
    CompletionStage<Void> stoppedAccepting() {
        return stoppedAccepting.minimalCompletionStage();
    }

    /** The server's counters; for tests. */
    ServerMetrics metrics() {
        return metrics;
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
    // Lifecycle

    private void drainAndStop() {
        LOG.log(System.Logger.Level.DEBUG, "{0}: closing with {1} connections", this, connections.size());
        try {
            closeListener(); // the listening socket only: the worker is ours and stopped below
            stoppedAccepting.complete(null);
            handshaking.forEach(UndertowChannel::abort);
            List<Tracked> live = List.copyOf(connections.values());
            live.forEach(t -> t.connection().shutdown());
            List<Tracked> left = awaitGone(live, config.shutdownGracePeriod());
            if (!left.isEmpty()) {
                LOG.log(System.Logger.Level.DEBUG, "{0}: {1} connections still busy after {2}; closing them at once",
                        this, left.size(), config.shutdownGracePeriod());
                left.forEach(t -> t.connection().shutdownNow());
                left = awaitGone(left, FORCED_CLOSE_WAIT);
                if (!left.isEmpty()) {
                    LOG.log(System.Logger.Level.WARNING, "{0}: {1} connections did not report their close; "
                            + "stopping the worker under them", this, left.size());
                }
            }
            awaitIngressCalls();
            stopWorker();
            if (ingressThreads != null) {
                ingressThreads.shutdown();
            }
            events.shutdown(FORCED_CLOSE_WAIT);
        } finally {
            synchronized (lock) {
                state = State.CLOSED;
            }
            terminated.complete(null);
            LOG.log(System.Logger.Level.DEBUG, "{0}: closed", this);
        }
    }

    /**
     * Lets ingress calls whose agent has just gone write their answers (a 502, the end of a body)
     * before the worker closes the clients' sockets.
     */
    private void awaitIngressCalls() {
        if (ingress == null) {
            return;
        }
        try {
            if (!ingress.awaitIdle(FORCED_CLOSE_WAIT)) {
                LOG.log(System.Logger.Level.DEBUG, "{0}: ingress calls still running after {1}; their client "
                        + "connections are closed", this, FORCED_CLOSE_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits up to {@code timeout} in all for the connections to leave; returns those that did not. */
    private static List<Tracked> awaitGone(List<Tracked> tracked, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        List<Tracked> left = new ArrayList<>();
        for (Tracked t : tracked) {
            try {
                t.gone().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
                deadline = System.nanoTime(); // stop waiting, but still account for the rest
                left.add(t);
            } catch (TimeoutException e) {
                left.add(t);
            } catch (ExecutionException e) {
                throw new AssertionError("gone futures only complete normally", e);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return left;
    }

    private void stopWorker() {
        XnioWorker w;
        synchronized (lock) {
            w = worker;
        }
        w.shutdown(); // closes the sockets still open
        try {
            if (!w.awaitTermination(FORCED_CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
                w.shutdownNow();
            }
        } catch (InterruptedException e) {
            w.shutdownNow();
            Thread.currentThread().interrupt();
        }
        // The buffer pool is left to the garbage collector: a channel's close task may still run on a
        // worker thread that shutdownNow() did not wait for, and would find its buffer freed.
    }

    private void closeListener() {
        AcceptingChannel<? extends StreamConnection> l;
        synchronized (lock) {
            l = listener;
        }
        IoUtils.safeClose(l);
    }

    /** Called holding the lock: releases whatever a failed start() had set up. */
    private void failStart() {
        state = State.CLOSED;
        IoUtils.safeClose(listener);
        if (worker != null) {
            worker.shutdownNow();
        }
        if (buffers != null) {
            buffers.close();
        }
        if (ingressThreads != null) {
            ingressThreads.shutdown();
        }
        stoppedAccepting.complete(null);
        events.shutdown(Duration.ZERO);
        terminated.complete(null);
    }

    private IOException startFailure(Exception e) {
        String where = host + ":" + requestedPort;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                BindException b = new BindException("cannot listen on " + where + ": " + t.getMessage());
                b.initCause(t);
                return b;
            }
        }
        Throwable cause = e instanceof RuntimeException && e.getCause() instanceof IOException ? e.getCause() : e;
        return new IOException("cannot listen on " + where + ": " + cause, cause);
    }

    /**
     * Undertow's options for every HTTP connection: its waits before a request and the most a request
     * head may hold.
     */
    private OptionMap httpOptions() {
        OptionMap.Builder b = OptionMap.builder()
                .set(UndertowOptions.BUFFER_PIPELINED_DATA, true) // as Undertow.builder() sets it
                // Keep-alive: no request this long after the last response closes the connection. Not
                // UndertowOptions.IDLE_TIMEOUT: that one also cuts upgraded tunnels and ingress calls
                // that are quiet for as long. Undertow stops this timer for an upgraded connection, and
                // while a request runs.
                .set(UndertowOptions.NO_REQUEST_TIMEOUT, millis(limits.idleTimeout()))
                // A head begun must be whole this long after its first bytes; later bytes do not push
                // the deadline back (a slowloris). Only closes: Undertow sends no 408.
                .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, millis(limits.requestHeadTimeout()))
                // Undertow answers a longer head 400 and closes (checked per buffer read, 16 KiB).
                .set(UndertowOptions.MAX_HEADER_SIZE, MAX_HEAD_SIZE);
        if (ingressThreads != null) {
            // Ingress bodies stream through whatever their size (the agent judges it). Undertow fixes
            // the limit of a chunked body before any handler runs, so it is set here.
            b.set(UndertowOptions.MAX_ENTITY_SIZE, -1L);
        }
        return b.getMap();
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
    }

    private OptionMap socketOptions() {
        OptionMap.Builder b = OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, worker.getIoThreadCount())
                .set(Options.TCP_NODELAY, true)
                .set(Options.REUSE_ADDRESSES, true)
                .set(Options.BALANCING_TOKENS, 1)
                .set(Options.BALANCING_CONNECTIONS, 2)
                .set(Options.BACKLOG, 1000);
        if (sslContext != null && clientAuth != ClientAuth.NONE) {
            b.set(Options.SSL_CLIENT_AUTH_MODE, clientAuth == ClientAuth.REQUIRED
                    ? SslClientAuthMode.REQUIRED : SslClientAuthMode.REQUESTED);
        }
        return b.getMap();
    }

    private static OptionMap workerOptions() {
        int ioThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
        return OptionMap.builder()
                .set(Options.WORKER_NAME, "swaggersocket-server")
                .set(Options.WORKER_IO_THREADS, ioThreads)
                // task threads only run authenticators (the protocol's handlers use the config's executor)
                .set(Options.WORKER_TASK_CORE_THREADS, ioThreads * 4)
                .set(Options.WORKER_TASK_MAX_THREADS, ioThreads * 4)
                .set(Options.CONNECTION_HIGH_WATER, 1_000_000)
                .set(Options.CONNECTION_LOW_WATER, 1_000_000)
                .set(Options.TCP_NODELAY, true)
                .getMap();
    }

    // ---------------------------------------------------------------------------------------------
    // Connections

    /** Receives upgraded sockets from the tunnel handler. */
    private final class Acceptor implements TunnelHandler.Acceptor {
        @Override
        public boolean isAccepting() {
            return state == State.STARTED; // re-checked under the lock once the socket is upgraded
        }

        @Override
        public void upgraded(WebSocketChannel socket, String id, Principal principal, String announcedName,
                UpgradeAdmission.Ticket ticket) {
            UndertowChannel channel = UndertowChannel.of(socket, config);
            String refusal = null;
            synchronized (lock) {
                if (state != State.STARTED) {
                    refusal = "server is shutting down";
                } else if (!idsInUse.add(id)) {
                    refusal = "duplicate connection id";
                } else {
                    handshaking.add(channel);
                }
            }
            if (refusal != null) {
                ticket.release();
                LOG.log(refusal.startsWith("duplicate") ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
                        "refused the socket from {0}: {1} {2}", socket.getPeerAddress(), refusal, id);
                channel.close(refusal.startsWith("duplicate") ? CloseCode.INTERNAL_ERROR.code()
                        : CloseCode.GOING_AWAY.code(), refusal);
                return;
            }
            CompletableFuture<SocketConnection> accepted;
            AtomicReference<String> claimed = new AtomicReference<>();
            try {
                accepted = SocketConnection.accept(channel, id, principal, config, handler,
                        access.helloCheck(principal, announcedName, claimed));
            } catch (RuntimeException e) {
                handshaking.remove(channel);
                idsInUse.remove(id);
                ticket.release();
                LOG.log(System.Logger.Level.WARNING, "could not start the handshake of connection " + id, e);
                channel.abort();
                return;
            }
            accepted.whenComplete((connection, failure) -> {
                handshaking.remove(channel);
                if (failure != null) {
                    if (claimed.get() != null) {
                        agents.release(claimed.get());
                    }
                    idsInUse.remove(id);
                    ticket.release();
                    LOG.log(System.Logger.Level.DEBUG, "handshake of connection {0} from {1} failed: {2}", id,
                            socket.getPeerAddress(), unwrap(failure).getMessage());
                } else {
                    received(connection, ticket);
                }
            });
        }
    }

    private void received(SocketConnection connection, UpgradeAdmission.Ticket ticket) {
        Tracked tracked = new Tracked(connection, ticket, new CompletableFuture<>());
        boolean open;
        synchronized (lock) {
            open = state == State.STARTED;
            if (open) {
                connections.put(connection.id(), tracked);
                ticket.admitted();
                agents.add(connection);
                metrics.connectionEvent(ConnectionEvent.Type.RECEIVED);
                // Posted under the lock: close() either sees this connection or refuses it, never half.
                events.post(new ConnectionEvent(ConnectionEvent.Type.RECEIVED, connection.id(), connection.metadata(),
                        null, connection));
            }
        }
        if (!open) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: handshake completed while closing; shut down at once", connection);
            String name = AgentPool.nameOf(connection);
            if (name != null) {
                agents.release(name);
            }
            idsInUse.remove(connection.id());
            ticket.release();
            connection.shutdownNow();
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "received {0}", connection);
        // Registered after RECEIVED was posted, so CLOSED / FAILURE always come after it.
        connection.closeFuture().whenComplete((ignored, failure) -> closed(tracked, failure));
        Principal principal = connection.principal().orElse(null);
        if (!access.admits(principal, AgentPool.nameOf(connection))) {
            // The policy was replaced while this one was in its handshake.
            connection.shutdownNow(CloseCode.ACCESS_REVOKED, "access revoked: the credential or grant is gone");
        }
    }

    private void closed(Tracked tracked, Throwable failure) {
        SocketConnection connection = tracked.connection();
        agents.remove(connection);
        connections.remove(connection.id(), tracked);
        metrics.connectionGone(connection);
        idsInUse.remove(connection.id());
        tracked.ticket().release();
        SocketClosedException cause = failure == null ? null : asClosed(connection, unwrap(failure));
        metrics.connectionEvent(cause == null ? ConnectionEvent.Type.CLOSED : ConnectionEvent.Type.FAILURE);
        LOG.log(System.Logger.Level.DEBUG, "{0} {1}", connection, cause == null ? "closed" : "failed: " + cause.getMessage());
        events.post(new ConnectionEvent(cause == null ? ConnectionEvent.Type.CLOSED : ConnectionEvent.Type.FAILURE,
                connection.id(), connection.metadata(), cause, connection));
        tracked.gone().complete(null);
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static SocketClosedException asClosed(SocketConnection connection, Throwable t) {
        return t instanceof SocketClosedException s ? s : new SocketClosedException(CloseCode.ABNORMAL.code(),
                "connection " + connection.id() + " failed: " + t, t);
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * Not thread-safe: configures a {@link SocketServer}; {@link #build()} validates and may be
     * called more than once.
     */
    public static final class Builder {
        private String host;
        private int port = -1;
        private String path = "/tunnel";
        private SSLContext sslContext;
        private ClientAuth clientAuth = ClientAuth.NONE;
        private Authenticator authenticator = Authenticator.acceptAll();
        private boolean customAuthenticator;
        private AccessPolicy accessPolicy;
        private java.util.concurrent.Callable<AccessPolicy> reloader;
        private ConnectionConfig connectionConfig = ConnectionConfig.defaults();
        private ServerLimits limits = ServerLimits.defaults();
        private HttpRequestHandler handler;
        private Supplier<String> connectionIds = () -> UUID.randomUUID().toString();
        private boolean ingress;
        private boolean publicIngress;
        private boolean adminApi;

        private Builder() {
        }

        /** Where to listen: a host name or address ({@code 0.0.0.0} for all), and a port (0 for any free one). */
        public Builder bind(String host, int port) {
            this.host = host;
            this.port = port;
            return this;
        }

        /** The path agents dial; default {@code /tunnel}. Exact: sub-paths get 404. */
        public Builder path(String wsPath) {
            this.path = wsPath;
            return this;
        }

        /** Serves HTTPS and wss with {@code sslContext}; without one the listener is plain HTTP. */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = sslContext;
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
            this.clientAuth = mode;
            return this;
        }

        /**
         * Judges each upgrade request, and each admin and ingress call (unless the ingress is
         * public); default: accept everyone, with no principal. {@link BearerTokens} is one.
         */
        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = authenticator;
            this.customAuthenticator = true;
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
            this.accessPolicy = Objects.requireNonNull(policy, "policy");
            this.reloader = reloader;
            return this;
        }

        /**
         * Heartbeat, limits, timeouts, the shutdown grace period and the executor for handlers, for
         * every accepted connection; default {@link ConnectionConfig#defaults()}.
         */
        public Builder connectionConfig(ConnectionConfig config) {
            this.connectionConfig = config;
            return this;
        }

        /**
         * The waits and caps of the HTTP side: ingress timeouts, request-head and idle timeouts,
         * caps on ingress calls, pending upgrades and connections per principal and address;
         * default {@link ServerLimits#defaults()}.
         */
        public Builder limits(ServerLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Answers the agents' requests on every accepted connection from its first moment. Without
         * one, agents get 503 until {@link SocketConnection#serve} is called on their connection.
         */
        public Builder handler(HttpRequestHandler handler) {
            this.handler = handler;
            return this;
        }

        /**
         * Makes the id of each new connection; default a random UUID. Called on a worker thread, once
         * per accepted upgrade; must return a non-empty string unique among the live connections (a
         * duplicate is closed with 1011).
         */
        public Builder connectionIds(Supplier<String> connectionIds) {
            this.connectionIds = connectionIds;
            return this;
        }

        /**
         * Serves the ingress, {@code ANY /agents/{name}/{path}}, on the same port: each call goes
         * to an agent whose metadata {@code name} matches (see the class description); default off.
         */
        public Builder ingress(boolean on) {
            this.ingress = on;
            return this;
        }

        /**
         * Lets ingress calls through without asking the authenticator (agents and the admin API
         * still need credentials), for services meant for everyone; default off. Needs
         * {@link #ingress(boolean) ingress(true)}.
         */
        public Builder publicIngress(boolean on) {
            this.publicIngress = on;
            return this;
        }

        /**
         * Serves the admin API on the same port: {@code /connections}, {@code /connections/{id}},
         * {@code /healthz}, {@code /metrics} (see the class description), behind the
         * authenticator; default off. With the default authenticator it is open to anyone who can
         * reach the port.
         */
        public Builder adminApi(boolean on) {
            this.adminApi = on;
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
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("host: expected a host name or address but was "
                        + (host == null ? "none (call bind(host, port))" : "\"" + host + "\""));
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " is out of range [0, 65535]");
            }
            Objects.requireNonNull(path, "path");
            if (!path.startsWith("/") || path.chars().anyMatch(c -> c == '?' || c == '#' || Character.isWhitespace(c))) {
                throw new IllegalArgumentException("path: expected an absolute path like /tunnel but was \""
                        + path + "\"");
            }
            if (ingress && under(path, IngressHandler.PREFIX)) {
                throw new IllegalArgumentException("path: " + path + " is taken by the ingress ("
                        + IngressHandler.PREFIX + "/...)");
            }
            if (adminApi && (under(path, AdminHandler.CONNECTIONS) || path.equals(AdminHandler.HEALTHZ)
                    || path.equals(AdminHandler.METRICS))) {
                throw new IllegalArgumentException("path: " + path + " is taken by the admin API");
            }
            if (publicIngress && !ingress) {
                throw new IllegalArgumentException(
                        "publicIngress: expected ingress(true) with it but the ingress is off");
            }
            Objects.requireNonNull(clientAuth, "clientCertificates");
            if (clientAuth != ClientAuth.NONE && sslContext == null) {
                throw new IllegalArgumentException("clientCertificates: expected an sslContext with " + clientAuth
                        + " but the listener is plain HTTP (call sslContext(...))");
            }
            Objects.requireNonNull(authenticator, "authenticator");
            if (accessPolicy != null && customAuthenticator) {
                throw new IllegalArgumentException("authenticator: expected either an authenticator or an access policy"
                        + " but both are set");
            }
            Objects.requireNonNull(connectionConfig, "connectionConfig");
            Objects.requireNonNull(connectionIds, "connectionIds");
            return new SocketServer(this);
        }

        private static boolean under(String path, String prefix) {
            return path.equals(prefix) || path.startsWith(prefix + "/");
        }
    }
}
