package io.swaggersocket.examples;

import com.fasterxml.jackson.databind.JsonNode;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.mux.StreamContext;
import io.swaggersocket.server.ConnectionEvent;
import io.swaggersocket.server.SocketServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.ParseException;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;

/**
 * The main job on embedded defaults: a server on a free loopback port, an agent that dials it and
 * serves an HTTP handler, and calls through the tunnel in both directions.
 */
public final class Demo {
    private final PrintStream out;

    public Demo(PrintStream out) {
        this.out = out;
    }

    /** Runs the demo; with {@code once} it returns after the calls, otherwise it waits for Ctrl-C. */
    public void run(boolean once) throws IOException, InterruptedException, ExecutionException, TimeoutException {
        try (SocketServer server = SocketServer.builder().bind("127.0.0.1", 0)
                .handler((request, response, context) -> response.setEntity(new StringEntity(
                        "{\"job\":42,\"assignedTo\":\"" + StreamContext.of(context).connection().metadata().path("name").asText()
                                + "\"}", ContentType.APPLICATION_JSON)))
                .build()) {
            CompletableFuture<SocketConnection> received = new CompletableFuture<>();
            server.addListener(event -> {
                if (event.type() == ConnectionEvent.Type.RECEIVED) {
                    received.complete(event.connection());
                }
            });
            server.start();
            URI tunnel = URI.create("ws://127.0.0.1:" + server.port() + "/tunnel");
            out.println("server listening on " + tunnel);
            try (SocketClient agent = SocketClient.builder(tunnel).metadata(Map.of("name", "demo-agent")).build()) {
                agent.serve((request, response, context) -> response.setEntity(new StringEntity(
                        "{\"greeting\":\"hello from the agent behind the tunnel\",\"path\":\"" + request.getPath() + "\"}",
                        ContentType.APPLICATION_JSON)));
                SocketConnection fromAgent = agent.connect();
                out.println("agent connected: connection " + fromAgent.id());

                // The server registers the connection when the agent's ack arrives, a moment after
                // connect() returns on the agent: wait for that event, then look the agent up.
                received.get(10, TimeUnit.SECONDS);
                SocketConnection toAgent = server.connectionsByMetadata(
                        (JsonNode meta) -> "demo-agent".equals(meta.path("name").asText())).get(0);
                out.println("server -> agent  GET /hello?lang=en  " + call(toAgent, "/hello?lang=en"));
                out.println("agent  -> server GET /jobs/next      " + call(fromAgent, "/jobs/next"));
                if (!once) {
                    out.println("running; press Ctrl-C to stop");
                    CountDownLatch forever = new CountDownLatch(1);
                    Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
                    forever.await();
                }
            }
        }
        out.println("done");
    }

    private static String call(SocketConnection connection, String path) throws IOException {
        try (ClassicHttpResponse response = connection.execute(ClassicRequestBuilder.get(path).build())) {
            return response.getCode() + " " + EntityUtils.toString(response.getEntity());
        } catch (ParseException e) {
            throw new IOException(e);
        }
    }
}
