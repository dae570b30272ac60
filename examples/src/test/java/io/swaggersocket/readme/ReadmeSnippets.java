package io.swaggersocket.readme;

// README: imports
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.examples.petstore.PetstoreService;
import io.swaggersocket.examples.petstore.PetstoreService.Pet;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.mux.UpgradedStream;
import io.swaggersocket.mux.Upgrades;
import io.swaggersocket.openapi.ApiException;
import io.swaggersocket.openapi.OpenApiHandler;
import io.swaggersocket.openapi.OperationResult;
import io.swaggersocket.server.AccessPolicy;
import io.swaggersocket.server.Grants;
import io.swaggersocket.server.PemTls;
import io.swaggersocket.server.SocketServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import static java.nio.charset.StandardCharsets.UTF_8;
// README: end

/**
 * The Java snippets of README.md's library sections, as compiled code: each region between
 * {@code // README: NAME} and {@code // README: end} must be, dedented, exactly the ```java block
 * that follows {@code <!-- snippet: NAME -->} in README.md ({@link ReadmeSnippetsTest} checks it and
 * runs every method here). The parameters are the names the README leaves to the reader.
 */
final class ReadmeSnippets {
    private ReadmeSnippets() {
    }

    /** The server; returns it once the agent named edge-7 has answered one call. */
    static SocketServer server(String host, int port, String token) throws Exception {
        // README: server
        AccessPolicy access = AccessPolicy.builder()        // or AccessPolicy.read(Path.of("access.yaml"))
                .principal("edge", new Grants(List.of("edge-*"), List.of("edge-*"), List.of()))
                .token("edge", token)
                .build();
        SocketServer server = SocketServer.builder()
                .bind(host, port)                            // e.g. "0.0.0.0", 8443; .sslContext(tls) for wss://
                .accessPolicy(access)                        // or .authenticator(...): your own scheme
                .ingress(true).adminApi(true)                // optional: /agents/NAME/... and /connections, /metrics
                .build();
        server.addListener(event -> System.out.println(event));   // RECEIVED, CLOSED, FAILURE
        server.start();
        System.out.println("listening on " + server.uri());

        // Wait (at most 30 s) for the agent, then call its HTTP handler through the tunnel:
        // a 404 is a response, only transport failures throw.
        SocketConnection agent = server.awaitConnection(m -> "edge-7".equals(m.path("name").asText()),
                Duration.ofSeconds(30));
        try (ClassicHttpResponse response = agent.execute(ClassicRequestBuilder.get("/status").build())) {
            System.out.println(response.getCode() + " " + EntityUtils.toString(response.getEntity()));
        }
        // README: end
        return server;
    }

    /** The agent; returns it connected. */
    static SocketClient agent(URI tunnel, String token) throws Exception {
        // README: agent
        SocketClient client = SocketClient.builder(tunnel)   // e.g. URI.create("wss://tunnel.example.com:8443/tunnel")
                .metadata(Map.of("name", "edge-7"))
                .header("Authorization", "Bearer " + token)    // or .requestSigner(RequestSigner.of(keyId, secret))
                .build();                                      // reconnects with backoff (1 s x1.6, cap 30 s)
        client.serve((request, response, context) ->          // any httpcore5 HttpRequestHandler
                response.setEntity(new StringEntity("ok")));
        SocketConnection connection = client.connect();
        connection.execute(ClassicRequestBuilder.post("/jobs/done").setEntity("42").build()).close();
        // README: end
        return client;
    }

    /** An upgrade: {@code connection} serves an echo, {@code other} (its peer) calls it. */
    static void upgrade(SocketConnection connection, SocketConnection other) throws Exception {
        // README: upgrade
        // The side that serves: accept, then read the caller's bytes and write its own (flush each message).
        connection.serve((request, response, context) -> {
            if (Upgrades.isRequested(request)) {
                Upgrades.accept(request, response, (in, out) -> in.transferTo(out));   // an echo
            } else {
                response.setCode(426);
            }
        });

        // The calling side: a 101 gives two byte streams; any other answer is an ordinary response.
        try (UpgradedStream s = other.upgrade(ClassicRequestBuilder.get("/echo").addHeader("Upgrade", "echo").build(),
                Duration.ofSeconds(10))) {
            s.output().write("hello".getBytes(UTF_8));
            s.output().close();                          // our side ends; the peer reads end of stream
            System.out.println(new String(s.input().readAllBytes(), UTF_8));
        }
        // README: end
    }

    /** The server's and the agent's TLS contexts from the PEM files in {@code dir}, the keys encrypted. */
    static SSLContext[] pem(Path dir) throws Exception {
        // README: pem
        char[] password = PemTls.readPassword(dir.resolve("key-password.txt"));   // dir: e.g. Path.of("/etc/swaggersocket")
        SSLContext tls = PemTls.serverContext(dir.resolve("fullchain.pem"), dir.resolve("privkey.pem"), password, null);
        SSLContext agent = PemTls.clientContext(dir.resolve("agent.pem"), dir.resolve("agent-key.pem"), password,
                dir.resolve("server-ca.pem"));
        // README: end
        return new SSLContext[] {tls, agent};
    }

    /** The petstore served on the agent {@code client} from {@code spec} (the repository's petstore.yaml). */
    static PetstoreService openApi(Path spec, SocketClient client) throws Exception {
        // README: openapi
        PetstoreService store = new PetstoreService();   // the examples' in-memory store
        HttpRequestHandler api = OpenApiHandler.builder(spec)   // e.g. Path.of("petstore.yaml")
                .operation("listPets", call -> store.list(call.queryParam("limit", Integer.class), null))
                .operation("getPet", call -> store.find(call.pathParam("petId", Long.class))
                        .orElseThrow(() -> new ApiException(404, "no such pet")))
                .operation("createPet", call -> {
                    Pet pet = call.body(Pet.class);
                    return OperationResult.status(201).body(store.create(pet.name(), pet.tag()));
                })
                .operation("deletePet", call -> {
                    if (!store.delete(call.pathParam("petId", Long.class))) {
                        throw new ApiException(404, "no such pet");
                    }
                    return OperationResult.status(204);
                })
                .requireAllOperations(true)   // build() fails naming any operation left out
                .build();
        client.serve(api);   // on the agent; or SocketServer.builder().handler(api) on the server
        // README: end
        return store;
    }
}
