package io.swaggersocket.auth;

import java.time.Instant;
import java.util.HashSet;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Thread-safe (one lock): the signatures accepted and not yet expired, at most {@code capacity} of
 * them. Expired ones are dropped on each call, oldest expiry first, so memory never holds more
 * than the capacity and needs no thread of its own.
 *
 * <p>Time only moves forward here: the latest instant any call brought is the horizon, so a clock
 * read a moment earlier on another thread cannot resurrect a signature already dropped.
 */
final class ReplayMemory {
    /** What {@link #remember} decided. */
    enum Outcome { REMEMBERED, EXPIRED, REPLAYED, FULL }

    private record Entry(String signature, Instant expiry) {
    }

    private final int capacity;
    private final Object lock = new Object();
    private final Set<String> signatures = new HashSet<>();
    private final PriorityQueue<Entry> byExpiry = new PriorityQueue<>((a, b) -> a.expiry().compareTo(b.expiry()));
    private Instant horizon = Instant.MIN;

    ReplayMemory(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Remembers {@code signature} until {@code expiry}, unless it is remembered already, the memory
     * is full of unexpired ones, or {@code expiry} is already past the horizon (a signature that
     * old may have been dropped, so it cannot be told from a replay).
     */
    Outcome remember(String signature, Instant expiry, Instant now) {
        synchronized (lock) {
            if (now.isAfter(horizon)) {
                horizon = now;
            }
            while (!byExpiry.isEmpty() && byExpiry.peek().expiry().isBefore(horizon)) {
                signatures.remove(byExpiry.poll().signature());
            }
            if (expiry.isBefore(horizon)) {
                return Outcome.EXPIRED;
            }
            if (signatures.contains(signature)) {
                return Outcome.REPLAYED;
            }
            if (signatures.size() >= capacity) {
                return Outcome.FULL;
            }
            signatures.add(signature);
            byExpiry.add(new Entry(signature, expiry));
            return Outcome.REMEMBERED;
        }
    }

    /** The latest instant seen: what an {@link Outcome#EXPIRED} signature was judged against. */
    Instant horizon() {
        synchronized (lock) {
            return horizon;
        }
    }

    int size() {
        synchronized (lock) {
            return signatures.size();
        }
    }
}
