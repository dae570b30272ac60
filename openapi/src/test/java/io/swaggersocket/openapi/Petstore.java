package io.swaggersocket.openapi;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The petstore of {@code petstore.yaml}, in memory, bound to its operations (but for updatePet). */
final class Petstore {
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Pet(Long id, String name, String tag, String status, List<String> tags) {
        Pet withId(long newId) {
            return new Pet(newId, name, tag, status, tags);
        }
    }

    final Map<Long, Pet> pets = new ConcurrentHashMap<>();
    final AtomicLong nextId = new AtomicLong(2);
    /** What the last listPets call saw, to check conversions. */
    volatile Object lastLimit;
    volatile Object lastTag;

    Petstore() {
        pets.put(1L, new Pet(1L, "Rex", null, "available", null));
    }

    static Path spec() {
        try {
            return Path.of(Petstore.class.getResource("/petstore.yaml").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    OpenApiHandler.Builder builder() throws IOException {
        return OpenApiHandler.builder(spec())
                .operation("listPets", call -> {
                    lastLimit = call.queryParam("limit");
                    lastTag = call.queryParam("tag");
                    int limit = call.queryParam("limit", Integer.class);
                    return new ArrayList<>(pets.values()).subList(0, Math.min(limit, pets.size()));
                })
                .operation("listMyPets", call -> List.of(new Pet(0L, "Mine", null, null, null)))
                .operation("createPet", call -> {
                    Pet pet = call.body(Pet.class).withId(nextId.getAndIncrement());
                    pets.put(pet.id(), pet);
                    return OperationResult.status(201).header("Location", "/api/v1/pets/" + pet.id()).body(pet);
                })
                .operation("getPet", call -> {
                    long id = call.pathParam("petId", Long.class);
                    Pet pet = pets.get(id);
                    if (pet == null) {
                        throw new ApiException(404, "pet " + id + " not found");
                    }
                    return pet;
                })
                .operation("deletePet", call -> {
                    pets.remove(call.pathParam("petId", Long.class));
                    return null;
                });
    }

    OpenApiHandler handler() throws IOException {
        return builder().build();
    }
}
