package io.swaggersocket.examples.petstore;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/** Thread-safe: the pets of {@code petstore.yaml}, in memory, listed by id. */
public final class PetstoreService {
    /** Immutable: one pet as {@code petstore.yaml}'s {@code Pet} schema describes it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Pet(Long id, String name, String tag) {
    }

    private final ConcurrentNavigableMap<Long, Pet> pets = new ConcurrentSkipListMap<>();
    private final AtomicLong nextId = new AtomicLong(1);

    /** Stores a new pet under a fresh id and returns it. */
    public Pet create(String name, String tag) {
        Objects.requireNonNull(name, "name");
        Pet pet = new Pet(nextId.getAndIncrement(), name, tag);
        pets.put(pet.id(), pet);
        return pet;
    }

    public Optional<Pet> find(long id) {
        return Optional.ofNullable(pets.get(id));
    }

    /** True if there was a pet with this id. */
    public boolean delete(long id) {
        return pets.remove(id) != null;
    }

    /**
     * Up to {@code limit} pets by ascending id; with {@code tags} (null or empty for all) only
     * those tagged with one of them.
     */
    public List<Pet> list(int limit, Collection<String> tags) {
        List<Pet> out = new ArrayList<>();
        for (Pet pet : pets.values()) {
            if (out.size() >= limit) {
                break;
            }
            if (tags == null || tags.isEmpty() || tags.contains(pet.tag())) {
                out.add(pet);
            }
        }
        return out;
    }

    public int size() {
        return pets.size();
    }
}
