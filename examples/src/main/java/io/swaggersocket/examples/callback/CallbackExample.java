package io.swaggersocket.examples.callback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.mux.StreamContext;
import io.swaggersocket.server.ConnectionEvent;
import io.swaggersocket.server.SocketServer;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpStatus;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Both directions on one socket at the same time. The server hosts a job-assignment API; the
 * agent serves {@code POST /work}. When the server asks the agent to work on a job, the agent's
 * handler, before it answers, calls the server back over the same connection
 * ({@code StreamContext.of(context).connection()}) to claim the job and to report its result. The
 * server's call and the agent's calls are open streams on the one WebSocket at once. Stateless;
 * {@link #run} may be called from any thread.
 */
public final class CallbackExample {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern JOB_PATH = Pattern.compile("/jobs/(\\d+)/(claim|result)");

    private CallbackExample() {
    }

    /** Thread-safe: one job of the server's API. */
    static final class Job {
        final int id;
        final String input;
        volatile String assignedTo;
        volatile String result;

        Job(int id, String input) {
            this.id = id;
            this.input = input;
        }
    }

    /**
     * Thread-safe: the server's job API. {@code POST /jobs/{id}/claim} assigns the job to the
     * calling agent (known from its connection's metadata) and answers its input;
     * {@code POST /jobs/{id}/result} stores the result.
     */
    static final class JobApi implements HttpRequestHandler {
        final Map<Integer, Job> jobs = new ConcurrentHashMap<>();

        @Override
        public void handle(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context)
                throws IOException {
            Matcher m = JOB_PATH.matcher(request.getPath());
            Job job = m.matches() && request.getMethod().equals("POST") ? jobs.get(Integer.parseInt(m.group(1))) : null;
            if (job == null) {
                response.setCode(HttpStatus.SC_NOT_FOUND);
                response.setEntity(new StringEntity("{\"error\":\"no such job\"}", ContentType.APPLICATION_JSON));
                return;
            }
            if (m.group(2).equals("claim")) {
                job.assignedTo = StreamContext.of(context).connection().metadata().path("name").asText();
                ObjectNode body = JSON.createObjectNode().put("job", job.id).put("input", job.input)
                        .put("assignedTo", job.assignedTo);
                response.setEntity(new StringEntity(body.toString(), ContentType.APPLICATION_JSON));
            } else if (request.getEntity() == null) {
                response.setCode(HttpStatus.SC_BAD_REQUEST);
                response.setEntity(new StringEntity("{\"error\":\"expected a JSON body\"}", ContentType.APPLICATION_JSON));
            } else {
                job.result = JSON.readTree(request.getEntity().getContent()).path("result").asText();
                response.setCode(HttpStatus.SC_NO_CONTENT);
            }
        }
    }

    /**
     * Thread-safe: the agent's {@code POST /work} handler. It calls the server back on the
     * connection the request came on, while that request is still open.
     */
    static final class Worker implements HttpRequestHandler {
        /** The most streams seen open on the socket just before a callback. */
        final AtomicInteger maxOpenStreams = new AtomicInteger();
        /** When set, each call waits until this many calls are in the handler at once. */
        volatile CountDownLatch gate;
        private final Consumer<String> trace;

        Worker(Consumer<String> trace) {
            this.trace = trace;
        }

        @Override
        public void handle(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context)
                throws IOException {
            StreamContext stream = StreamContext.of(context);
            SocketConnection toServer = stream.connection(); // the same socket the server's call came on
            if (request.getEntity() == null) {
                throw new IOException("POST /work: expected a JSON body naming the job");
            }
            int job = JSON.readTree(request.getEntity().getContent()).path("job").asInt();
            CountDownLatch all = gate;
            if (all != null) {
                all.countDown();
                try {
                    if (!all.await(10, TimeUnit.SECONDS)) {
                        throw new IOException("job " + job + ": the other calls did not arrive within 10 s");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("job " + job + ": interrupted");
                }
            }

            maxOpenStreams.accumulateAndGet(toServer.activeStreams(), Math::max);
            JsonNode claimed = post(toServer, "/jobs/" + job + "/claim", null);
            trace.accept("    agent -> server POST /jobs/" + job + "/claim   -> " + claimed
                    + "  (server's stream " + stream.streamId() + " still open)");
            String result = Integer.toString(claimed.path("input").asText().trim().split("\\s+").length);
            post(toServer, "/jobs/" + job + "/result", JSON.createObjectNode().put("result", result));
            trace.accept("    agent -> server POST /jobs/" + job + "/result  -> 204 {\"result\":\"" + result + "\"}");

            response.setEntity(new StringEntity(JSON.createObjectNode().put("job", job).put("status", "done").toString(),
                    ContentType.APPLICATION_JSON));
        }

        private static JsonNode post(SocketConnection connection, String path, JsonNode body) throws IOException {
            ClassicRequestBuilder request = ClassicRequestBuilder.post(path);
            if (body != null) {
                request.setEntity(body.toString(), ContentType.APPLICATION_JSON);
            }
            try (ClassicHttpResponse response = connection.execute(request.build())) {
                if (response.getCode() >= 300) {
                    throw new IOException("POST " + path + ": expected a 2xx but was " + response.getCode());
                }
                return response.getEntity() == null ? null : JSON.readTree(EntityUtils.toString(response.getEntity()));
            } catch (org.apache.hc.core5.http.ParseException e) {
                throw new IOException(e);
            }
        }
    }

    /**
     * Starts a server and an agent on loopback, runs one job and then eight at once through
     * callbacks, and stops.
     */
    public static void run(PrintStream out) throws Exception {
        JobApi api = new JobApi();
        api.jobs.put(1, new Job(1, "count the words of this sentence please"));
        for (int i = 2; i <= 9; i++) {
            api.jobs.put(i, new Job(i, "job " + i + " " + "word ".repeat(i)));
        }
        try (SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).handler(api).build()) {
            CompletableFuture<SocketConnection> arrived = new CompletableFuture<>();
            server.addListener(event -> {
                if (event.type() == ConnectionEvent.Type.RECEIVED) {
                    arrived.complete(event.connection());
                }
            });
            server.start();
            out.println("server listening on " + server.uri() + ", hosting POST /jobs/{id}/claim and /jobs/{id}/result");

            List<String> trace = Collections.synchronizedList(new ArrayList<>());
            Worker worker = new Worker(trace::add);
            try (SocketClient agent = SocketClient.builder(server.uri()).metadata(Map.of("name", "worker-1")).build()) {
                agent.serve(worker);
                agent.connect();
                SocketConnection toAgent = arrived.get(10, TimeUnit.SECONDS);
                out.println("agent worker-1 connected as " + toAgent.id() + ", serving POST /work");

                // One job: the agent's calls to the server nest inside the server's call to the agent.
                out.println("server -> agent  POST /work {\"job\":1}");
                String answer = work(toAgent, 1);
                trace.forEach(out::println);
                trace.clear();
                out.println("server <- agent  " + answer);
                Job first = api.jobs.get(1);
                out.println("job 1: assigned to " + first.assignedTo + ", result " + first.result);

                // Eight jobs at once: each handler waits until all eight calls are open, then calls
                // back twice, so sixteen agent->server calls cross eight server->agent calls.
                worker.gate = new CountDownLatch(8);
                List<CompletableFuture<ClassicHttpResponse>> calls = new ArrayList<>();
                for (int i = 2; i <= 9; i++) {
                    calls.add(toAgent.executeAsync(ClassicRequestBuilder.post("/work")
                            .setEntity("{\"job\":" + i + "}", ContentType.APPLICATION_JSON).build()));
                }
                int done = 0;
                for (CompletableFuture<ClassicHttpResponse> call : calls) {
                    try (ClassicHttpResponse response = call.get(30, TimeUnit.SECONDS)) {
                        done += response.getCode() == 200 ? 1 : 0;
                    }
                }
                trace.clear();
                long stored = api.jobs.values().stream().filter(j -> j.result != null).count();
                out.println("server -> agent  8 x POST /work at once: " + done + " answered 200; "
                        + "all 8 were open while the agent called back " + (2 * 8) + " times");
                out.println("streams open on the socket as the callbacks began: " + (worker.maxOpenStreams.get() >= 8
                        ? "8 or more" : "only " + worker.maxOpenStreams.get()) + "; job results stored: " + stored + " of 9");
            }
        }
        out.println("done");
    }

    private static String work(SocketConnection toAgent, int job) throws IOException {
        try (ClassicHttpResponse response = toAgent.execute(ClassicRequestBuilder.post("/work")
                .setEntity("{\"job\":" + job + "}", ContentType.APPLICATION_JSON).build())) {
            return response.getCode() + " " + EntityUtils.toString(response.getEntity());
        } catch (org.apache.hc.core5.http.ParseException e) {
            throw new IOException(e);
        }
    }
}
