package io.swaggersocket.server;

import io.swaggersocket.events.EventSpec;
import io.swaggersocket.mux.MessageChannel;
import io.swaggersocket.undertow.RawWebSocketChannel;
import io.swaggersocket.undertow.ServerUpgrade;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;
import java.nio.ByteBuffer;
import java.security.Principal;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /events} (docs/EVENTS.md): authenticates like the admin API (on a worker thread),
 * checks the query and the subscriber caps, then serves the subscription as a WebSocket (with an
 * upgrade) or as an NDJSON response (without). Thread-safe.
 *
 * <p>Answers before any event: 401 / 403 from the authenticator, 403 for a principal without an
 * {@code admin} grant (it could see nothing), 405 for other methods, 400 for a bad query or a bad
 * upgrade request, 429 with {@code Retry-After: 5} over {@link EventLimits#maxSubscribers()} or
 * {@link EventLimits#maxSubscribersPerPrincipal()}, 503 while the server closes.
 *
 * <p>On the WebSocket (framed by the project's {@link RawWebSocketChannel}): a text frame over
 * {@value #MAX_COMMAND} bytes closes with 1009, a binary frame with 1003.
 */
final class EventsHandler implements HttpHandler {
    static final String PATH = "/events";
    /** The largest command frame: a specifier is at most {@link EventSpec#MAX_LENGTH} characters. */
    static final int MAX_COMMAND = 16 * 1024;

    private final HttpGuard guard;
    private final EventHub hub;
    private final BooleanSupplier accepting;
    /** Subscribers per owner, and in all under key {@code null}; guarded by itself. */
    private final Map<String, Integer> counts = new HashMap<>();

    /**
     * In a cluster, how long a resume waits for this node to read up to its {@code since} (another
     * node may have sent the client an event this node's reader has not reached yet).
     */
    static final java.time.Duration RESUME_CATCH_UP = java.time.Duration.ofSeconds(2);

    /** The {@code since} of the current epoch a resume asks for, or -1 (bad values are judged by EventQuery). */
    private long sinceToWaitFor(Map<String, Deque<String>> query) {
        Deque<String> since = query.get("since");
        Deque<String> epoch = query.get("epoch");
        if (since == null || since.size() != 1 || (epoch != null && !hub.epoch().equals(epoch.peekFirst()))) {
            return -1;
        }
        try {
            return Long.parseLong(since.peekFirst());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    EventsHandler(HttpGuard guard, EventHub hub, BooleanSupplier accepting) {
        this.guard = guard;
        this.hub = hub;
        this.accepting = accepting;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (exchange.isInIoThread()) {
            exchange.dispatch(this); // the authenticator may block
            return;
        }
        if (!accepting.getAsBoolean()) {
            HttpRoutes.sendError(exchange, 503, "the server is shutting down");
            return;
        }
        if (!exchange.getRequestMethod().equals(Methods.GET)) {
            exchange.getResponseHeaders().put(Headers.ALLOW, Methods.GET_STRING);
            HttpRoutes.sendError(exchange, 405, "expected GET on " + PATH + " but was " + exchange.getRequestMethod());
            return;
        }
        AuthResult.Accepted accepted = guard.admit(exchange, HttpGuard.Endpoint.EVENTS);
        if (accepted == null) {
            return;
        }
        Principal principal = accepted.principal();
        Grants grants = Grants.of(principal);
        if (grants.admin().isEmpty()) {
            HttpRoutes.sendError(exchange, 403, AccessControl.who(principal) + " has no admin grant: it may see no event");
            return;
        }
        EventQuery query;
        try {
            long latest = hub.latestAtLeast(sinceToWaitFor(exchange.getQueryParameters()), RESUME_CATCH_UP);
            query = EventQuery.parse(exchange.getQueryParameters(), latest, hub.epoch());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            HttpRoutes.sendError(exchange, 503, "the server is shutting down");
            return;
        } catch (IllegalArgumentException e) {
            HttpRoutes.sendError(exchange, 400, e.getMessage());
            return;
        }
        boolean upgrade = "websocket".equalsIgnoreCase(exchange.getRequestHeaders().getFirst(Headers.UPGRADE));
        if (upgrade && (!exchange.getRequestHeaders().contains(Headers.SEC_WEB_SOCKET_KEY)
                || !ServerUpgrade.isVersion13(exchange))) {
            exchange.getResponseHeaders().put(Headers.SEC_WEB_SOCKET_VERSION, "13");
            HttpRoutes.sendError(exchange, 400, "expected a WebSocket upgrade with Sec-WebSocket-Key and"
                    + " Sec-WebSocket-Version: 13");
            return;
        }
        String owner = AccessControl.owner(principal);
        String refusal = admit(owner);
        if (refusal != null) {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "5");
            HttpRoutes.sendError(exchange, 429, refusal);
            return;
        }
        String who = AccessControl.who(principal) + " at " + exchange.getSourceAddress();
        Slot slot = new Slot(owner);
        if (upgrade) {
            // A client gone before the 101 is written never reaches the callback: its slot is
            // released with the exchange; an upgraded one's when its socket closes.
            exchange.addExchangeCompleteListener((done, next) -> {
                if (!done.isUpgrade() || !done.getConnection().isOpen()) {
                    slot.release();
                } else {
                    done.getConnection().addCloseListener(c -> slot.release());
                }
                next.proceed();
            });
            ServerUpgrade.accept(exchange, connection -> {
                RawWebSocketChannel channel = RawWebSocketChannel.server(connection, MAX_COMMAND, MAX_COMMAND);
                Subscriber sub = new Subscriber(hub, new WebSocketSink(channel), grants, who);
                query.specs().forEach(sub::register);
                sub.filter(query.filter());
                channel.start(new Commands(sub, slot));
                start(sub, query, channel::close);
            });
            return;
        }
        exchange.setStatusCode(200);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/x-ndjson");
        exchange.setPersistent(false); // the body ends only when the stream does
        // A Runnable dispatch leaves the exchange open when this handler returns: the sink ends it.
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> {
            NdjsonSink sink = new NdjsonSink(exchange.getResponseChannel());
            Subscriber sub = new Subscriber(hub, sink, grants, who);
            if (query.specs().isEmpty()) {
                sub.register(EventSpec.parse("*.*.*"));
            } else {
                query.specs().forEach(sub::register);
            }
            sub.filter(query.filter());
            exchange.getConnection().addCloseListener(c -> {
                sub.gone();
                slot.release();
            });
            start(sub, query, sink::close);
        });
    }

    private void start(Subscriber sub, EventQuery query, java.util.function.BiConsumer<Integer, String> close) {
        if (!hub.subscribe(sub, query.since(), query.epoch())) {
            close.accept(1001, "the server is shutting down");
            return;
        }
        sub.start();
    }

    /** Takes a subscriber slot of {@code owner}'s; returns the refusal when a cap is reached. */
    private String admit(String owner) {
        EventLimits limits = hub.limits();
        synchronized (counts) {
            int all = counts.getOrDefault(null, 0);
            int mine = counts.getOrDefault(owner, 0);
            if (all >= limits.maxSubscribers()) {
                return "the server has " + all + " event subscribers, its limit (maxSubscribers)";
            }
            if (mine >= limits.maxSubscribersPerPrincipal()) {
                return (owner.isEmpty() ? "anonymous callers have " : owner + " has ") + mine
                        + " event subscribers, the limit (maxSubscribersPerPrincipal)";
            }
            counts.put(null, all + 1);
            counts.put(owner, mine + 1);
            return null;
        }
    }

    /** One subscriber's place under the caps, given back once however many paths end it. */
    private final class Slot {
        private final String owner;
        private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

        Slot(String owner) {
            this.owner = owner;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                EventsHandler.this.release(owner);
            }
        }
    }

    private void release(String owner) {
        synchronized (counts) {
            counts.computeIfPresent(null, (k, n) -> n > 1 ? n - 1 : null);
            counts.computeIfPresent(owner, (k, n) -> n > 1 ? n - 1 : null);
        }
    }

    /** Subscribers now; for tests. */
    int subscribers() {
        synchronized (counts) {
            return counts.getOrDefault(null, 0);
        }
    }

    /** A WebSocket subscriber's sink: text frames, a bounded number in flight. */
    private record WebSocketSink(RawWebSocketChannel channel) implements EventSink {
        @Override
        public int maxInFlight() {
            return 64; // enough to keep a fast socket busy; the subscriber's queue holds the rest
        }

        @Override
        public void send(String json, MessageChannel.Callback done) {
            channel.sendText(json, done);
        }

        @Override
        public void close(int code, String reason) {
            channel.close(code, reason);
        }
    }

    /** What the client sends: commands as text; anything else closes. On the socket's I/O thread. */
    private final class Commands implements MessageChannel.Listener {
        private final Subscriber sub;
        private final Slot slot;

        Commands(Subscriber sub, Slot slot) {
            this.sub = sub;
            this.slot = slot;
        }

        @Override
        public void onText(String text) {
            sub.command(text);
        }

        @Override
        public void onBinary(ByteBuffer message) {
            sub.close(1003, "binary frames are not commands: send text");
        }

        @Override
        public void onPing(ByteBuffer payload) {
        }

        @Override
        public void onPong(ByteBuffer payload) {
        }

        @Override
        public void onClose(int code, String reason) {
            sub.gone();
            slot.release();
        }
    }
}
