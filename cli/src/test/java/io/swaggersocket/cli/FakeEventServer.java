package io.swaggersocket.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.swaggersocket.auth.SignatureVerifier;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import io.swaggersocket.testing.FaultRelay;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.LinkedBlockingQueue;
import org.xnio.IoUtils;

/**
 * A scripted {@code /events} server for the watch command's tests, speaking docs/EVENTS.md's
 * wire protocol: a bearer token or a signature checked before the upgrade (401 JSON otherwise), a hello, a
 * replay after {@code since} (which, to test the client's deduplication, starts <em>at</em>
 * {@code since}: one repeat), live events, and sockets killed on demand. It does not filter.
 * Thread-safe.
 */
final class FakeEventServer implements AutoCloseable {
    static final String TOKEN = "watch-token";
    static final String ACCESS_KEY = "watch-key";
    static final String SECRET_KEY = "watch-secret-0123456789";
    private final SignatureVerifier verifier = SignatureVerifier.builder().build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Undertow server;
    /** Between the watch and the server, so that a kill is a reset of the TCP connection itself. */
    private final FaultRelay relay;
    private final List<WebSocketChannel> open = new CopyOnWriteArrayList<>();
    private final List<ObjectNode> history = new CopyOnWriteArrayList<>();
    /** The query of every upgrade, in order, added once its socket gets live events. */
    final BlockingQueue<Map<String, Deque<String>>> upgrades = new LinkedBlockingQueue<>();
    private volatile String epoch = "E1";
    /** A gap event to send right after the next hello, or null. */
    private volatile ObjectNode pendingGap;

    FakeEventServer() {
        server = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(exchange -> {
            String auth = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
            Function<String, List<String>> headers = name -> {
                HeaderValues v = exchange.getRequestHeaders().get(name);
                return v == null ? List.of() : List.copyOf(v);
            };
            String why = null;
            if (SignatureVerifier.isSigned(headers)) {
                String target = exchange.getRequestURI() + (exchange.getQueryString().isEmpty() ? ""
                        : "?" + exchange.getQueryString());
                SignatureVerifier.Verdict verdict = verifier.verify(exchange.getRequestMethod().toString(), target, headers,
                        id -> Optional.ofNullable(id.equals(ACCESS_KEY) ? SECRET_KEY : null));
                if (verdict instanceof SignatureVerifier.Invalid invalid) {
                    why = invalid.message();
                }
            } else if (!("Bearer " + TOKEN).equals(auth)) {
                why = "unknown token";
            }
            if (why != null) {
                exchange.setStatusCode(401);
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                exchange.getResponseSender().send(JSON.createObjectNode().put("error", why).toString());
                return;
            }
            if (!exchange.getRequestPath().equals("/events")) {
                exchange.setStatusCode(404);
                exchange.endExchange();
                return;
            }
            Handlers.websocket((upgrade, channel) -> connected(upgrade.getRequestParameters(), channel))
                    .handleRequest(exchange);
        }).build();
        server.start();
        try {
            relay = new FaultRelay(((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort());
        } catch (IOException e) {
            server.stop();
            throw new UncheckedIOException(e);
        }
    }

    URI uri() {
        return URI.create("ws://127.0.0.1:" + relay.port());
    }

    private void connected(Map<String, List<String>> params, WebSocketChannel channel) {
        Map<String, Deque<String>> query = new ConcurrentHashMap<>();
        params.forEach((k, v) -> query.put(k, new LinkedBlockingDeque<>(v)));
        channel.getReceiveSetter().set(new AbstractReceiveListener() {
        });
        channel.resumeReceives();
        synchronized (this) { // hello, replay and live events in order
            ObjectNode hello = JSON.createObjectNode().put("Type", "websocket").put("Action", "hello");
            hello.putObject("Object").put("epoch", epoch).put("seq", history.size());
            send(channel, hello);
            ObjectNode gap = pendingGap;
            pendingGap = null;
            if (gap != null) {
                send(channel, gap);
            }
            List<String> since = params.get("since");
            if (since != null) {
                List<String> asked = params.get("epoch");
                long from = asked != null && !asked.get(0).equals(epoch) ? 1 : Long.parseLong(since.get(0));
                for (ObjectNode e : history) {
                    if (e.get("Seq").asLong() >= from) {
                        send(channel, e);
                    }
                }
            }
            open.add(channel);
            upgrades.add(query); // after the replay: a test that saw it may publish live events
        }
    }

    private static void send(WebSocketChannel channel, ObjectNode event) {
        WebSockets.sendText(event.toString(), channel, null);
    }

    /** Adds an event to the history and sends it to every open socket. */
    synchronized ObjectNode publish(String agent, String action) {
        ObjectNode e = JSON.createObjectNode().put("Seq", history.size() + 1).put("Epoch", epoch)
                .put("Time", "2026-12-07T12:00:00Z").put("Type", "connections").put("Action", action)
                .put("Key", "team-a").put("Principal", "team-a").put("Agent", agent);
        e.putObject("Labels").put("env", "prod");
        history.add(e);
        open.forEach(c -> send(c, e));
        return e;
    }

    /** Resets every open connection without a close frame, as a crash or a cut cable would. */
    synchronized void killSockets() {
        List<WebSocketChannel> all = new ArrayList<>(open);
        open.clear();
        relay.cut();
        all.forEach(IoUtils::safeClose);
    }

    /** Stops every connection open now, both ways, closing nothing: a half-open socket. Later ones work. */
    void stallSockets() {
        relay.links().forEach(FaultRelay.Link::stall);
    }

    /** A new history (a restarted server): the next connection is told of a gap from 1. */
    synchronized void restartHistory(String newEpoch) {
        int latest = history.size();
        history.clear();
        epoch = newEpoch;
        gapOnNextConnect(1, latest, "history");
    }

    /** Sends {@code gap} right after the next hello. */
    void gapOnNextConnect(long from, long to, String reason) {
        ObjectNode gap = JSON.createObjectNode().put("Type", "websocket").put("Action", "gap");
        gap.putObject("Object").put("from", from).put("to", to).put("reason", reason);
        pendingGap = gap;
    }

    @Override
    public void close() throws IOException {
        killSockets();
        try {
            relay.close();
        } finally {
            server.stop();
        }
    }
}
