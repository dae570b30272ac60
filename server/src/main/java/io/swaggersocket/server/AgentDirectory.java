package io.swaggersocket.server;

import java.util.List;
import java.util.Objects;

/**
 * Implementations must be thread-safe: where the nodes of a cluster record which node holds which
 * agent name, so that an agent name belongs to one principal cluster-wide and a call reaching
 * any node finds the node that holds its agent.
 *
 * <p>A server calls {@link #claim} on a worker thread while it judges a tunnel upgrade that
 * announces a name (in the path {@code /tunnel/NAME} or the {@code Swaggersocket-Agent} header),
 * and {@link #release} when that connection ends (its handshake failed or it closed); the
 * ingress calls {@link #locate} for a name no agent on this node holds. The directory keeps
 * its own entries alive (a heartbeat that refreshes the entries this node holds and this node's
 * liveness) from {@link #claim} until {@link #close}. Every call must be bounded in time: a
 * directory that cannot answer says so ({@link Claim#UNAVAILABLE}, {@link Lookup.State#UNAVAILABLE})
 * rather than block.
 *
 * <p>{@link #local()} is the default: one node, nothing shared; the server's own registry then
 * enforces name ownership, as it always did. The {@code swaggersocket-cluster} module has one backed
 * by Redis.
 */
public interface AgentDirectory extends AutoCloseable {

    /** What a claim came to. */
    enum Claim {
        /** The name is now held by this owner on this node (free before, or the owner's already). */
        GRANTED,
        /** Another owner holds the name on some node: the tunnel is refused with 403. */
        TAKEN,
        /** The directory could not be asked in time: the tunnel is refused with 503 and {@code Retry-After}. */
        UNAVAILABLE
    }

    /**
     * A node of the cluster as the directory knows it: its id, and the {@code host:port} of its
     * internal listener, where other nodes forward calls for its agents.
     */
    record Node(String id, String internalAddress) {
        public Node {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(internalAddress, "internalAddress");
        }
    }

    /**
     * Where a name's agents are.
     *
     * @param state what the directory knows of the name
     * @param nodes the live nodes holding an agent of that name (empty unless {@code HELD})
     */
    record Lookup(State state, List<Node> nodes) {
        /** What the directory knows of a name. */
        public enum State {
            /** No node holds it and nobody owned it lately: 404. */
            UNKNOWN,
            /** One or more live nodes hold an agent of that name. */
            HELD,
            /** Owned, but no live node holds an agent now (its node died, it is reconnecting): 503. */
            MOVING,
            /** The directory could not be asked in time: 503. */
            UNAVAILABLE
        }

        public Lookup {
            Objects.requireNonNull(state, "state");
            nodes = List.copyOf(nodes);
        }

        /** A lookup in {@code state} with no nodes. */
        public static Lookup of(State state) {
            return new Lookup(state, List.of());
        }
    }

    /** This node's id: unique in the cluster. */
    String nodeId();

    /**
     * Claims {@code name} for {@code owner} (a principal's name, {@code ""} for anonymous agents)
     * for one connection of this node, atomically cluster-wide: granted when the name is free or
     * already {@code owner}'s (agents of one owner may share a name, on any nodes), refused when
     * another owner holds it. Blocks for at most the directory's timeout.
     */
    Claim claim(String name, String owner, String connectionId);

    /**
     * Ends the claim of {@code connectionId} on {@code name}; does not block and never throws (a
     * release that fails is left to the entry's expiry).
     */
    void release(String name, String connectionId);

    /**
     * Ends the claim of {@code connectionId} on {@code name} because its agent is about to move to
     * another node (a drain): unlike {@link #release}, the name stays its owner's for the
     * directory's grace, so that calls meanwhile wait for the agent (503 at worst) rather than
     * get 404, and no other principal can take it. Does not block and never throws.
     */
    default void handOff(String name, String connectionId) {
        release(name, connectionId);
    }

    /**
     * Which live nodes hold an agent named {@code name}, the node of the most recently refreshed
     * claim first (calls go there: a node that just took an agent over is preferred to one that
     * may have died unnoticed). Blocks for at most the directory's timeout.
     */
    Lookup locate(String name);

    /**
     * The live nodes of the cluster, this one included; for cluster-wide admin views. Blocks for
     * at most the directory's timeout; empty when the directory cannot be asked.
     */
    List<Node> nodes();

    /** True if this directory is shared with other nodes (calls may then be forwarded). */
    default boolean clustered() {
        return true;
    }

    /** Stops the heartbeat and removes this node and its entries, so that others take over at once. */
    @Override
    void close();

    /** The single-node directory: grants every claim (the server's registry judges), knows no other node. */
    static AgentDirectory local() {
        return LocalDirectory.INSTANCE;
    }
}
