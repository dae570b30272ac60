package io.swaggersocket.examples.petstore;

import io.swaggersocket.client.SocketClient;
import io.swaggersocket.examples.petstore.nativeclient.ApiClient;
import io.swaggersocket.examples.petstore.nativeclient.ApiResponse;
import io.swaggersocket.examples.petstore.nativeclient.api.DefaultApi;
import io.swaggersocket.examples.petstore.nativeclient.model.Pet;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.server.ConnectionEvent;
import io.swaggersocket.server.SocketServer;
import java.io.PrintStream;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * An OpenAPI service hosted by an agent behind NAT, called by the server through clients that
 * openapi-generator made from the same {@code petstore.yaml}: the {@code native} library
 * ({@code java.net.http}) and the {@code apache-httpclient} library (httpclient5). Each needs one
 * line to go through the tunnel instead of dialing: its transport comes from the connection.
 * Stateless; {@link #run} may be called from any thread.
 */
public final class PetstoreExample {
    /** The host in the clients' base URI is never dialed; only the path matters. */
    static final String BASE_URI = "http://petstore-agent/v1";

    private PetstoreExample() {
    }

    /** Starts a server and an agent on loopback, calls the agent's petstore both ways, and stops. */
    public static void run(PrintStream out) throws Exception {
        try (SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).build()) {
            CompletableFuture<SocketConnection> arrived = new CompletableFuture<>();
            server.addListener(event -> {
                if (event.type() == ConnectionEvent.Type.RECEIVED) {
                    arrived.complete(event.connection());
                }
            });
            server.start();
            out.println("server listening on " + server.uri());

            try (SocketClient agent = SocketClient.builder(server.uri()).metadata(Map.of("name", "petstore-agent")).build()) {
                agent.serve(PetstoreAgent.handler());
                agent.connect();
                SocketConnection toAgent = arrived.get(10, TimeUnit.SECONDS);
                out.println("agent " + toAgent.metadata().path("name").asText() + " connected as " + toAgent.id()
                        + ", serving petstore.yaml");

                callWithNativeClient(toAgent, out);
                callWithApacheClient(toAgent, out);
            }
        }
        out.println("done");
    }

    private static void callWithNativeClient(SocketConnection toAgent, PrintStream out) throws Exception {
        out.println("native client (java.net.http.HttpClient from connection.httpClientBuilder()):");
        ApiClient apiClient = new ApiClient();
        apiClient.setHttpClientBuilder(toAgent.httpClientBuilder()); // the one line: the tunnel is the transport
        apiClient.updateBaseUri(BASE_URI);
        DefaultApi pets = new DefaultApi(apiClient);

        ApiResponse<Pet> created = pets.createPetWithHttpInfo(new Pet().name("Rex").tag("dog"), "req-1");
        step(out, "createPet Rex (X-Request-Id req-1)", created.getStatusCode() + " " + text(created.getData())
                + ", X-Request-Id " + created.getHeaders().get("X-Request-Id"));
        step(out, "createPet Tom", text(pets.createPet(new Pet().name("Tom").tag("cat"), null)));
        step(out, "listPets limit=10 tag=dog", pets.listPets(10, List.of("dog")).stream()
                .map(PetstoreExample::text).collect(Collectors.joining(", ", "[", "]")));
        step(out, "getPet " + created.getData().getId(), text(pets.getPet(created.getData().getId())));
        try {
            pets.getPet(999L);
        } catch (io.swaggersocket.examples.petstore.nativeclient.ApiException e) {
            step(out, "getPet 999", "ApiException " + e.getCode() + " " + e.getResponseBody());
        }
    }

    // The apache-httpclient ApiClient tells the last call's status and headers (per thread) only
    // through getters it marks deprecated, without a replacement.
    @SuppressWarnings("deprecation")
    private static void callWithApacheClient(SocketConnection toAgent, PrintStream out) throws Exception {
        out.println("apache-httpclient client (CloseableHttpClient from connection.apacheHttpClient()):");
        var apiClient = new io.swaggersocket.examples.petstore.apacheclient.ApiClient(toAgent.apacheHttpClient());
        apiClient.setBasePath(BASE_URI);
        var pets = new io.swaggersocket.examples.petstore.apacheclient.api.DefaultApi(apiClient);

        var created = pets.createPet(new io.swaggersocket.examples.petstore.apacheclient.model.Pet().name("Kit"), "req-2");
        step(out, "createPet Kit (X-Request-Id req-2)", apiClient.getStatusCode() + " " + text(created)
                + ", X-Request-Id " + apiClient.getResponseHeaders().get("X-Request-Id"));
        step(out, "listPets", pets.listPets(null, null).stream()
                .map(PetstoreExample::text).collect(Collectors.joining(", ", "[", "]")));
        pets.deletePet(created.getId());
        step(out, "deletePet " + created.getId(), Integer.toString(apiClient.getStatusCode()));
        try {
            pets.listPets(1000, null);
        } catch (io.swaggersocket.examples.petstore.apacheclient.ApiException e) {
            step(out, "listPets limit=1000", "ApiException " + e.getCode() + " " + e.getResponseBody());
        }
    }

    private static void step(PrintStream out, String call, String result) {
        out.printf("  %-34s -> %s%n", call, result);
    }

    private static String text(Pet pet) {
        return "{id=" + pet.getId() + ", name=" + pet.getName() + (pet.getTag() == null ? "" : ", tag=" + pet.getTag()) + "}";
    }

    private static String text(io.swaggersocket.examples.petstore.apacheclient.model.Pet pet) {
        return "{id=" + pet.getId() + ", name=" + pet.getName() + (pet.getTag() == null ? "" : ", tag=" + pet.getTag()) + "}";
    }
}
