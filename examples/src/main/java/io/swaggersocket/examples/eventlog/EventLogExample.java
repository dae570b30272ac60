package io.swaggersocket.examples.eventlog;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.examples.eventlog.client.ApiClient;
import io.swaggersocket.examples.eventlog.client.api.DefaultApi;
import io.swaggersocket.examples.eventlog.client.model.BatchResult;
import io.swaggersocket.examples.eventlog.client.model.Event;
import io.swaggersocket.examples.eventlog.client.model.StreamLine;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.server.SocketServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An event log (after theia/selene) hosted by an agent behind NAT and stored in H2: the server
 * publishes 100,000 events with the client openapi-generator made from {@code eventlog.yaml}
 * (transport: {@code connection.httpClientBuilder()}), finds some back, follows new ones live as
 * NDJSON through the tunnel and over a WebSocket through the ingress, and reopens the log to show
 * it survived. The generated client reads a whole body before it returns, so the NDJSON streams are
 * read with {@code connection.httpClient()} line by line and each line parsed into the generated
 * {@code StreamLine} model. Stateless; {@link #run} may be called from any thread.
 */
public final class EventLogExample {
    /** The host in the clients' base URI is never dialed; only the path matters. */
    static final String BASE_URI = "http://eventlog-agent/log";
    static final int EVENTS = 100_000;
    static final int BATCH = 10_000;
    /** Events followed live per transport, one at a time, to measure send-to-arrival latency. */
    static final int LATENCY_SAMPLES = 20;
    /** Every wait of the example is bounded by this. */
    static final Duration WAIT = Duration.ofSeconds(30);

    private static final ObjectMapper JSON = new ObjectMapper();

    private EventLogExample() {
    }

    /** Starts a server, an agent and a log in a temporary directory, runs the calls, and cleans up. */
    public static void run(PrintStream out) throws Exception {
        Path dir = Files.createTempDirectory("eventlog");
        try {
            run(out, dir, EVENTS);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The example with {@code count} events (a multiple of {@link #BATCH}) in a log in {@code dir}. */
    static void run(PrintStream out, Path dir, int count) throws Exception {
        try (SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).ingress(true).publicIngress(true).build()) {
            server.start();
            out.println("server listening on " + server.uri() + " (ingress at /agents/NAME/...)");
            try (EventLog log = EventLog.open(dir);
                    SocketClient agent = SocketClient.builder(server.uri()).metadata(Map.of("name", "eventlog")).build()) {
                agent.serve(EventLogAgent.handler(log));
                agent.connect();
                SocketConnection toAgent = server.awaitConnection(m -> "eventlog".equals(m.path("name").asText()), WAIT);
                out.println("agent eventlog connected as " + toAgent.id() + ", serving eventlog.yaml from H2 in " + dir);

                ApiClient apiClient = new ApiClient();
                apiClient.setHttpClientBuilder(toAgent.httpClientBuilder()); // the tunnel is the transport
                apiClient.updateBaseUri(BASE_URI);
                DefaultApi events = new DefaultApi(apiClient);
                HttpClient streams = toAgent.httpClient();

                long t0 = System.nanoTime();
                long last = 0;
                for (int from = 0; from < count; from += BATCH) {
                    last = events.sendBatch(batch(from, BATCH)).getLastSeq();
                }
                step(out, "sendBatch x" + (count / BATCH) + " (" + BATCH + " each)", count + " events stored in "
                        + millis(t0) + " ms, last seq " + last);

                List<StreamLine> found = find(streams, "start=1000&end=1010&order=desc");
                step(out, "find start=1000 end=1010 desc", summary(found));
                found = find(streams, "tag=" + enc("^sensor-4$") + "&tag=" + enc("^even$") + "&end=1100");
                step(out, "find tag=^sensor-4$ tag=^even$ end=1100", summary(found));
                found = find(streams, "content=" + enc("ok 4\\d{3}$") + "&limit=5");
                step(out, "find content='ok 4\\d{3}$' limit=5", summary(found));

                followNdjson(out, streams, events);
                followWebSocket(out, server, events);
            }
            try (EventLog reopened = EventLog.open(dir)) {
                step(out, "close and reopen the log", reopened.size() + " events still there");
            }
        }
        out.println("done");
    }

    /** Event {@code i}: at 1000 + i s, from sensor-(i % 10), tagged even or odd, "ok i". */
    static List<Event> batch(int from, int count) {
        List<Event> batch = new ArrayList<>(count);
        for (int i = from; i < from + count; i++) {
            batch.add(new Event().id("e" + i).timestamp(1000.0 + i).source("/dev/sensor-" + (i % 10))
                    .tags(List.of("sensor-" + (i % 10), i % 2 == 0 ? "even" : "odd")).content("ok " + i));
        }
        return batch;
    }

    private static List<StreamLine> find(HttpClient streams, String query) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = streams.send(HttpRequest.newBuilder(URI.create(BASE_URI + "/events?" + query))
                .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofInputStream());
        List<StreamLine> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines.add(JSON.readValue(line, StreamLine.class));
            }
        }
        return lines;
    }

    private static void followNdjson(PrintStream out, HttpClient streams, DefaultApi events) throws Exception {
        HttpResponse<InputStream> response = streams.send(HttpRequest.newBuilder(URI.create(BASE_URI + "/live?tag="
                + enc("^alert$"))).build(), HttpResponse.BodyHandlers.ofInputStream()); // returns once following
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            Latencies latencies = new Latencies();
            Event last = null;
            for (int i = 0; i < LATENCY_SAMPLES; i++) {
                long t0 = System.nanoTime();
                events.send(new Event().source("/dev/door").tags(List.of("alert")).content("door open " + i));
                last = JSON.readValue(reader.readLine(), StreamLine.class).getEvent();
                latencies.add(t0);
            }
            step(out, "live tag=^alert$ (NDJSON, tunnel)", "got '" + last.getContent() + "' seq " + last.getSeq()
                    + "; send to arrival " + latencies);
        } // closing the body resets the stream: the agent ends the follow
    }

    private static void followWebSocket(PrintStream out, SocketServer server, DefaultApi events) throws Exception {
        BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/agents/eventlog/log/live/ws?tag=" + enc("^alert$"));
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(WAIT)
                .buildAsync(uri, new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean lastPart) {
                        text.append(data);
                        if (lastPart) {
                            messages.add(text.toString());
                            text.setLength(0);
                        }
                        socket.request(1);
                        return null;
                    }
                }).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Latencies latencies = new Latencies();
        Event last = null;
        for (int i = 0; i < LATENCY_SAMPLES; i++) {
            long t0 = System.nanoTime();
            events.send(new Event().source("/dev/window").tags(List.of("alert")).content("window open " + i));
            String message = messages.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            if (message == null) {
                throw new IOException("no WebSocket message within " + WAIT);
            }
            last = JSON.readValue(message, StreamLine.class).getEvent();
            latencies.add(t0);
        }
        step(out, "live tag=^alert$ (WebSocket, ingress)", "got '" + last.getContent() + "' seq " + last.getSeq()
                + "; send to arrival " + latencies);
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Not thread-safe: from the start of a send to the event's arrival at the follower, in microseconds. */
    private static final class Latencies {
        private final List<Long> micros = new ArrayList<>();

        void add(long t0) {
            micros.add(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0));
        }

        @Override
        public String toString() {
            List<Long> sorted = new ArrayList<>(micros);
            sorted.sort(null);
            return String.format("median %.1f ms, max %.1f ms (%d events)", sorted.get(sorted.size() / 2) / 1000.0,
                    sorted.get(sorted.size() - 1) / 1000.0, sorted.size());
        }
    }

    private static String summary(List<StreamLine> lines) {
        List<String> seqs = new ArrayList<>();
        String end = "no end line";
        for (StreamLine l : lines) {
            if (l.getEvent() != null) {
                seqs.add(String.valueOf(l.getEvent().getSeq()));
            } else if (l.getEnd() != null) {
                end = "end " + l.getEnd().getReason().getValue();
            }
        }
        return seqs.size() + " events, seq " + (seqs.size() > 12 ? seqs.subList(0, 12) + "..." : seqs) + ", " + end;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static long millis(long t0) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    private static void step(PrintStream out, String call, String result) {
        out.printf("  %-40s -> %s%n", call, result);
    }
}
