package io.swaggersocket.server;

import io.undertow.server.HttpHandler;
import java.util.function.BooleanSupplier;

/**
 * Not thread-safe (used while a server is built): which of the server's own handlers go on which
 * paths of its {@link HttpRoutes}. The ingress is mounted by the server itself, as a cluster node
 * wraps it.
 */
final class ServerRoutes {
    private ServerRoutes() {
    }

    /** The tunnel at {@code path} and, unless that is {@code /}, at {@code path/NAME}. */
    static HttpRoutes withTunnel(String path, HttpHandler tunnel) {
        HttpRoutes routes = new HttpRoutes().exact(path, tunnel);
        if (!path.equals("/")) { // under "/" a name segment would shadow every other route
            routes.prefix(path, tunnel);
        }
        return routes;
    }

    /** The admin API: {@code /connections}, {@code /healthz}, {@code /metrics}, {@code /admin/...} and {@code /events}. */
    static void mountAdmin(HttpRoutes routes, HttpGuard guard, SocketServer server, ServerMetrics metrics, EventHub hub,
            BooleanSupplier accepting) {
        routes.prefix(AdminHandler.CONNECTIONS, admin(AdminHandler.Route.CONNECTIONS, guard, server, metrics))
                .exact(AdminHandler.HEALTHZ, admin(AdminHandler.Route.HEALTHZ, guard, server, metrics))
                .exact(AdminHandler.METRICS, admin(AdminHandler.Route.METRICS, guard, server, metrics))
                .exact(AdminHandler.ACCESS_RELOAD, admin(AdminHandler.Route.ACCESS_RELOAD, guard, server, metrics))
                .exact(AdminHandler.DRAIN, admin(AdminHandler.Route.DRAIN, guard, server, metrics))
                .exact(EventsHandler.PATH, HttpRoutes.bodiless(new EventsHandler(guard, hub, accepting)));
    }

    private static HttpHandler admin(AdminHandler.Route route, HttpGuard guard, SocketServer server,
            ServerMetrics metrics) {
        return HttpRoutes.bodiless(new AdminHandler(route, guard, server, metrics));
    }
}
