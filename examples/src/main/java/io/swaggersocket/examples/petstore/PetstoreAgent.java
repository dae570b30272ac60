package io.swaggersocket.examples.petstore;

import io.swaggersocket.openapi.ApiException;
import io.swaggersocket.openapi.OpenApiHandler;
import io.swaggersocket.openapi.OperationResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Stateless: what the agent serves, {@code petstore.yaml} (on the classpath) bound to a
 * {@link PetstoreService} by an {@link OpenApiHandler}, which routes and validates every request
 * before an operation sees it.
 */
public final class PetstoreAgent {
    /** The classpath resource of the document both the agent and the generated clients use. */
    public static final String SPEC_RESOURCE = "/petstore.yaml";

    private PetstoreAgent() {
    }

    /** The OpenAPI document, as text. */
    public static String spec() {
        try (InputStream in = PetstoreAgent.class.getResourceAsStream(SPEC_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(SPEC_RESOURCE + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A handler serving a new, empty store. */
    public static OpenApiHandler handler() {
        return handler(new PetstoreService());
    }

    /**
     * A handler serving {@code pets} under the document's base path {@code /v1}: thread-safe,
     * so one handler may serve any number of connections.
     */
    public static OpenApiHandler handler(PetstoreService pets) {
        return OpenApiHandler.builder(spec())
                .operation("listPets", call -> {
                    @SuppressWarnings("unchecked")
                    List<String> tags = (List<String>) call.queryParam("tag");
                    return pets.list(call.queryParam("limit", Integer.class), tags);
                })
                .operation("createPet", call -> {
                    PetstoreService.Pet body = call.body(PetstoreService.Pet.class);
                    PetstoreService.Pet pet = pets.create(body.name(), body.tag());
                    OperationResult created = OperationResult.status(201).header("Location", "/v1/pets/" + pet.id());
                    String requestId = call.header("X-Request-Id", String.class);
                    return (requestId == null ? created : created.header("X-Request-Id", requestId)).body(pet);
                })
                .operation("getPet", call -> {
                    long id = call.pathParam("petId", Long.class);
                    return pets.find(id).orElseThrow(() -> new ApiException(404, "pet " + id + " not found"));
                })
                .operation("deletePet", call -> {
                    long id = call.pathParam("petId", Long.class);
                    if (!pets.delete(id)) {
                        throw new ApiException(404, "pet " + id + " not found");
                    }
                    return null;
                })
                .requireAllOperations(true)
                .build();
    }
}
