package io.swaggersocket.bench.soak;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * WebSocket echo sessions through the ingress to the CLI agents' upstream ({@code /ws}), one after
 * another on each of a few threads: open (a call), then {@link #MESSAGES} text messages each echoed
 * (a call each: the echo must be the very message sent), then a normal close. A session the tunnel
 * loses must end with a close or an error, never silence: a message with neither an echo nor an
 * end within {@link SoakOptions#lostAfter} is lost. Thread-safe.
 */
final class WsSessions {
    static final String PATH = "ingress WebSocket -> agent --forward -> upstream (messages)";
    static final String OPEN = "ingress WebSocket -> agent --forward -> upstream (opening)";
    static final int MESSAGES = 50;
    static final int MAX_MESSAGE = 16 * 1024;

    private final SoakOptions options;
    private final Tally tally;
    private final List<String> agents;
    private final String base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    WsSessions(SoakOptions options, Tally tally, List<String> agents, int ingressPort, String token) {
        this.options = options;
        this.tally = tally;
        this.agents = List.copyOf(agents);
        this.base = "ws://127.0.0.1:" + ingressPort + "/agents/";
        this.token = token;
    }

    void start(int sessions) {
        for (int i = 0; i < sessions; i++) {
            long seed = options.seed() + 5000 + i;
            Thread t = new Thread(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                try {
                    while (running.get()) {
                        session(random);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "soak-ws-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(options.lostAfter().toMillis() * 2 + 30_000);
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " did not end: a session escaped its bounds");
            }
        }
    }

    /** Receives text; each whole message completes the pending future; a close or an error fails it. */
    private static final class Echoes implements WebSocket.Listener {
        final AtomicReference<CompletableFuture<String>> pending = new AtomicReference<>(new CompletableFuture<>());
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String m = text.toString();
                text.setLength(0);
                pending.get().complete(m);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            closed.complete(status);
            pending.get().completeExceptionally(new java.io.IOException("closed " + status));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete(-1);
            pending.get().completeExceptionally(error);
        }
    }

    private void session(SplittableRandom random) throws InterruptedException {
        String agent = agents.get(random.nextInt(agents.size()));
        Echoes echoes = new Echoes();
        long lost = options.lostAfter().toMillis();
        tally.start();
        WebSocket ws;
        CompletableFuture<WebSocket> opening = http.newWebSocketBuilder().header("Authorization", "Bearer " + token)
                .buildAsync(URI.create(base + agent + "/ws"), echoes);
        try {
            ws = opening.get(lost, TimeUnit.MILLISECONDS);
            tally.correct(OPEN, 0);
        } catch (TimeoutException e) {
            opening.cancel(true);
            tally.bad(OPEN, Tally.Outcome.LOST, "WebSocket to " + agent + ": not open and no error within " + options.lostAfter());
            return;
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            tally.failed(OPEN, c instanceof java.net.http.WebSocketHandshakeException h
                    ? "HTTP " + h.getResponse().statusCode() : Verdict.kind(e), Verdict.message(e));
            Thread.sleep(100); // not a synchronisation: a pause before the next session while the agent is away
            return;
        }
        for (int i = 0; i < MESSAGES && running.get(); i++) {
            String message = i + ":" + random.nextLong() + ":" + "x".repeat(random.nextInt(MAX_MESSAGE));
            CompletableFuture<String> echo = new CompletableFuture<>();
            echoes.pending.set(echo);
            if (echoes.closed.isDone()) {
                echo.completeExceptionally(new java.io.IOException("closed " + echoes.closed.join()));
            }
            tally.start();
            try {
                ws.sendText(message, true).get(lost, TimeUnit.MILLISECONDS);
                String got = echo.get(lost, TimeUnit.MILLISECONDS);
                if (got.equals(message)) {
                    tally.correct(PATH, message.length());
                } else {
                    tally.bad(PATH, Tally.Outcome.MISMATCHED, "WebSocket to " + agent + ": message " + i
                            + " echoed as another (" + got.length() + " chars, sent " + message.length() + ")");
                }
            } catch (TimeoutException e) {
                tally.bad(PATH, Tally.Outcome.LOST, "WebSocket to " + agent + ": message " + i
                        + " neither echoed nor ended within " + options.lostAfter());
                ws.abort();
                return;
            } catch (ExecutionException e) {
                String m = String.valueOf(e.getCause().getMessage());
                tally.failed(PATH, m.startsWith("closed ") ? "WebSocket " + m : Verdict.kind(e), Verdict.message(e));
                ws.abort();
                return;
            }
        }
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        try {
            echoes.closed.get(lost, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            tally.start();
            tally.bad(OPEN, Tally.Outcome.LOST, "WebSocket to " + agent + ": no close answered within " + options.lostAfter());
        } finally {
            ws.abort();
        }
    }
}
