package io.swaggersocket.server;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.StatusCodes;
import io.undertow.websockets.WebSocketProtocolHandshakeHandler;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import io.swaggersocket.handshake.Protocol;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.undertow.RawWebSocketChannel;
import io.swaggersocket.undertow.ServerUpgrade;
import io.swaggersocket.undertow.UndertowChannel;
import io.swaggersocket.undertow.WebSocketTransport;
import java.net.InetSocketAddress;
import java.security.Principal;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The tunnel path: checks that a request is a WebSocket upgrade, runs the authenticator on a
 * worker thread, assigns the connection id, and lets Undertow's handshake handler upgrade.
 *
 * <p>Answers, each with a JSON body {@code {"error":"..."}}: 503 while the server is closing, and
 * 503 with {@code Retry-After: 1} when {@link ServerLimits#maxPendingUpgrades()} upgrades are in
 * progress (from the request to the end of the protocol handshake); 429 with {@code Retry-After: 5}
 * when the source address, or once authenticated the principal, holds its
 * {@link ServerLimits#maxConnectionsPerAddress() maxConnectionsPerAddress} or
 * {@link ServerLimits#maxConnectionsPerPrincipal() maxConnectionsPerPrincipal} agent connections
 * (live or in progress; the message names the limit); 405
 * for methods other than GET; 400 for a GET that is not a WebSocket upgrade (no
 * {@code Upgrade: websocket}, or no Sec-WebSocket-Key / Sec-WebSocket-Version) or asks for a
 * WebSocket version Undertow does not speak (with {@code Sec-WebSocket-Version: 13}); the
 * authenticator's 401 / 403; 403 when the upgrade's {@code Swaggersocket-Agent} header names an
 * agent its principal may not register, or one held by another principal's agents (400 when the
 * header is repeated); 500 when the authenticator or the id supplier throws. Without the header
 * the same checks run on hello's {@code metadata.name} (close code 4006). The name may come in the
 * path instead, {@code /tunnel/NAME} ({@link AnnouncedName}): 400 when it differs from the header,
 * 404 for a deeper path. An announced name is then claimed in the {@link AgentDirectory} (403 when
 * another principal holds it on any node; 503 with {@code Retry-After: 5} when the directory
 * cannot be asked), and released when the connection ends.
 *
 * <p>The 101 is answered by {@link ServerUpgrade} and the connection framed by a
 * {@link RawWebSocketChannel}, or, with {@value WebSocketTransport#FRAMING_PROPERTY}{@code =undertow}
 * (read once, when the handler is made), by Undertow's WebSocket handshake and channel.
 */
final class TunnelHandler implements HttpHandler {
    private static final System.Logger LOG = System.getLogger(TunnelHandler.class.getName());
    private static final AttachmentKey<String> CONNECTION_ID = AttachmentKey.create(String.class);
    private static final AttachmentKey<Principal> PRINCIPAL = AttachmentKey.create(Principal.class);
    private static final AttachmentKey<String> AGENT_NAME = AttachmentKey.create(String.class);
    private static final AttachmentKey<UpgradeAdmission.Ticket> TICKET =
            AttachmentKey.create(UpgradeAdmission.Ticket.class);

    /** Where upgraded sockets go; implemented by the server's {@link ConnectionRegistry}. */
    interface Acceptor {
        /** False once the server is closing. */
        boolean isAccepting();

        /**
         * Called on the socket's I/O thread right after the 101: must not block.
         *
         * @param socket makes the upgraded socket's channel, with the size limits of the config given
         * @param announcedName the agent name the upgrade request announced, or {@code null}
         * @param ticket the upgrade's slots, now the acceptor's: it must release them when the
         *        handshake fails or the connection ends, and call {@code admitted()} when the
         *        handshake succeeds
         */
        void upgraded(Function<ConnectionConfig, WebSocketTransport> socket, String connectionId, Principal principal, String announcedName,
                UpgradeAdmission.Ticket ticket);
    }

    private final String path;
    private final HttpGuard guard;
    private final AccessControl access;
    private final AgentDirectory directory;
    private final UpgradeAdmission admission;
    private final Supplier<String> connectionIds;
    private final Acceptor acceptor;
    private final WebSocketProtocolHandshakeHandler upgrade;
    private final boolean rawFraming = WebSocketTransport.rawFraming();

    TunnelHandler(String path, HttpGuard guard, AccessControl access, UpgradeAdmission admission,
            Supplier<String> connectionIds, Acceptor acceptor, AgentDirectory directory) {
        this.path = path;
        this.directory = directory;
        this.guard = guard;
        this.access = access;
        this.admission = admission;
        this.connectionIds = connectionIds;
        this.acceptor = acceptor;
        // Undertow found no handshake it speaks for this request.
        this.upgrade = new WebSocketProtocolHandshakeHandler(this::onConnect, TunnelHandler::unsupportedVersion);
    }

    /** RFC 6455 4.4: a version we do not speak is refused, naming ours. */
    private static void unsupportedVersion(HttpServerExchange exchange) {
        exchange.getResponseHeaders().put(Headers.SEC_WEB_SOCKET_VERSION, "13");
        HttpRoutes.sendError(exchange, 400, "unsupported WebSocket version: expected 13 but was "
                + exchange.getRequestHeaders().getFirst(Headers.SEC_WEB_SOCKET_VERSION));
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (!acceptor.isAccepting()) {
            HttpRoutes.sendError(exchange, 503, "the server is shutting down");
            return;
        }
        if (!exchange.getRequestMethod().equals(Methods.GET)) {
            exchange.getResponseHeaders().put(Headers.ALLOW, Methods.GET_STRING);
            HttpRoutes.sendError(exchange, 405, "expected GET with a WebSocket upgrade but was "
                    + exchange.getRequestMethod());
            return;
        }
        String pathName = AnnouncedName.fromPath(exchange.getRequestURI(), path);
        if (pathName == AnnouncedName.MALFORMED) { // identity: a name may spell the same
            HttpRoutes.sendError(exchange, 404, "no route for " + exchange.getRequestPath()
                    + ": expected " + path + " or " + path + "/NAME (one percent-encoded segment)");
            return;
        }
        if (!isUpgrade(exchange)) {
            HttpRoutes.sendError(exchange, 400, "expected a WebSocket upgrade request (Upgrade: websocket, "
                    + "Sec-WebSocket-Key, Sec-WebSocket-Version) on " + exchange.getRequestPath());
            return;
        }
        // Counted before the authenticator runs: it holds a worker thread, and a flood of upgrades
        // must not queue up behind it.
        UpgradeAdmission.Entry entry = admission.enter(addressOf(exchange));
        if (entry instanceof UpgradeAdmission.Refusal refusal) {
            refuse(exchange, refusal);
            return;
        }
        UpgradeAdmission.Ticket ticket = (UpgradeAdmission.Ticket) entry;
        exchange.putAttachment(TICKET, ticket);
        exchange.addResponseCommitListener(answered -> {
            // Released before any refusal (ours, the authenticator's, Undertow's) reaches the client:
            // a client that retries at once finds its slot free.
            if (answered.getStatusCode() != StatusCodes.SWITCHING_PROTOCOLS) {
                ticket.release();
            }
        });
        exchange.addExchangeCompleteListener((done, next) -> {
            ended(done, ticket);
            next.proceed();
        });
        // The authenticator may block (a token lookup): never on the I/O thread.
        exchange.dispatch(this::authenticateAndUpgrade);
    }

    /**
     * The exchange is over: without an upgrade its ticket is released (if the commit listener has not
     * already: a connection lost before any answer); with one, the acceptor takes the ticket over,
     * unless the connection closes before it gets the socket.
     */
    private static void ended(HttpServerExchange exchange, UpgradeAdmission.Ticket ticket) {
        if (!exchange.isUpgrade()) {
            ticket.release();
            return;
        }
        // Undertow hands the socket over after this listener and closes the connection if it cannot.
        // The listener also runs when a tunnel's socket closes later: whichever release of the
        // acceptor's and this one comes first gives the counts back, the other does nothing.
        exchange.getConnection().addCloseListener(connection -> ticket.release());
        if (!exchange.getConnection().isOpen()) {
            ticket.release();
        }
    }

    private static String addressOf(HttpServerExchange exchange) {
        InetSocketAddress source = exchange.getSourceAddress();
        if (source == null) {
            return "unknown";
        }
        return source.getAddress() != null ? source.getAddress().getHostAddress() : source.getHostString();
    }

    private static void refuse(HttpServerExchange exchange, UpgradeAdmission.Refusal refusal) {
        // INFO: a tunnel refused for a connection limit is a limit hit the operator should see
        LOG.log(System.Logger.Level.INFO, "tunnel from {0} refused with {1}: {2}", exchange.getSourceAddress(),
                String.valueOf(refusal.status()), refusal.message());
        exchange.getResponseHeaders().put(Headers.RETRY_AFTER, refusal.retryAfterSeconds());
        HttpRoutes.sendError(exchange, refusal.status(), refusal.message());
    }

    private static boolean isUpgrade(HttpServerExchange exchange) {
        var headers = exchange.getRequestHeaders();
        return "websocket".equalsIgnoreCase(headers.getFirst(Headers.UPGRADE))
                && headers.contains(Headers.SEC_WEB_SOCKET_KEY) && headers.contains(Headers.SEC_WEB_SOCKET_VERSION);
    }

    private void authenticateAndUpgrade(HttpServerExchange exchange) throws Exception {
        AuthResult.Accepted accepted = guard.admit(exchange, HttpGuard.Endpoint.TUNNEL);
        if (accepted == null) {
            return;
        }
        Principal principal = accepted.principal();
        String name;
        try {
            name = AnnouncedName.of(exchange.getRequestHeaders().get(Protocol.AGENT_NAME_HEADER),
                    AnnouncedName.fromPath(exchange.getRequestURI(), path));
        } catch (IllegalArgumentException e) {
            HttpRoutes.sendError(exchange, 400, e.getMessage());
            return;
        }
        if (name != null) {
            String refusal = access.registrationRefusal(principal, name);
            if (refusal != null) {
                // INFO: an agent refused its name is what its operator looks for in the log
                LOG.log(System.Logger.Level.INFO, "tunnel from {0} refused with 403: {1}", exchange.getSourceAddress(),
                        refusal);
                HttpRoutes.sendError(exchange, 403, refusal);
                return;
            }
            exchange.putAttachment(AGENT_NAME, name);
        }
        UpgradeAdmission.Refusal capped = exchange.getAttachment(TICKET).bind(AccessControl.owner(principal));
        if (capped != null) {
            refuse(exchange, capped);
            return;
        }
        String id;
        try {
            id = connectionIds.get();
            if (id == null || id.isEmpty()) {
                throw new IllegalStateException("expected a non-empty connection id but the supplier returned \""
                        + id + "\"");
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "connection id supplier failed; answered 500", e);
            HttpRoutes.sendError(exchange, 500, "no connection id could be assigned");
            return;
        }
        if (name != null && !claimCluster(exchange, name, principal, id)) {
            return;
        }
        if (rawFraming) {
            if (!ServerUpgrade.isVersion13(exchange)) {
                unsupportedVersion(exchange);
                return;
            }
            UpgradeAdmission.Ticket ticket = exchange.getAttachment(TICKET);
            ServerUpgrade.accept(exchange, connection -> acceptor.upgraded(
                    config -> RawWebSocketChannel.of(connection, false, config), id, principal, name, ticket));
            return;
        }
        exchange.putAttachment(CONNECTION_ID, id);
        if (principal != null) {
            exchange.putAttachment(PRINCIPAL, principal);
        }
        upgrade.handleRequest(exchange);
    }

    /**
     * Claims the name in the directory for this connection (a worker thread: it may block, bounded
     * by the directory's timeout), released when the connection ends however it ends; false when
     * refused, the answer sent.
     */
    private boolean claimCluster(HttpServerExchange exchange, String name, Principal principal, String id) {
        AgentDirectory.Claim claim = directory.claim(name, AccessControl.owner(principal), id);
        switch (claim) {
            case GRANTED -> {
                if (directory.clustered()) {
                    // The HTTP connection carries the tunnel: it closes when the tunnel ends, however.
                    exchange.getConnection().addCloseListener(c -> directory.release(name, id));
                    exchange.addExchangeCompleteListener((done, next) -> {
                        if (!done.isUpgrade()) {
                            directory.release(name, id);
                        }
                        next.proceed();
                    });
                }
                return true;
            }
            case TAKEN -> {
                String refusal = "agent name \"" + name + "\" is in use by another principal";
                LOG.log(System.Logger.Level.INFO, "tunnel from {0} refused with 403: {1} (cluster-wide)",
                        exchange.getSourceAddress(), refusal);
                HttpRoutes.sendError(exchange, 403, refusal);
                return false;
            }
            default -> {
                // Refused rather than admitted unchecked: a name granted without the directory could
                // be another tenant's on another node (see docs/SCALE-OUT.md, "Redis down").
                exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "5");
                HttpRoutes.sendError(exchange, 503, "the agent directory is unavailable; retry later");
                return false;
            }
        }
    }

    private void onConnect(WebSocketHttpExchange exchange, WebSocketChannel socket) {
        acceptor.upgraded(config -> UndertowChannel.of(socket, config), exchange.getAttachment(CONNECTION_ID),
                exchange.getAttachment(PRINCIPAL), exchange.getAttachment(AGENT_NAME), exchange.getAttachment(TICKET));
    }
}
