package io.swaggersocket.server;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One node's part of a cluster: the internal listener (where other nodes forward calls for this
 * node's agents, authenticated by the cluster secret, never on the public port) and the public
 * ingress's detour for names no agent of this node holds ({@link #publicIngress}). Thread-safe.
 *
 * <p>A call reaching the public ingress for an agent connected here is served as on one node,
 * with no lookup and no extra hop. Otherwise the directory is asked (on an ingress thread: it may
 * block up to its timeout) once the caller is authenticated and granted the name, as on one
 * node: UNKNOWN gets the usual 404; MOVING (owned, no live node: its node died or drained, its
 * agents are reconnecting) is asked again for up to {@link ServerLimits#movingAgentWait()}, and is
 * served here if the agent turns up here, forwarded if it turns up elsewhere, else gets 503 with
 * {@code Retry-After: 1}, as UNAVAILABLE (the directory cannot be asked) does; HELD goes, streamed both ways, to one owner node's internal listener
 * ({@link ForwardProxy}), which serves it from its own agents and never forwards it again (it
 * answers 503 with {@code Retry-After: 1} when its agent has just left). An owner node that
 * refuses the connection (it died; its entries last until its liveness key expires) is left out
 * and the call routed again; with no node left to try, 502, as when the node is lost before its
 * answer.
 */
final class ClusterRouting {
    private static final System.Logger LOG = System.getLogger(ClusterRouting.class.getName());
    /** Carries the cluster secret on a forwarded call; dropped before the call reaches an agent. */
    static final String SECRET_HEADER = "Swaggersocket-Cluster-Secret";
    /** Names the node that forwarded a call; dropped before the call reaches an agent. */
    static final String FORWARDED_BY_HEADER = "Swaggersocket-Forwarded-By";

    /**
     * Where the internal listener binds and the secret it demands.
     *
     * @param secret the shared cluster secret (its bytes; not shown by toString)
     */
    record Spec(String host, int port, byte[] secret) {
        Spec {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("internalListener: expected a host but was " + host);
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("internalListener: port " + port + " is out of range [0, 65535]");
            }
            if (secret == null || secret.length < 16) {
                throw new IllegalArgumentException("internalListener: expected a cluster secret of at least 16 bytes but"
                        + " it has " + (secret == null ? 0 : secret.length));
            }
            secret = secret.clone();
        }

        @Override
        public String toString() {
            return "Spec[" + host + ":" + port + "]";
        }
    }

    /** How long a cluster-wide listing waits for each other node. */
    static final Duration PEER_TIMEOUT = Duration.ofSeconds(2);

    private final AgentDirectory directory;
    private final Spec spec;
    private final AgentPool agents;
    private final ServerLimits limits;
    private final Executor threads;
    private final ForwardProxy proxy;
    /** This node's live agent connections, for the other nodes' cluster-wide listings. */
    private final java.util.function.Supplier<java.util.List<io.swaggersocket.mux.SocketConnection>> live;
    /** Asks the other nodes for their connections ({@code GET /connections?scope=cluster}). */
    private final java.net.http.HttpClient peers = java.net.http.HttpClient.newBuilder()
            .connectTimeout(PEER_TIMEOUT).build();
    /** The ingress of the internal listener: its guard is the cluster secret. */
    private final IngressHandler internal;
    private volatile ServerListener listener;

    /**
     * @param ingress makes an ingress with the guard given (the server's settings otherwise)
     */
    ClusterRouting(AgentDirectory directory, Spec spec, AgentPool agents, ServerLimits limits, Executor threads,
            java.util.function.Function<HttpGuard, IngressHandler> ingress, ServerMetrics metrics,
            java.util.function.Supplier<java.util.List<io.swaggersocket.mux.SocketConnection>> live) {
        this.live = live;
        this.directory = directory;
        this.spec = spec;
        this.agents = agents;
        this.limits = limits;
        this.threads = threads;
        this.proxy = new ForwardProxy(directory.nodeId(), new String(spec.secret(), StandardCharsets.UTF_8), limits);
        this.internal = ingress.apply(new HttpGuard(secretCheck(), metrics));
    }

    /** True if a header is the cluster's own: never passed to an agent, never trusted from a public caller. */
    static boolean isClusterHeader(String lowerCaseName) {
        return lowerCaseName.equals("swaggersocket-cluster-secret") || lowerCaseName.equals("swaggersocket-forwarded-by");
    }

    /**
     * Opens the internal listener, serving {@code /agents/...} with {@code internal}, an ingress
     * whose authenticator is the cluster secret.
     */
    void start() throws IOException {
        HttpRoutes routes = new HttpRoutes().prefix(IngressHandler.PREFIX, exchange -> {
            String name = nameOf(exchange);
            if (!hasSecret(exchange)) { // judged again by the ingress's guard; here so that nothing is told before
                UnreadBody.sendError(exchange, 401, "expected the cluster secret");
                return;
            }
            if (name != null && agents.pick(name).isEmpty()) {
                // Sent here because the directory said so: the agent left a moment ago. Not forwarded on.
                exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
                UnreadBody.sendError(exchange, 503, "agent \"" + name + "\" is moving between nodes; retry");
                return;
            }
            internal.handleRequest(exchange);
        }).exact(AdminHandler.CONNECTIONS, HttpRoutes.bodiless(exchange -> {
            if (!hasSecret(exchange)) {
                UnreadBody.sendError(exchange, 401, "expected the cluster secret");
                return;
            }
            var list = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
            live.get().forEach(c -> list.add(AdminHandler.describe(c).put("node", directory.nodeId())));
            HttpRoutes.sendJson(exchange, 200, list);
        }));
        listener = ServerListener.open(spec.host(), spec.port(), null, ClientAuth.NONE, limits, true, routes);
        LOG.log(System.Logger.Level.DEBUG, "node {0}: internal listener on {1}:{2}", directory.nodeId(), spec.host(),
                String.valueOf(listener.port()));
    }

    /** The internal listener's port; for tests and for announcing it when port 0 was asked. */
    int internalPort() {
        return listener.port();
    }

    private boolean hasSecret(HttpServerExchange exchange) {
        String given = exchange.getRequestHeaders().getFirst(SECRET_HEADER);
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), spec.secret());
    }

    /** The authenticator of the internal ingress: the cluster secret, compared in constant time. */
    private Authenticator secretCheck() {
        return request -> {
            var given = request.header(SECRET_HEADER);
            if (given.isPresent() && MessageDigest.isEqual(given.get().getBytes(StandardCharsets.UTF_8), spec.secret())) {
                return AuthResult.accept();
            }
            return AuthResult.reject(401, "expected the cluster secret");
        };
    }

    /**
     * The public ingress: {@code local} for names held here (and for whatever it refuses anyway),
     * the directory and a forward for the rest.
     */
    HttpHandler publicIngress(IngressHandler local, HttpGuard guard) {
        return exchange -> {
            String name = nameOf(exchange);
            if (name == null || agents.pick(name).isPresent()) {
                local.handleRequest(exchange);
                return;
            }
            // Never trusted from the public side: a forward sets its own.
            exchange.getRequestHeaders().remove(SECRET_HEADER);
            exchange.getRequestHeaders().remove(FORWARDED_BY_HEADER);
            dispatch(exchange, dispatched -> elsewhere(dispatched, name, local, guard));
        };
    }

    /**
     * Runs {@code next} on an ingress thread as a dispatched handler, never as a bare task: Undertow
     * then ends the exchange when it returns, unless it was dispatched on (a forward). The local
     * ingress relies on that when the agent turns up here during the wait: a blocking call it
     * answers without a body ends only that way (the soak's lost calls, RELIABILITY.md).
     */
    private void dispatch(HttpServerExchange exchange, HttpHandler next) {
        try {
            exchange.dispatch(threads, next);
        } catch (RejectedExecutionException e) { // outside a handler, dispatch runs the task at once
            if (!exchange.isResponseStarted()) {
                exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
                UnreadBody.sendError(exchange, 503, "the server is busy; retry");
            }
        }
    }

    /** On an ingress thread: judge the caller as on one node, then ask the directory. */
    private void elsewhere(HttpServerExchange exchange, String name, IngressHandler local, HttpGuard guard) {
        if (guard != null) {
            AuthResult.Accepted accepted = guard.admit(exchange, HttpGuard.Endpoint.INGRESS);
            if (accepted == null) {
                return;
            }
            if (!Grants.of(accepted.principal()).mayCall(name)) {
                UnreadBody.sendError(exchange, 403, AccessControl.who(accepted.principal())
                        + " may not call agent \"" + name + "\"");
                return;
            }
        }
        route(exchange, name, local, new java.util.HashSet<>(), System.nanoTime() + limits.movingAgentWait().toNanos());
    }

    /**
     * On an ingress thread: finds where the agent is and forwards the call there. A node that
     * refuses the forward's connection (the call has not been sent: it cannot run twice) is left
     * out and the call routed again, within the same {@link ServerLimits#movingAgentWait()}: a node that died leaves
     * entries behind until its liveness key expires.
     *
     * @param unreachable ids of the nodes this call could not reach
     * @param deadline when waiting for a moving agent ends ({@link System#nanoTime()})
     */
    private void route(HttpServerExchange exchange, String name, IngressHandler local, java.util.Set<String> unreachable,
            long deadline) {
        try {
            AgentDirectory.Lookup lookup = awaitSettled(name, unreachable, deadline);
            var nodes = candidates(lookup, unreachable);
            if (agents.pick(name).isPresent()) {
                local.handleRequest(exchange); // it came (back) here meanwhile
                return;
            }
            switch (lookup.state()) {
                case UNKNOWN -> UnreadBody.sendError(exchange, 404, "no agent named \"" + name + "\" is connected");
                case HELD -> {
                    if (!nodes.isEmpty()) {
                        AgentDirectory.Node target = nodes.get(0); // the freshest entry's node: see AgentDirectory.locate
                        proxy.forward(exchange, target, refused -> {
                            unreachable.add(target.id());
                            dispatch(refused, again -> route(again, name, local, unreachable, deadline));
                        });
                    } else if (!unreachable.isEmpty()) {
                        UnreadBody.sendError(exchange, 502, "the node holding the agent cannot be reached");
                    } else {
                        moving(exchange, name);
                    }
                }
                case MOVING -> moving(exchange, name);
                default -> {
                    exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
                    UnreadBody.sendError(exchange, 503, "the agent directory is unavailable; retry");
                }
            }
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "cluster ingress call for \"" + name + "\" failed", e);
            if (!exchange.isResponseStarted()) {
                UnreadBody.sendError(exchange, 500, "internal error");
            }
        }
    }

    /** The other live nodes holding the name, less those this call could not reach. */
    private java.util.List<AgentDirectory.Node> candidates(AgentDirectory.Lookup lookup, java.util.Set<String> unreachable) {
        return lookup.nodes().stream()
                .filter(n -> !n.id().equals(directory.nodeId()) && !unreachable.contains(n.id())).toList();
    }

    /**
     * The name's lookup, asked again (25 ms, then twice as long each time) while the agent moves
     * (owned, and no other node that this call can reach holds it), until {@code deadline}: a
     * drained or lost agent is usually back within that, and the call then goes through rather
     * than getting 503.
     */
    private AgentDirectory.Lookup awaitSettled(String name, java.util.Set<String> unreachable, long deadline)
            throws InterruptedException {
        long pause = TimeUnit.MILLISECONDS.toNanos(25);
        while (true) {
            AgentDirectory.Lookup lookup = directory.locate(name);
            boolean moving = lookup.state() == AgentDirectory.Lookup.State.MOVING
                    || lookup.state() == AgentDirectory.Lookup.State.HELD && candidates(lookup, unreachable).isEmpty();
            if (!moving || agents.pick(name).isPresent()) {
                return lookup;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return lookup;
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(pause, left)); // no event tells a node that a name came back elsewhere
            pause *= 2;
        }
    }

    private static void moving(HttpServerExchange exchange, String name) {
        exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
        UnreadBody.sendError(exchange, 503, "agent \"" + name + "\" is moving between nodes; retry");
    }

    /** The decoded agent name of an ingress path, or {@code null}. */
    private static String nameOf(HttpServerExchange exchange) {
        IngressRequest.Target target = IngressRequest.Target.of(exchange, false);
        return target == null ? null : target.name();
    }

    /** This node's id. */
    String nodeId() {
        return directory.nodeId();
    }

    /**
     * The connections of every other live node, each with its {@code node}, asked in parallel over
     * their internal listeners for up to {@link #PEER_TIMEOUT}; the ids of nodes that did not
     * answer go to {@code unreachable}.
     */
    java.util.List<com.fasterxml.jackson.databind.JsonNode> otherNodesConnections(java.util.List<String> unreachable) {
        var asked = new java.util.LinkedHashMap<String, java.util.concurrent.CompletableFuture<
                java.net.http.HttpResponse<String>>>();
        for (AgentDirectory.Node n : directory.nodes()) {
            if (!n.id().equals(directory.nodeId())) {
                asked.put(n.id(), peers.sendAsync(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://" + n.internalAddress() + AdminHandler.CONNECTIONS))
                        .header(SECRET_HEADER, new String(spec.secret(), StandardCharsets.UTF_8))
                        .timeout(PEER_TIMEOUT).build(), java.net.http.HttpResponse.BodyHandlers.ofString()));
            }
        }
        var out = new java.util.ArrayList<com.fasterxml.jackson.databind.JsonNode>();
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        asked.forEach((id, answer) -> {
            try {
                var r = answer.get(PEER_TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
                if (r.statusCode() != 200) {
                    throw new IOException("status " + r.statusCode());
                }
                mapper.readTree(r.body()).forEach(out::add);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                unreachable.add(id);
            } catch (Exception e) {
                LOG.log(System.Logger.Level.DEBUG, "node {0} did not list its connections: {1}", id, e.toString());
                unreachable.add(id);
            }
        });
        return out;
    }

    /** Closes the internal listener's socket: no new forwards come in. */
    void stopAccepting() {
        ServerListener l = listener;
        if (l != null) {
            l.closeListener();
        }
    }

    /** Lets forwarded calls write their answers, then stops the internal listener's worker and the forwarding connections. */
    void stop(Duration wait) {
        try {
            internal.awaitIdle(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ServerListener l = listener;
        if (l != null) {
            l.stopWorker(wait);
        }
        proxy.close();
    }

    @Override
    public String toString() {
        return "ClusterRouting[" + directory.nodeId() + " internal " + spec.host() + ":"
                + (listener == null ? spec.port() : listener.port()) + "]".toLowerCase(Locale.ROOT);
    }
}
