package io.swaggersocket.server;

import io.undertow.attribute.ExchangeAttributes;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.proxy.LoadBalancingProxyClient;
import io.undertow.server.handlers.proxy.ProxyCallback;
import io.undertow.server.handlers.proxy.ProxyClient;
import io.undertow.server.handlers.proxy.ProxyConnection;
import io.undertow.server.handlers.proxy.ProxyHandler;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HttpString;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.xnio.OptionMap;
import org.xnio.Options;

/**
 * Forwards a call, streamed both ways, to another node's internal listener with Undertow's
 * reverse proxy: one kept-alive connection pool per node, no retry (a call is forwarded once),
 * the cluster secret and this node's id added, {@code X-Forwarded-For} extended. A node that
 * cannot be reached gives 502, as an agent lost before its answer does on one node. Thread-safe.
 */
final class ForwardProxy implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ForwardProxy.class.getName());
    /** Kept-alive connections to one node per I/O thread. */
    private static final int CONNECTIONS_PER_THREAD = 16;

    /** Added to the owner node's own waits: its timers answer first, these only catch a node gone silent. */
    static final Duration SILENT_NODE_MARGIN = Duration.ofSeconds(30);

    private final String nodeId;
    private final String secret;
    private final OptionMap connectionOptions;
    private final Map<String, Route> byAddress = new ConcurrentHashMap<>();

    private record Route(LoadBalancingProxyClient client, ProxyHandler handler) {
    }

    ForwardProxy(String nodeId, String secret, ServerLimits limits) {
        this(nodeId, secret, silentNodeTimeout(limits));
    }

    ForwardProxy(String nodeId, String secret, Duration silentNodeTimeout) {
        this.nodeId = nodeId;
        this.secret = secret;
        // The owner node answers 504 after its response-head timeout and cuts a body idle for its
        // body-idle timeout; a node that says nothing for longer than both (half-open, stalled) is
        // gone, and the forwarded call must fail rather than wait for ever.
        long silentMillis = Math.min(Integer.MAX_VALUE, silentNodeTimeout.toMillis());
        this.connectionOptions = OptionMap.builder()
                .set(Options.READ_TIMEOUT, (int) silentMillis)
                .set(Options.WRITE_TIMEOUT, (int) silentMillis)
                .getMap();
    }

    /** How long a forward waits for any byte to or from the owner node before it gives up on it. */
    static Duration silentNodeTimeout(ServerLimits limits) {
        Duration longest = limits.responseHeadTimeout().compareTo(limits.bodyIdleTimeout()) > 0
                ? limits.responseHeadTimeout() : limits.bodyIdleTimeout();
        return longest.plus(SILENT_NODE_MARGIN);
    }

    /** What a call does when its node refuses the connection: nothing of it was sent yet. */
    private static final AttachmentKey<Consumer<HttpServerExchange>> REFUSED = AttachmentKey.create(Consumer.class);

    /**
     * Sends the exchange to {@code node}; the exchange ends there, or, when the node cannot be
     * connected to (nothing of the call sent), goes to {@code refused} (called on an I/O thread:
     * it must dispatch anything that blocks). Any thread.
     */
    void forward(HttpServerExchange exchange, AgentDirectory.Node node, Consumer<HttpServerExchange> refused)
            throws Exception {
        exchange.putAttachment(REFUSED, refused);
        Route route = byAddress.computeIfAbsent(node.internalAddress(), this::route);
        LOG.log(System.Logger.Level.DEBUG, "forwarding {0} {1} to node {2}", exchange.getRequestMethod(),
                exchange.getRequestPath(), node.id());
        exchange.setResolvedPath(""); // the proxy strips the resolved prefix (/agents): the node needs the whole path
        route.handler().handleRequest(exchange);
    }

    private Route route(String address) {
        LoadBalancingProxyClient pool = new LoadBalancingProxyClient()
                .setConnectionsPerThread(CONNECTIONS_PER_THREAD)
                .setProblemServerRetry(1) // a node that failed is tried again after a second
                .addHost(URI.create("http://" + address), null, null, connectionOptions);
        ProxyHandler handler = ProxyHandler.builder()
                .setProxyClient(new FailingAs502(pool))
                .setMaxConnectionRetries(0) // forwarded once: a retry could run a call twice
                .setReuseXForwarded(true)
                .setRewriteHostHeader(false)
                .addRequestHeader(HttpString.tryFromString(ClusterRouting.SECRET_HEADER), ExchangeAttributes.constant(secret))
                .addRequestHeader(HttpString.tryFromString(ClusterRouting.FORWARDED_BY_HEADER),
                        ExchangeAttributes.constant(nodeId))
                .build();
        return new Route(pool, handler);
    }

    @Override
    public void close() {
        byAddress.values().forEach(r -> r.client().closeCurrentConnections());
        byAddress.clear();
    }

    /** The node's pool, answering 502 (not the proxy's 503) when the node cannot be reached. */
    private record FailingAs502(LoadBalancingProxyClient pool) implements ProxyClient {
        @Override
        public ProxyTarget findTarget(HttpServerExchange exchange) {
            return pool.findTarget(exchange);
        }

        @Override
        public void getConnection(ProxyTarget target, HttpServerExchange exchange, ProxyCallback<ProxyConnection> callback,
                long timeout, TimeUnit unit) {
            pool.getConnection(target, exchange, new ProxyCallback<>() {
                @Override
                public void completed(HttpServerExchange e, ProxyConnection connection) {
                    callback.completed(e, connection);
                }

                @Override
                public void failed(HttpServerExchange e) {
                    unreachable(e);
                }

                @Override
                public void couldNotResolveBackend(HttpServerExchange e) {
                    unreachable(e);
                }

                @Override
                public void queuedRequestFailed(HttpServerExchange e) {
                    callback.queuedRequestFailed(e);
                }
            }, timeout, unit);
        }

        private static void unreachable(HttpServerExchange exchange) {
            Consumer<HttpServerExchange> refused = exchange.removeAttachment(REFUSED);
            if (refused != null && !exchange.isResponseStarted()) {
                refused.accept(exchange);
            } else if (!exchange.isResponseStarted()) {
                HttpRoutes.sendError(exchange, 502, "the node holding the agent cannot be reached");
            } else {
                exchange.endExchange();
            }
        }
    }
}
