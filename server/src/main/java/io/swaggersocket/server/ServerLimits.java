package io.swaggersocket.server;

import java.time.Duration;
import java.util.Objects;

/**
 * Immutable and thread-safe: every wait and resource cap of a {@link SocketServer}'s HTTP side
 * (the ingress, the admin API, tunnel upgrades before their WebSocket opens), so that no caller,
 * careless or hostile, can hold the server's threads, sockets or memory for long. Build with
 * {@link #builder()}; each limit hit is counted in {@code /metrics}
 * ({@code swaggersocket_limit_hits_total{limit="..."}}).
 *
 * <p>Defaults, chosen as a production operator would (nginx and frp wait 60 s for a response
 * head):
 * <table>
 * <caption>defaults</caption>
 * <tr><td>{@link #responseHeadTimeout}</td><td>60 s: an agent that sends no response head by then: 504, its stream reset</td></tr>
 * <tr><td>{@link #bodyIdleTimeout}</td><td>60 s: a request or response body with no byte for that long is cut (the stream reset, the client connection aborted)</td></tr>
 * <tr><td>{@link #requestHeadTimeout}</td><td>10 s: a client must send a whole request head within this, or its connection is closed</td></tr>
 * <tr><td>{@link #upgradedIdleTimeout}</td><td>1 h: an upgraded ingress connection (a WebSocket through the tunnel) with no byte either way for that long is closed</td></tr>
 * <tr><td>{@link #idleTimeout}</td><td>60 s: a keep-alive connection with no request in flight is closed after this</td></tr>
 * <tr><td>{@link #maxIngressCalls}</td><td>1,024 ingress calls in flight; more: 503 with {@code Retry-After}</td></tr>
 * <tr><td>{@link #maxPendingUpgrades}</td><td>1,024 tunnel upgrades between the request and the end of the handshake; more: 503</td></tr>
 * <tr><td>{@link #maxConnectionsPerPrincipal}</td><td>1,000 agent connections per principal; more: 429</td></tr>
 * <tr><td>{@link #maxConnectionsPerAddress}</td><td>1,000 agent connections per source address; more: 429</td></tr>
 * <tr><td>{@link #movingAgentWait}</td><td>3 s: in a cluster, an ingress call for an agent moving between nodes waits this long for it, then 503</td></tr>
 * </table>
 *
 * <p>How the limits met before an agent is in behave:
 * <ul>
 * <li>{@link #requestHeadTimeout() requestHeadTimeout}: a new connection (on TLS, its handshake
 *     included) must send a whole request head within it, or is closed; so must a later request on
 *     a kept-alive connection, counted from its first bytes, however slowly the rest trickles in.
 *     The connection is closed without an answer (no 408).</li>
 * <li>{@link #idleTimeout() idleTimeout}: a kept-alive connection with no request after its last
 *     response is closed. Neither timeout touches a connection while a request runs (an ingress
 *     call, however long) or once it is a tunnel (the tunnel's heartbeat governs it).</li>
 * <li>A request head over 64 KiB gets 400 and a close (not configurable).</li>
 * <li>{@link #maxPendingUpgrades() maxPendingUpgrades} counts tunnel upgrades from the request to
 *     the end of the protocol handshake: more get 503 with {@code Retry-After: 1}.</li>
 * <li>{@link #maxConnectionsPerAddress() maxConnectionsPerAddress} counts agent connections, live
 *     or in progress, per source IP address, before authentication, and
 *     {@link #maxConnectionsPerPrincipal() maxConnectionsPerPrincipal} per principal, once
 *     authenticated (agents without a principal count as one): more get 429 with
 *     {@code Retry-After: 5} and an error naming the limit.</li>
 * </ul>
 * Each hit is also logged, at most once a minute per limit.
 */
public final class ServerLimits {
    private static final ServerLimits DEFAULTS = builder().build();

    private final Duration responseHeadTimeout;
    private final Duration bodyIdleTimeout;
    private final Duration requestHeadTimeout;
    private final Duration idleTimeout;
    private final Duration upgradedIdleTimeout;
    private final int maxIngressCalls;
    private final int maxPendingUpgrades;
    private final int maxConnectionsPerPrincipal;
    private final int maxConnectionsPerAddress;
    private final Duration movingAgentWait;

    private ServerLimits(Builder b) {
        responseHeadTimeout = b.responseHeadTimeout;
        bodyIdleTimeout = b.bodyIdleTimeout;
        requestHeadTimeout = b.requestHeadTimeout;
        idleTimeout = b.idleTimeout;
        upgradedIdleTimeout = b.upgradedIdleTimeout;
        maxIngressCalls = b.maxIngressCalls;
        maxPendingUpgrades = b.maxPendingUpgrades;
        maxConnectionsPerPrincipal = b.maxConnectionsPerPrincipal;
        maxConnectionsPerAddress = b.maxConnectionsPerAddress;
        movingAgentWait = b.movingAgentWait;
    }

    /** Every default. */
    public static ServerLimits defaults() {
        return DEFAULTS;
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these limits. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.responseHeadTimeout = responseHeadTimeout;
        b.bodyIdleTimeout = bodyIdleTimeout;
        b.requestHeadTimeout = requestHeadTimeout;
        b.idleTimeout = idleTimeout;
        b.upgradedIdleTimeout = upgradedIdleTimeout;
        b.maxIngressCalls = maxIngressCalls;
        b.maxPendingUpgrades = maxPendingUpgrades;
        b.maxConnectionsPerPrincipal = maxConnectionsPerPrincipal;
        b.maxConnectionsPerAddress = maxConnectionsPerAddress;
        b.movingAgentWait = movingAgentWait;
        return b;
    }

    /** How long an ingress call waits for the agent's response head before 504; default 60 s. */
    public Duration responseHeadTimeout() {
        return responseHeadTimeout;
    }

    /**
     * How long a request or response body may go without a byte before it is cut; default 60 s.
     * Server-sent events ({@code text/event-stream}) and other long-lived streams are bodies like any
     * other: one silent for longer is cut, so send a comment line ({@code ":\n"}) more often than
     * this as a keep-alive, or raise it (and the agent's {@code ForwardingHandler} body idle timeout).
     */
    public Duration bodyIdleTimeout() {
        return bodyIdleTimeout;
    }

    /** How long a client may take to send a whole request head; default 10 s. */
    public Duration requestHeadTimeout() {
        return requestHeadTimeout;
    }

    /** How long a connection may stay open with no request in flight; default 60 s. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /**
     * How long an upgraded ingress connection (a WebSocket carried through the tunnel) may go with
     * no byte either way before both its sides are aborted; default 1 hour. WebSocket pings count as
     * bytes, so a session whose ends ping stays open.
     */
    public Duration upgradedIdleTimeout() {
        return upgradedIdleTimeout;
    }

    /** Ingress calls in flight at most; default 1,024. */
    public int maxIngressCalls() {
        return maxIngressCalls;
    }

    /** Tunnel upgrades in progress (request received, handshake not done) at most; default 1,024. */
    public int maxPendingUpgrades() {
        return maxPendingUpgrades;
    }

    /** Live agent connections of one principal at most; default 1,000. */
    public int maxConnectionsPerPrincipal() {
        return maxConnectionsPerPrincipal;
    }

    /** Live agent connections from one source IP address at most; default 1,000. */
    public int maxConnectionsPerAddress() {
        return maxConnectionsPerAddress;
    }

    /**
     * In a cluster: how long an ingress call for an agent that is moving between nodes (its name
     * owned, no live node holding it: its node drained or died, or it is redialling) waits for it
     * to turn up somewhere before 503 with {@code Retry-After: 1}; default 3 s (docs/SCALE-OUT.md).
     */
    public Duration movingAgentWait() {
        return movingAgentWait;
    }

    @Override
    public String toString() {
        return "ServerLimits[responseHeadTimeout=" + responseHeadTimeout + ", bodyIdleTimeout=" + bodyIdleTimeout
                + ", requestHeadTimeout=" + requestHeadTimeout + ", idleTimeout=" + idleTimeout
                + ", upgradedIdleTimeout=" + upgradedIdleTimeout
                + ", maxIngressCalls=" + maxIngressCalls + ", maxPendingUpgrades=" + maxPendingUpgrades
                + ", maxConnectionsPerPrincipal=" + maxConnectionsPerPrincipal
                + ", maxConnectionsPerAddress=" + maxConnectionsPerAddress + ", movingAgentWait=" + movingAgentWait + "]";
    }

    /** Not thread-safe: sets limits; {@link #build()} may be called more than once. */
    public static final class Builder {
        private static final Duration MIN_WAIT = Duration.ofMillis(10);
        private static final Duration MAX_WAIT = Duration.ofDays(1);

        private Duration responseHeadTimeout = Duration.ofSeconds(60);
        private Duration bodyIdleTimeout = Duration.ofSeconds(60);
        private Duration requestHeadTimeout = Duration.ofSeconds(10);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration upgradedIdleTimeout = Duration.ofHours(1);
        private int maxIngressCalls = 1024;
        private int maxPendingUpgrades = 1024;
        private int maxConnectionsPerPrincipal = 1000;
        private int maxConnectionsPerAddress = 1000;
        private Duration movingAgentWait = Duration.ofSeconds(3);

        private Builder() {
        }

        /** @throws IllegalArgumentException when not in [10 ms, 1 day] */
        public Builder responseHeadTimeout(Duration timeout) {
            this.responseHeadTimeout = wait("responseHeadTimeout", timeout);
            return this;
        }

        /** @throws IllegalArgumentException when not in [10 ms, 1 day] */
        public Builder bodyIdleTimeout(Duration timeout) {
            this.bodyIdleTimeout = wait("bodyIdleTimeout", timeout);
            return this;
        }

        /** @throws IllegalArgumentException when not in [10 ms, 1 day] */
        public Builder requestHeadTimeout(Duration timeout) {
            this.requestHeadTimeout = wait("requestHeadTimeout", timeout);
            return this;
        }

        /** @throws IllegalArgumentException when not in [10 ms, 1 day] */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = wait("idleTimeout", timeout);
            return this;
        }

        /** @throws IllegalArgumentException when not in [10 ms, 1 day] */
        public Builder upgradedIdleTimeout(Duration timeout) {
            this.upgradedIdleTimeout = wait("upgradedIdleTimeout", timeout);
            return this;
        }

        /** @throws IllegalArgumentException when not in [1, 1,000,000] */
        public Builder maxIngressCalls(int max) {
            this.maxIngressCalls = count("maxIngressCalls", max);
            return this;
        }

        /** @throws IllegalArgumentException when not in [1, 1,000,000] */
        public Builder maxPendingUpgrades(int max) {
            this.maxPendingUpgrades = count("maxPendingUpgrades", max);
            return this;
        }

        /** @throws IllegalArgumentException when not in [1, 1,000,000] */
        public Builder maxConnectionsPerPrincipal(int max) {
            this.maxConnectionsPerPrincipal = count("maxConnectionsPerPrincipal", max);
            return this;
        }

        /** @throws IllegalArgumentException when not in [1, 1,000,000] */
        public Builder maxConnectionsPerAddress(int max) {
            this.maxConnectionsPerAddress = count("maxConnectionsPerAddress", max);
            return this;
        }

        /** @throws IllegalArgumentException when not in [10 ms, 1 day] */
        public Builder movingAgentWait(Duration wait) {
            this.movingAgentWait = wait("movingAgentWait", wait);
            return this;
        }

        public ServerLimits build() {
            return new ServerLimits(this);
        }

        private static Duration wait(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.compareTo(MIN_WAIT) < 0 || value.compareTo(MAX_WAIT) > 0) {
                throw new IllegalArgumentException(name + ": " + value + " is out of range [PT0.01S, PT24H]");
            }
            return value;
        }

        private static int count(String name, int value) {
            if (value < 1 || value > 1_000_000) {
                throw new IllegalArgumentException(name + ": " + value + " is out of range [1, 1000000]");
            }
            return value;
        }
    }
}
