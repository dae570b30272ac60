package io.swaggersocket.server;

import java.util.HashMap;
import java.util.Map;

/**
 * The caps on agent connections: how many tunnel upgrades may be in progress at once
 * ({@link ServerLimits#maxPendingUpgrades()}), and how many agent connections, live or in
 * progress, one principal ({@link ServerLimits#maxConnectionsPerPrincipal()}) and one source
 * address ({@link ServerLimits#maxConnectionsPerAddress()}) may hold. Thread-safe: one lock guards
 * every count; nothing but counting happens under it.
 *
 * <p>Each upgrade request that passes gets a {@link Ticket}, which holds its slots until
 * {@link Ticket#release()}: a pending slot until the protocol handshake ends
 * ({@link Ticket#admitted()}), the address slot (and, once the upgrade is authenticated, the
 * principal slot) until the connection is gone. A ticket is released exactly once however many of
 * its owners call release, so every count taken is given back once.
 */
final class UpgradeAdmission {
    /** What {@link #enter} gives: a ticket, or a refusal. */
    sealed interface Entry permits Ticket, Refusal {
    }

    /** A refusal: the status, the {@code Retry-After} seconds and the message (no secret in it). */
    record Refusal(int status, int retryAfterSeconds, String message) implements Entry {
    }

    private enum Phase { PENDING, LIVE, GONE }

    private final ServerLimits limits;
    private final LimitHits hits;
    private final Object lock = new Object();
    private int pending; // guarded by lock
    private final Map<String, Integer> byPrincipal = new HashMap<>(); // guarded by lock
    private final Map<String, Integer> byAddress = new HashMap<>(); // guarded by lock

    UpgradeAdmission(ServerLimits limits, LimitHits hits) {
        this.limits = limits;
        this.hits = hits;
    }

    /**
     * Takes a pending slot and a slot of {@code address} for a new upgrade request, or refuses it:
     * 503 when {@link ServerLimits#maxPendingUpgrades()} upgrades are in progress, 429 when the
     * address holds {@link ServerLimits#maxConnectionsPerAddress()} connections.
     *
     * @param address the source IP address as text
     */
    Entry enter(String address) {
        int pendingNow;
        int fromAddress;
        synchronized (lock) {
            pendingNow = pending;
            fromAddress = byAddress.getOrDefault(address, 0);
            if (pendingNow < limits.maxPendingUpgrades() && fromAddress < limits.maxConnectionsPerAddress()) {
                pending++;
                byAddress.merge(address, 1, Integer::sum);
                return new Ticket(address);
            }
        }
        if (pendingNow >= limits.maxPendingUpgrades()) {
            hits.hit(LimitHits.Limit.PENDING_UPGRADES, pendingNow + " upgrades in progress");
            return new Refusal(503, 1, "expected at most " + limits.maxPendingUpgrades()
                    + " tunnel upgrades in progress (maxPendingUpgrades) but there are " + pendingNow
                    + "; retry later");
        }
        hits.hit(LimitHits.Limit.CONNECTIONS_PER_ADDRESS, "address " + address + " holds " + fromAddress);
        return new Refusal(429, 5, "expected at most " + limits.maxConnectionsPerAddress()
                + " agent connections per source address (maxConnectionsPerAddress) but " + address + " has "
                + fromAddress);
    }

    /** Upgrades in progress now. */
    int pending() {
        synchronized (lock) {
            return pending;
        }
    }

    /** Connections, live or in progress, counted for principal {@code owner} now (see {@link AccessControl#owner}). */
    int ofPrincipal(String owner) {
        synchronized (lock) {
            return byPrincipal.getOrDefault(owner, 0);
        }
    }

    /** Connections, live or in progress, counted for source address {@code address} now. */
    int fromAddress(String address) {
        synchronized (lock) {
            return byAddress.getOrDefault(address, 0);
        }
    }

    private static void decrement(Map<String, Integer> counts, String key) {
        counts.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
    }

    /**
     * One upgrade's slots. Thread-safe (under the admission's lock); every method may be called in
     * any order, more than once: what is no longer held is not given back again.
     */
    final class Ticket implements Entry {
        private final String address;
        private String principal; // guarded by lock
        private Phase phase = Phase.PENDING; // guarded by lock

        private Ticket(String address) {
            this.address = address;
        }

        /**
         * Takes a slot of principal {@code owner} once the upgrade is authenticated, or returns the
         * 429 refusal when the principal holds {@link ServerLimits#maxConnectionsPerPrincipal()}
         * connections (or this ticket is released already: then a 503).
         */
        Refusal bind(String owner) {
            int held;
            synchronized (lock) {
                if (phase != Phase.PENDING || principal != null) {
                    return new Refusal(503, 1, "the upgrade ended while it was being authenticated");
                }
                held = byPrincipal.getOrDefault(owner, 0);
                if (held < limits.maxConnectionsPerPrincipal()) {
                    byPrincipal.merge(owner, 1, Integer::sum);
                    principal = owner;
                    return null;
                }
            }
            String who = owner.isEmpty() ? "anonymous agents" : "principal " + owner;
            hits.hit(LimitHits.Limit.CONNECTIONS_PER_PRINCIPAL, who + " holds " + held);
            return new Refusal(429, 5, "expected at most " + limits.maxConnectionsPerPrincipal()
                    + " agent connections per principal (maxConnectionsPerPrincipal) but " + who + " has " + held);
        }

        /** The handshake succeeded: the pending slot is given back, the connection's slots stay. */
        void admitted() {
            synchronized (lock) {
                if (phase == Phase.PENDING) {
                    pending--;
                    phase = Phase.LIVE;
                }
            }
        }

        /** The upgrade was refused or failed, or the connection is gone: every slot is given back. */
        void release() {
            synchronized (lock) {
                if (phase == Phase.GONE) {
                    return;
                }
                if (phase == Phase.PENDING) {
                    pending--;
                }
                phase = Phase.GONE;
                decrement(byAddress, address);
                if (principal != null) {
                    decrement(byPrincipal, principal);
                }
            }
        }
    }
}
