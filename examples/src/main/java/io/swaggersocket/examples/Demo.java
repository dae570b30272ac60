package io.swaggersocket.examples;

import io.swaggersocket.client.SocketClient;
import io.swaggersocket.examples.petstore.PetstoreAgent;
import io.swaggersocket.examples.petstore.nativeclient.ApiClient;
import io.swaggersocket.examples.petstore.nativeclient.api.DefaultApi;
import io.swaggersocket.examples.petstore.nativeclient.model.Pet;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.server.BearerTokens;
import io.swaggersocket.server.ConnectionEvent;
import io.swaggersocket.server.SocketServer;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The main job on embedded defaults: a server on a free loopback port with the ingress and the
 * admin API, an agent that dials it and serves the petstore OpenAPI example, and calls to that
 * agent through a generated client and through the ingress.
 */
public final class Demo {
    private static final String AGENT = "petstore";

    private final PrintStream out;

    public Demo(PrintStream out) {
        this.out = out;
    }

    /** Runs the demo; with {@code once} it returns after the calls, otherwise it waits for Ctrl-C. */
    public void run(boolean once) throws Exception {
        String token = BearerTokens.newToken();
        try (SocketServer server = SocketServer.builder().bind("127.0.0.1", 0)
                .authenticator(BearerTokens.of(token)).ingress(true).adminApi(true).build()) {
            CompletableFuture<SocketConnection> received = new CompletableFuture<>();
            server.addListener(event -> {
                if (event.type() == ConnectionEvent.Type.RECEIVED) {
                    received.complete(event.connection());
                }
            });
            server.start();
            String http = "http://127.0.0.1:" + server.port();
            out.println("server   listening on " + server.uri() + " (ingress and admin API on " + http + ")");
            out.println("token    " + token);

            try (SocketClient agent = SocketClient.builder(server.uri()).metadata(Map.of("name", AGENT))
                    .header("Authorization", "Bearer " + token).build()) {
                agent.serve(PetstoreAgent.handler());
                agent.connect();
                SocketConnection toAgent = received.get(10, TimeUnit.SECONDS);
                out.println("agent    '" + AGENT + "' connected as " + toAgent.id() + ", serving petstore.yaml");

                // 1. The server calls the agent with a client generated from petstore.yaml: the
                //    tunnel is its transport, the host in the base URI is never dialed.
                ApiClient apiClient = new ApiClient();
                apiClient.setHttpClientBuilder(toAgent.httpClientBuilder());
                apiClient.updateBaseUri("http://petstore-agent/v1");
                DefaultApi pets = new DefaultApi(apiClient);
                Pet rex = pets.createPet(new Pet().name("Rex").tag("dog"), null);
                pets.createPet(new Pet().name("Tom").tag("cat"), null);
                out.println("client   createPet Rex, Tom; getPet " + rex.getId() + " -> " + pets.getPet(rex.getId()).getName()
                        + "; listPets -> " + pets.listPets(10, List.of()).size() + " pets");

                // 2. Anyone with the token calls the same agent through the server's ingress.
                HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                HttpResponse<String> viaIngress = plain.send(HttpRequest.newBuilder(
                        URI.create(http + "/agents/" + AGENT + "/v1/pets?limit=5"))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
                out.println("ingress  GET /agents/" + AGENT + "/v1/pets?limit=5 -> " + viaIngress.statusCode() + " "
                        + viaIngress.body());
                HttpResponse<String> admin = plain.send(HttpRequest.newBuilder(URI.create(http + "/connections"))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
                out.println("admin    GET /connections -> " + admin.statusCode() + ", "
                        + server.activeConnections().size() + " agent(s)");

                out.println();
                out.println("try next:");
                out.println("  curl -H 'Authorization: Bearer " + token + "' " + http + "/agents/" + AGENT + "/v1/pets");
                out.println("  curl -H 'Authorization: Bearer " + token + "' -H 'Content-Type: application/json' -d '{\"name\":\"Kit\"}' "
                        + http + "/agents/" + AGENT + "/v1/pets");
                out.println("  curl '" + http + "/agents/" + AGENT + "/v1/openapi.yaml?token=" + token + "'");
                out.println("  curl -H 'Authorization: Bearer " + token + "' " + http + "/connections");
                out.println("  curl -H 'Authorization: Bearer " + token + "' " + http + "/metrics");
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
}
