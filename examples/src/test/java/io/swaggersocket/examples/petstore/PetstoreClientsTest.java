package io.swaggersocket.examples.petstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.client.SocketClient;
import io.swaggersocket.examples.petstore.nativeclient.ApiClient;
import io.swaggersocket.examples.petstore.nativeclient.ApiException;
import io.swaggersocket.examples.petstore.nativeclient.ApiResponse;
import io.swaggersocket.examples.petstore.nativeclient.api.DefaultApi;
import io.swaggersocket.examples.petstore.nativeclient.model.Pet;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.server.ConnectionEvent;
import io.swaggersocket.server.SocketServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent-hosted petstore called by both generated clients, over a real server and agent on
 * 127.0.0.1: path, query, header and JSON body parameters, errors, and concurrency.
 */
@Timeout(60)
class PetstoreClientsTest {
    private static final int CALLERS = 50;

    private final PetstoreService store = new PetstoreService();
    private SocketServer server;
    private SocketClient agent;
    private SocketConnection toAgent;
    private ExecutorService callers;

    @BeforeEach
    void connect() throws Exception {
        server = SocketServer.builder().bind("127.0.0.1", 0).build();
        CompletableFuture<SocketConnection> arrived = new CompletableFuture<>();
        server.addListener(event -> {
            if (event.type() == ConnectionEvent.Type.RECEIVED) {
                arrived.complete(event.connection());
            }
        });
        server.start();
        agent = SocketClient.builder(server.uri()).metadata(Map.of("name", "petstore")).build();
        agent.serve(PetstoreAgent.handler(store));
        agent.connect();
        toAgent = arrived.get(10, TimeUnit.SECONDS);
        callers = Executors.newFixedThreadPool(CALLERS);
    }

    @AfterEach
    void close() {
        callers.shutdownNow();
        agent.close();
        server.close();
    }

    private DefaultApi nativeApi() {
        ApiClient client = new ApiClient();
        client.setHttpClientBuilder(toAgent.httpClientBuilder());
        return new DefaultApi(client);
    }

    private io.swaggersocket.examples.petstore.apacheclient.ApiClient apacheClient() {
        return new io.swaggersocket.examples.petstore.apacheclient.ApiClient(toAgent.apacheHttpClient());
    }

    private static io.swaggersocket.examples.petstore.apacheclient.model.Pet apachePet(String name, String tag) {
        return new io.swaggersocket.examples.petstore.apacheclient.model.Pet().name(name).tag(tag);
    }

    /** Runs {@code CALLERS} calls at once, released together, and returns their results. */
    private <T> List<T> atOnce(Callable<T> call) throws Exception {
        CompletableFuture<Void> start = new CompletableFuture<>();
        List<Future<T>> futures = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
            futures.add(callers.submit(() -> {
                start.get(10, TimeUnit.SECONDS);
                return call.call();
            }));
        }
        start.complete(null);
        List<T> results = new ArrayList<>();
        for (Future<T> f : futures) {
            results.add(f.get(30, TimeUnit.SECONDS));
        }
        return results;
    }

    // ---------------------------------------------------------------------------------------------
    // native (java.net.http)

    @Test
    void nativeClientSendsPathQueryHeaderAndJsonBodyParameters() throws Exception {
        DefaultApi pets = nativeApi();

        ApiResponse<Pet> created = pets.createPetWithHttpInfo(new Pet().name("Rex").tag("dog"), "req-42");
        assertEquals(201, created.getStatusCode());
        assertEquals(new Pet().id(1L).name("Rex").tag("dog"), created.getData());
        assertEquals(List.of("req-42"), created.getHeaders().get("X-Request-Id"));
        assertEquals(List.of("/v1/pets/1"), created.getHeaders().get("Location"));
        pets.createPet(new Pet().name("Tom").tag("cat"), null);
        pets.createPet(new Pet().name("Fido").tag("dog"), null);
        pets.createPet(new Pet().name("Nemo"), null);

        assertEquals(List.of("Rex", "Fido"), names(pets.listPets(null, List.of("dog"))));
        assertEquals(List.of("Rex", "Tom", "Fido"), names(pets.listPets(null, List.of("dog", "cat"))));
        assertEquals(List.of("Rex", "Tom"), names(pets.listPets(2, null)));
        assertEquals(4, pets.listPets(null, null).size());

        assertEquals(new Pet().id(3L).name("Fido").tag("dog"), pets.getPet(3L));
        assertNull(pets.getPet(4L).getTag());
        pets.deletePet(3L);
        assertEquals(List.of("Rex", "Tom", "Nemo"), names(pets.listPets(null, null)));
    }

    @Test
    void nativeClientGets404AndValidationErrorsAsApiExceptions() throws Exception {
        DefaultApi pets = nativeApi();

        ApiException missing = assertThrows(ApiException.class, () -> pets.getPet(404L));
        assertEquals(404, missing.getCode());
        assertTrue(missing.getResponseBody().contains("\"detail\":\"pet 404 not found\""), missing.getResponseBody());
        assertEquals(404, assertThrows(ApiException.class, () -> pets.deletePet(404L)).getCode());

        ApiException tooMany = assertThrows(ApiException.class, () -> pets.listPets(101, null));
        assertEquals(400, tooMany.getCode());
        assertTrue(tooMany.getResponseBody().contains("\"parameter\":\"limit\""), tooMany.getResponseBody());
        ApiException emptyName = assertThrows(ApiException.class, () -> pets.createPet(new Pet().name(""), null));
        assertEquals(400, emptyName.getCode());
        assertTrue(emptyName.getResponseBody().contains("\"pointer\":\"/name\""), emptyName.getResponseBody());
        ApiException badHeader = assertThrows(ApiException.class,
                () -> pets.createPet(new Pet().name("Rex"), "not a request id"));
        assertEquals(400, badHeader.getCode());
        assertTrue(badHeader.getResponseBody().contains("\"parameter\":\"X-Request-Id\""), badHeader.getResponseBody());
        assertEquals(0, store.size(), "a refused request must not reach the store");
    }

    @Test
    void fiftyConcurrentCallsThroughOneNativeClient() throws Exception {
        DefaultApi pets = nativeApi();
        List<Pet> created = atOnce(() -> {
            String name = Thread.currentThread().getName();
            Pet pet = pets.createPet(new Pet().name(name), null);
            assertEquals(pet, pets.getPet(pet.getId()));
            return pet;
        });
        Set<Long> ids = new HashSet<>();
        created.forEach(p -> ids.add(p.getId()));
        assertEquals(CALLERS, ids.size());
        assertEquals(CALLERS, store.size());
        assertEquals(CALLERS, pets.listPets(100, null).size());
    }

    // ---------------------------------------------------------------------------------------------
    // apache-httpclient (httpclient5)

    @Test
    @SuppressWarnings("deprecation") // getStatusCode() and getResponseHeaders(): the only way to see them
    void apacheClientSendsPathQueryHeaderAndJsonBodyParameters() throws Exception {
        var client = apacheClient();
        var pets = new io.swaggersocket.examples.petstore.apacheclient.api.DefaultApi(client);

        var rex = pets.createPet(apachePet("Rex", "dog"), "req-43");
        assertEquals(201, client.getStatusCode());
        assertEquals(List.of("req-43"), client.getResponseHeaders().get("X-Request-Id"));
        assertEquals(1L, rex.getId());
        assertEquals("Rex", rex.getName());
        pets.createPet(apachePet("Tom", "cat"), null);
        pets.createPet(apachePet("Fido", "dog"), null);

        assertEquals(List.of("Rex", "Fido"), apacheNames(pets.listPets(null, List.of("dog"))));
        assertEquals(List.of("Rex"), apacheNames(pets.listPets(1, List.of("dog", "cat"))));
        assertEquals("Tom", pets.getPet(2L).getName());
        pets.deletePet(2L);
        assertEquals(204, client.getStatusCode());
        assertEquals(List.of("Rex", "Fido"), apacheNames(pets.listPets(null, null)));
    }

    @Test
    void apacheClientGets404AndValidationErrorsAsApiExceptions() {
        var pets = new io.swaggersocket.examples.petstore.apacheclient.api.DefaultApi(apacheClient());
        var missing = assertThrows(io.swaggersocket.examples.petstore.apacheclient.ApiException.class,
                () -> pets.getPet(404L));
        assertEquals(404, missing.getCode());
        assertTrue(missing.getResponseBody().contains("\"detail\":\"pet 404 not found\""), missing.getResponseBody());

        var tooFew = assertThrows(io.swaggersocket.examples.petstore.apacheclient.ApiException.class,
                () -> pets.listPets(0, null));
        assertEquals(400, tooFew.getCode());
        assertTrue(tooFew.getResponseBody().contains("\"parameter\":\"limit\""), tooFew.getResponseBody());
        var noName = assertThrows(io.swaggersocket.examples.petstore.apacheclient.ApiException.class,
                () -> pets.createPet(new io.swaggersocket.examples.petstore.apacheclient.model.Pet().tag("x"), null));
        assertEquals(400, noName.getCode());
        assertEquals(0, store.size());
    }

    @Test
    void fiftyConcurrentCallsThroughOneApacheClient() throws Exception {
        var pets = new io.swaggersocket.examples.petstore.apacheclient.api.DefaultApi(apacheClient());
        List<Long> ids = atOnce(() -> {
            var pet = pets.createPet(apachePet(Thread.currentThread().getName(), "t"), null);
            assertEquals(pet.getName(), pets.getPet(pet.getId()).getName());
            return pet.getId();
        });
        assertEquals(CALLERS, new HashSet<>(ids).size());
        assertEquals(CALLERS, store.size());
        assertEquals(CALLERS, pets.listPets(100, List.of("t")).size());
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void theExampleRunsAndSaysWhatItDid() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PetstoreExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        for (String expected : List.of(
                "agent petstore-agent connected as ",
                line("createPet Rex (X-Request-Id req-1)", "201 {id=1, name=Rex, tag=dog}, X-Request-Id [req-1]"),
                line("createPet Tom", "{id=2, name=Tom, tag=cat}"),
                line("listPets limit=10 tag=dog", "[{id=1, name=Rex, tag=dog}]"),
                line("getPet 1", "{id=1, name=Rex, tag=dog}"),
                line("getPet 999", "ApiException 404 {\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,"
                        + "\"detail\":\"pet 999 not found\"}"),
                line("createPet Kit (X-Request-Id req-2)", "201 {id=3, name=Kit}, X-Request-Id [req-2]"),
                line("listPets", "[{id=1, name=Rex, tag=dog}, {id=2, name=Tom, tag=cat}, {id=3, name=Kit}]"),
                line("deletePet 3", "204"),
                line("listPets limit=1000", "ApiException 400 "))) {
            assertTrue(out.contains(expected), () -> "missing '" + expected + "' in:\n" + out);
        }
        assertTrue(out.strip().endsWith("done"), out);
    }

    /** One step as the example prints it. */
    private static String line(String call, String result) {
        return String.format("  %-34s -> %s", call, result);
    }

    private static List<String> names(List<Pet> pets) {
        List<String> out = new ArrayList<>();
        pets.forEach(p -> out.add(p.getName()));
        return out;
    }

    private static List<String> apacheNames(List<io.swaggersocket.examples.petstore.apacheclient.model.Pet> pets) {
        List<String> out = new ArrayList<>();
        pets.forEach(p -> out.add(p.getName()));
        return out;
    }
}
