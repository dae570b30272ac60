package io.swaggersocket.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.swaggersocket.internal.metrics.PrometheusScrape;
import io.swaggersocket.mux.SocketConnection;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The admin API, one instance per route: {@code GET /connections}, {@code GET} and {@code DELETE
 * /connections/{id}}, {@code GET /healthz}, {@code GET /metrics}, {@code POST /access/reload} and
 * {@code POST /admin/drain} (202; see {@link SocketServer#drain(java.time.Duration)}). On a cluster
 * node each listed connection carries its {@code node}, and {@code GET /connections?scope=cluster}
 * adds those of the other nodes (see {@link ClusterRouting#otherNodesConnections}).
 * Thread-safe. Every call but {@code /healthz} is authenticated first (on a worker thread, since
 * an authenticator may block), so that nothing, not even which methods a path allows, is told to
 * a caller without credentials; then it answers only within the caller's {@code admin} grant:
 * listings leave out what it may not administer, a connection it may not administer is 403, the
 * server-wide metrics and reloads need {@code admin: ["*"]}. {@code /healthz} is public for load
 * balancers and says only whether the server is up or draining.
 */
final class AdminHandler implements HttpHandler {
    static final String CONNECTIONS = "/connections";
    static final String HEALTHZ = "/healthz";
    static final String METRICS = "/metrics";
    static final String ACCESS_RELOAD = "/access/reload";
    static final String DRAIN = "/admin/drain";
    /** How long {@code POST /admin/drain} lets balancers see /healthz fail before GOAWAY, unless {@code ?handoff=SECONDS}. */
    static final java.time.Duration DRAIN_HANDOFF = java.time.Duration.ofSeconds(2);
    /** The prefix of the per-agent series: the only ones a tenant's scrape holds. */
    private static final String AGENT_SERIES = "swaggersocket_agent_";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    enum Route { CONNECTIONS, HEALTHZ, METRICS, ACCESS_RELOAD, DRAIN }

    private final Route route;
    private final HttpGuard guard;
    private final SocketServer server;
    private final ServerMetrics metrics;

    AdminHandler(Route route, HttpGuard guard, SocketServer server, ServerMetrics metrics) {
        this.route = route;
        this.guard = guard;
        this.server = server;
        this.metrics = metrics;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (exchange.isInIoThread()) {
            exchange.dispatch(this); // the authenticator may block: on the worker's task threads
            return;
        }
        HttpString method = exchange.getRequestMethod();
        boolean read = method.equals(Methods.GET) || method.equals(Methods.HEAD);
        if (route == Route.HEALTHZ) {
            if (allowed(exchange, read, "GET, HEAD")) {
                boolean up = server.isAccepting() && !server.isDraining();
                HttpRoutes.sendJson(exchange, up ? 200 : 503, JSON.objectNode().put("status", up ? "ok" : "draining"));
            }
            return;
        }
        AuthResult.Accepted accepted = guard.admit(exchange, HttpGuard.Endpoint.ADMIN);
        if (accepted == null) {
            return;
        }
        Principal principal = accepted.principal();
        Grants grants = Grants.of(principal);
        switch (route) {
            case ACCESS_RELOAD -> reload(exchange, method, principal, grants);
            case DRAIN -> drain(exchange, method, principal, grants);
            case METRICS -> {
                if (allowed(exchange, read, "GET, HEAD")) {
                    if (grants.admin().isEmpty()) {
                        HttpRoutes.sendError(exchange, 403, AccessControl.who(principal) + " has no admin grant");
                        return;
                    }
                    Optional<PrometheusMeterRegistry> registry = metrics.setup().prometheus();
                    if (registry.isEmpty()) {
                        HttpRoutes.sendError(exchange, 404, metrics.setup().noPrometheusReason());
                        return;
                    }
                    // Admin of everything reads the whole registry; others only their agents' series.
                    byte[] text = grants.adminsEverything() ? PrometheusScrape.all(registry.get())
                            : PrometheusScrape.only(registry.get(), name -> name.startsWith(AGENT_SERIES), "agent",
                                    agent -> grants.mayAdmin(agent.isEmpty() ? null : agent));
                    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, PrometheusScrape.CONTENT_TYPE);
                    exchange.setResponseContentLength(text.length);
                    exchange.getResponseSender().send(ByteBuffer.wrap(text));
                }
            }
            case CONNECTIONS -> connections(exchange, method, read, principal, grants);
            default -> throw new AssertionError(route);
        }
    }

    private void reload(HttpServerExchange exchange, HttpString method, Principal principal, Grants grants) {
        if (!allowed(exchange, method.equals(Methods.POST), "POST")) {
            return;
        }
        if (!grants.adminsEverything()) {
            HttpRoutes.sendError(exchange, 403, AccessControl.who(principal) + " may not reload the access policy: it"
                    + " needs admin: [\"*\"]");
            return;
        }
        if (!server.canReloadAccess()) {
            HttpRoutes.sendError(exchange, 409, "this server has no access policy to reload (it was not started"
                    + " with an access file)");
            return;
        }
        try {
            int closed = server.reloadAccessPolicy();
            HttpRoutes.sendJson(exchange, 200, JSON.objectNode().put("reloaded", true).put("closedConnections", closed));
        } catch (IOException e) {
            HttpRoutes.sendError(exchange, 422, e.getMessage() + "; the previous access policy stays");
        }
    }

    private void drain(HttpServerExchange exchange, HttpString method, Principal principal, Grants grants) {
        if (!allowed(exchange, method.equals(Methods.POST), "POST")) {
            return;
        }
        if (!grants.adminsEverything()) {
            HttpRoutes.sendError(exchange, 403, AccessControl.who(principal) + " may not drain the server: it needs"
                    + " admin: [\"*\"]");
            return;
        }
        String asked = exchange.getQueryParameters().containsKey("handoff")
                ? exchange.getQueryParameters().get("handoff").getFirst() : null;
        long seconds;
        try {
            seconds = asked == null ? DRAIN_HANDOFF.toSeconds() : Long.parseLong(asked);
        } catch (NumberFormatException e) {
            seconds = -1;
        }
        if (seconds < 0 || seconds > 300) {
            HttpRoutes.sendError(exchange, 400, "handoff: expected seconds in [0, 300] but was \"" + asked + "\"");
            return;
        }
        server.drain(java.time.Duration.ofSeconds(seconds));
        HttpRoutes.sendJson(exchange, 202, JSON.objectNode().put("status", "draining").put("handoffSeconds", seconds)
                .put("connections", server.activeConnections().size()));
    }

    private void connections(HttpServerExchange exchange, HttpString method, boolean read, Principal principal,
            Grants grants) {
        String rest = exchange.getRelativePath(); // decoded, after /connections
        if (rest.isEmpty() || rest.equals("/")) {
            if (allowed(exchange, read, "GET, HEAD")) {
                var scopes = exchange.getQueryParameters().get("scope");
                String scope = scopes == null ? "node" : scopes.getFirst();
                if (!scope.equals("node") && !scope.equals("cluster")) {
                    HttpRoutes.sendError(exchange, 400, "scope: expected node or cluster but was \"" + scope + "\"");
                    return;
                }
                ClusterRouting cluster = server.cluster();
                List<SocketConnection> all = new ArrayList<>(server.activeConnections());
                all.removeIf(c -> !grants.mayAdmin(AgentPool.nameOf(c)));
                all.sort(Comparator.comparing(SocketConnection::connectedAt).thenComparing(SocketConnection::id));
                ArrayNode list = JSON.arrayNode();
                all.forEach(c -> list.add(cluster == null ? describe(c) : describe(c).put("node", cluster.nodeId())));
                if (scope.equals("cluster") && cluster != null) {
                    // Other nodes list everything; what this caller may see is judged here, as for our own.
                    List<String> unreachable = new ArrayList<>();
                    cluster.otherNodesConnections(unreachable).stream()
                            .filter(c -> grants.mayAdmin(c.path("name").isTextual() ? c.path("name").asText() : null))
                            .forEach(list::add);
                    if (!unreachable.isEmpty()) {
                        exchange.getResponseHeaders().put(io.undertow.util.HttpString.tryFromString(
                                "Swaggersocket-Unreachable-Nodes"), String.join(",", unreachable));
                    }
                }
                HttpRoutes.sendJson(exchange, 200, list);
            }
            return;
        }
        String id = rest.substring(1);
        boolean delete = method.equals(Methods.DELETE);
        if (!allowed(exchange, read || delete, "GET, HEAD, DELETE")) {
            return;
        }
        Optional<SocketConnection> connection = server.connection(id);
        if (connection.isEmpty()) {
            HttpRoutes.sendError(exchange, 404, "no connection " + id);
        } else if (!grants.mayAdmin(AgentPool.nameOf(connection.get()))) {
            HttpRoutes.sendError(exchange, 403, AccessControl.who(principal) + " may not administer connection " + id);
        } else if (delete) {
            connection.get().shutdownNow();
            exchange.setStatusCode(204);
            exchange.endExchange();
        } else {
            HttpRoutes.sendJson(exchange, 200, describe(connection.get()));
        }
    }

    private static boolean allowed(HttpServerExchange exchange, boolean allowed, String allow) {
        if (!allowed) {
            exchange.getResponseHeaders().put(Headers.ALLOW, allow);
            HttpRoutes.sendError(exchange, 405, "expected " + allow + " on " + exchange.getRequestPath() + " but was "
                    + exchange.getRequestMethod());
        }
        return allowed;
    }

    static ObjectNode describe(SocketConnection c) {
        ObjectNode node = JSON.objectNode();
        node.put("id", c.id());
        node.put("name", AgentPool.nameOf(c));
        node.set("metadata", c.metadata() == null ? JSON.nullNode() : c.metadata());
        node.put("principal", c.principal().map(Principal::getName).orElse(null));
        node.put("credential", c.principal().filter(GrantedPrincipal.class::isInstance)
                .map(p -> ((GrantedPrincipal) p).credential()).orElse(null));
        node.put("remoteAddress", address(c.remoteAddress()));
        node.put("connectedAt", c.connectedAt().toString());
        node.put("streams", c.activeStreams());
        node.put("bytesIn", c.bytesIn());
        node.put("bytesOut", c.bytesOut());
        return node;
    }

    /** {@code host:port}, IPv6 hosts in brackets; {@code null} when the transport has no address. */
    static String address(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            String host = inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return address == null ? null : address.toString();
    }
}
