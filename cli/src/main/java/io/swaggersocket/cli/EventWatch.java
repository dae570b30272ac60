package io.swaggersocket.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.swaggersocket.auth.RequestSigner;
import io.swaggersocket.client.ReconnectPolicy;
import io.swaggersocket.events.DockerFilters;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;

/**
 * The connection loop of {@code swaggersocket watch}: opens the server's {@code /events}
 * WebSocket (the JDK's client: it sets the signing headers and takes our TLS context), prints
 * each event once, and after a loss reconnects with backoff and resumes with {@code since} and
 * {@code epoch} ({@link WatchCursor}), so that the output has no gap and no duplicate. One run
 * per instance; {@link #run} blocks on the caller's thread, {@link #stop} may come from any.
 */
final class EventWatch {
    /** The longest message accepted from the server; longer is a broken server, and ends the socket. */
    static final int MAX_MESSAGE = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectWriter PRETTY = JSON.writerWithDefaultPrettyPrinter();

    /**
     * What to watch and how.
     *
     * @param events the {@code /events} address, ws or wss, without a query
     * @param registers the specifiers to register, at least one
     * @param ssl the TLS context for wss, or {@code null} for the JVM's
     * @param connectTimeout the limit on opening the socket, TLS and upgrade included
     * @param pingInterval how often to ping; no answer to two in a row ends the socket; zero: never
     * @param reconnect the backoff after a loss, and how many failed attempts in a row end the watch
     */
    record Settings(URI events, List<String> registers, DockerFilters filters, boolean pretty,
            ClientCredentials.Resolved credentials, SSLContext ssl, Duration connectTimeout, Duration pingInterval,
            ReconnectPolicy reconnect) {
    }

    /** A refusal waiting will not change: the exit status and the one-line reason. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Refused(int status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }
    }

    private final Settings settings;
    private final WatchCursor cursor;
    private final PrintStream out;
    private final PrintStream err;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final HttpClient http;
    private final ScheduledExecutorService pinger;
    private volatile Session current;

    EventWatch(Settings settings, WatchCursor cursor, PrintStream out, PrintStream err) {
        this.settings = settings;
        this.cursor = cursor;
        this.out = out;
        this.err = err;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(settings.connectTimeout());
        if (settings.ssl() != null) {
            b.sslContext(settings.ssl());
        }
        this.http = b.build();
        this.pinger = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "swaggersocket-watch-ping");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Watches until {@link #stop}, a refusal, or too many failed reconnects.
     *
     * @return the exit status: 0 stopped, 1 the server unreachable (at the first attempt, or
     *         {@code maxAttempts} times in a row after a loss), 2 the server refused the request
     *         (400), 3 the server refused the credentials (401, 403)
     */
    int run() throws InterruptedException {
        try {
            int attempt = 0; // failed attempts in a row since the last connect; 0 for the first ever
            boolean everConnected = false;
            while (stopped.getCount() > 0) {
                Session session;
                try {
                    session = open();
                } catch (Refused r) {
                    err.println("swaggersocket watch: " + r.getMessage());
                    return r.status;
                } catch (IOException e) {
                    if (stopped.getCount() == 0) {
                        break;
                    }
                    String reason = Diagnosis.explain(e, settings.events());
                    if (!everConnected) {
                        err.println("swaggersocket watch: " + reason);
                        return Main.FAILED;
                    }
                    attempt++;
                    if (!settings.reconnect().allowsAttempt(attempt + 1)) {
                        err.println("swaggersocket watch: gave up after " + attempt + " failed attempt"
                                + (attempt == 1 ? "" : "s") + " in a row: " + reason);
                        return Main.FAILED;
                    }
                    if (!backoff(attempt + 1, reason)) {
                        break;
                    }
                    continue;
                }
                everConnected = true;
                attempt = 0;
                String lost = session.awaitEnd();
                if (stopped.getCount() == 0) {
                    break;
                }
                if (!settings.reconnect().allowsAttempt(1)) {
                    err.println("swaggersocket watch: lost the connection: " + lost);
                    return Main.FAILED;
                }
                if (!backoff(1, lost)) {
                    break;
                }
            }
            return Main.OK;
        } finally {
            Session s = current;
            if (s != null) {
                s.close();
            }
            pinger.shutdown(); // lets a pending close abort the socket after its second
        }
    }

    /**
     * Ends the watch: closes the socket and ends {@link #run} with status 0. Idempotent. Also
     * called when standard output fails (its reader went away).
     */
    void stop() {
        stopped.countDown();
        Session s = current;
        if (s != null) {
            s.close();
        }
    }

    /** Waits before attempt {@code attempt} after a loss; false if stopped meanwhile. */
    private boolean backoff(int attempt, String reason) throws InterruptedException {
        Duration delay = settings.reconnect().delay(attempt, ThreadLocalRandom.current()::nextDouble);
        err.println("swaggersocket watch: " + reason + "; reconnecting in "
                + String.format(Locale.ROOT, "%.1f s", delay.toMillis() / 1000.0));
        return !stopped.await(delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Opens one socket from the cursor's position. */
    private Session open() throws IOException, Refused, InterruptedException {
        URI uri;
        synchronized (this) { // the cursor was last moved on the old socket's listener thread
            uri = address(settings.events(), settings.registers(), settings.filters(), cursor.since(), cursor.epoch());
        }
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(settings.connectTimeout());
        ClientCredentials.Resolved c = settings.credentials();
        if (c.bearer() != null) {
            builder.header("Authorization", "Bearer " + c.bearer());
        }
        RequestSigner signer = c.signer();
        if (signer != null) {
            Map<String, List<String>> signed = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            signed.put("Host", List.of(hostHeader(uri)));
            String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            signer.sign("GET", target, signed, new byte[0]).forEach(builder::header);
        }
        Session session = new Session();
        CompletableFuture<WebSocket> opening = builder.buildAsync(uri, session).toCompletableFuture();
        WebSocket ws;
        try {
            // The JDK bounds the connect and the upgrade with connectTimeout; this bound is a backstop.
            ws = opening.get(settings.connectTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            opening.cancel(true);
            throw new HttpTimeoutException("no answer to the upgrade within " + settings.connectTimeout());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof WebSocketHandshakeException h) {
                int status = h.getResponse().statusCode();
                String why = serverMessage(h.getResponse().body());
                Refused refused = refusal(status, why);
                if (refused != null) {
                    throw refused;
                }
                throw new IOException("the server answered " + status + ": " + why);
            }
            if (cause instanceof HttpTimeoutException) {
                throw new HttpTimeoutException("no answer from " + safe(settings.events()) + " within "
                        + settings.connectTimeout());
            }
            throw cause instanceof IOException io ? io : new IOException(String.valueOf(cause), cause);
        }
        session.started(ws);
        current = session;
        if (stopped.getCount() == 0) {
            session.close();
        }
        return session;
    }

    /** What an answer other than 101 means: a refusal to report, or {@code null} for a failure to retry (5xx, 429). */
    private Refused refusal(int status, String why) {
        return switch (status) {
            case 401 -> new Refused(Main.REFUSED, "the server refused the credentials (401): " + why);
            case 403 -> new Refused(Main.REFUSED, "the server refused access (403): " + why);
            case 400 -> new Refused(Main.USAGE, "the server refused the request (400): " + why);
            case 404 -> new Refused(Main.FAILED, "the server at " + safe(settings.events())
                    + " has no event stream (404): is it a swaggersocket server with /events?");
            default -> null;
        };
    }

    /** The {@code error} of a JSON error body, or the body's first line, at most 200 characters. */
    static String serverMessage(Object body) {
        String text = body == null ? "" : body.toString().strip();
        try {
            JsonNode n = JSON.readTree(text);
            if (n != null && n.path("error").isTextual()) {
                text = n.path("error").textValue();
            }
        } catch (JsonProcessingException e) {
            // not JSON: the text itself
        }
        text = text.lines().findFirst().orElse("").strip();
        if (text.isEmpty()) {
            return "no reason given";
        }
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    /** The address with the query of docs/EVENTS.md: register (each), filters, since and epoch. */
    static URI address(URI events, List<String> registers, DockerFilters filters, Long since, String epoch) {
        List<String> query = new ArrayList<>();
        registers.forEach(r -> query.add("register=" + encode(r)));
        if (!filters.isEmpty()) {
            query.add("filters=" + encode(filters.toJson()));
        }
        if (since != null) {
            query.add("since=" + since);
            if (epoch != null) {
                query.add("epoch=" + encode(epoch));
            }
        }
        String base = events.getScheme() + "://" + events.getRawAuthority() + events.getRawPath();
        return URI.create(query.isEmpty() ? base : base + "?" + String.join("&", query));
    }

    private static String encode(String s) {
        // %20 rather than +: a + in a query is a space only to form decoders
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The Host header the JDK sends for {@code uri} (no port when it is the scheme's default), which the signature covers. */
    static String hostHeader(URI uri) {
        int port = uri.getPort();
        boolean tls = "wss".equals(uri.getScheme());
        boolean defaultPort = port == -1 || (tls ? port == 443 : port == 80);
        String host = uri.getHost();
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return defaultPort ? host : host + ":" + port;
    }

    /** The address without user info or query, which may hold secrets: fit for messages. */
    static String safe(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    /** A URL the user gave, for a message: without user info or query, which may hold secrets. */
    static String safeOrRaw(String url) {
        String s = url.replaceFirst("^([^:/?#]*://)[^/?#@]*@", "$1");
        int q = s.indexOf('?');
        return q < 0 ? s : s.substring(0, q);
    }

    /**
     * Prints what the cursor says to print; stdout for events (and gaps), stderr for notices.
     * Synchronized: the cursor moves under this lock, which a socket's last message and a
     * reconnect (or a ping timeout) may otherwise race for.
     */
    private synchronized void handle(String text) {
        JsonNode event;
        try {
            event = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            err.println("swaggersocket watch: ignored a message that is not JSON: " + abbreviate(text));
            return;
        }
        if (event == null || !event.isObject()) {
            err.println("swaggersocket watch: ignored a message that is not a JSON object: " + abbreviate(text));
            return;
        }
        long before = cursor.since() == null ? -1 : cursor.since();
        String beforeEpoch = cursor.epoch();
        switch (cursor.accept(event)) {
            case PRINT -> print(event);
            case GAP -> {
                print(event);
                JsonNode o = event.path("Object");
                if ("restart".equals(o.path("reason").asText())) {
                    err.println("swaggersocket watch: gap: events of the earlier history " + o.path("epoch").asText("?")
                            + " from " + o.path("from").asText("?") + " on may have been missed (the server restarted)");
                } else {
                    err.println("swaggersocket watch: gap: events " + o.path("from").asText("?") + " to "
                            + o.path("to").asText("?") + " may have been missed (" + o.path("reason").asText("?") + ")");
                }
            }
            case ERROR -> err.println("swaggersocket watch: the server: "
                    + event.path("Object").path("error").asText("an error") + " (" + abbreviate(event.path("Key").asText("")) + ")");
            case NEW_HISTORY -> err.println("swaggersocket watch: the server's event history is new (epoch "
                    + beforeEpoch + " -> " + cursor.epoch() + ": it restarted after event " + before + " of the old one)");
            case DUPLICATE, CONTROL -> {
            }
        }
    }

    private void print(JsonNode event) {
        try {
            out.println(settings.pretty() ? PRETTY.writeValueAsString(event) : JSON.writeValueAsString(event));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree always serialises", e);
        }
        out.flush();
        if (out.checkError()) {
            stop(); // the reader went away (watch | head -1): nobody to print for
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    /**
     * One socket: the JDK calls its listener methods one at a time, and asks for one message at a
     * time, so events are printed in order and a slow terminal slows the socket, not the memory.
     */
    private final class Session implements WebSocket.Listener {
        /** Completes with why the socket ended. */
        private final CompletableFuture<String> ended = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        private volatile WebSocket ws;
        private volatile long lastHeard = System.nanoTime();
        private volatile ScheduledFuture<?> pings;

        void started(WebSocket socket) {
            ws = socket;
            Duration every = settings.pingInterval();
            if (!every.isZero()) {
                pings = pinger.scheduleWithFixedDelay(this::ping, every.toNanos(), every.toNanos(), TimeUnit.NANOSECONDS);
            }
        }

        /** Pings; after two intervals without a word from the server, takes it for dead. */
        private void ping() {
            long silent = System.nanoTime() - lastHeard;
            if (silent > 2 * settings.pingInterval().toNanos()) {
                end("no answer from the server for " + settings.pingInterval().multipliedBy(2).toSeconds() + " s");
                return;
            }
            ws.sendPing(ByteBuffer.allocate(0));
        }

        String awaitEnd() throws InterruptedException {
            try {
                return ended.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("ended never fails", e);
            }
        }

        private void end(String why) {
            if (ended.complete(why)) {
                ScheduledFuture<?> p = pings;
                if (p != null) {
                    p.cancel(false);
                }
                WebSocket socket = ws;
                if (socket != null) {
                    socket.abort();
                }
            }
        }

        /** Closes with a normal close frame, without waiting for the server's. */
        void close() {
            WebSocket socket = ws;
            if (socket != null && !socket.isOutputClosed()) {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "").whenComplete((w, e) -> end("closed"));
                try {
                    // If the server never answers the close, abort after a moment rather than hang.
                    pinger.schedule(() -> end("closed"), 1, TimeUnit.SECONDS);
                } catch (RejectedExecutionException e) {
                    end("closed"); // the watch is over: no waiting for the server's close
                }
            } else {
                end("closed");
            }
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            ws = webSocket;
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            if (ended.isDone()) {
                return null; // an abandoned socket: what it still delivers, the next one replays from the position
            }
            lastHeard = System.nanoTime();
            if (partial.length() + data.length() > MAX_MESSAGE) {
                end("the server sent a message over " + MAX_MESSAGE + " characters");
                return null;
            }
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                handle(text);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            lastHeard = System.nanoTime();
            webSocket.request(1); // not part of the protocol: ignored
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            lastHeard = System.nanoTime();
            webSocket.request(1); // the JDK answers with a pong itself
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            lastHeard = System.nanoTime();
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            end("the server closed the socket (" + statusCode + (reason == null || reason.isEmpty() ? "" : ": " + reason)
                    + ")");
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            end("the connection failed: " + (error.getMessage() == null ? error.toString() : error.getMessage()));
        }
    }
}
