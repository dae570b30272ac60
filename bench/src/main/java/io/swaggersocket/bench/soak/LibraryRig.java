package io.swaggersocket.bench.soak;

import io.swaggersocket.client.EventPublisher;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.events.Event;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.server.SocketServer;
import io.swaggersocket.testing.FaultRelay;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The library's side of the soak, in the harness's JVM. Thread-safe.
 *
 * <ul>
 *   <li>{@code soak-lib}: a {@link SocketClient} serving {@link EchoHandler}, dialing the real
 *       {@code swaggersocket server} through a {@link FaultRelay}; the harness calls it through the
 *       server's ingress, as it calls the CLI agents.
 *   <li>An embedded {@link SocketServer} that serves {@link EchoHandler} to its agents, and
 *       {@code soak-pair}, a {@link SocketClient} that dials it through a relay of its own and also
 *       serves {@link EchoHandler}. Over this one connection the harness calls both ways: the agent
 *       calls the server's handler ({@link #agentSide}) and the server calls the agent's
 *       ({@link #serverSide}). The CLI server hosts no handler of its own for agents to call, so the
 *       agent-to-server direction needs a server built with the library, as an application embeds it.
 * </ul>
 */
final class LibraryRig implements AutoCloseable {
    static final String LIB_AGENT = "soak-lib";
    static final String PAIR = "soak-pair";
    /** How long one publish waits: a stalled link is found by the heartbeat in 29 s. */
    static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(40);

    private final FaultRelay toCli;
    private final SocketClient libAgent;
    private final SocketServer embedded;
    private final FaultRelay toEmbedded;
    private final SocketClient pair;

    LibraryRig(int cliServerPort, String token) throws IOException {
        toCli = new FaultRelay(cliServerPort);
        libAgent = SocketClient.builder(URI.create("ws://127.0.0.1:" + toCli.port() + "/tunnel"))
                .metadata(Map.of("name", LIB_AGENT))
                .nameInPath(true) // a balancer in front of a cluster hashes on it
                .header("Authorization", "Bearer " + token)
                .build();
        libAgent.serve(new EchoHandler());
        libAgent.connect();
        embedded = SocketServer.builder().bind("127.0.0.1", 0).handler(new EchoHandler()).build();
        embedded.start();
        toEmbedded = new FaultRelay(embedded.port());
        pair = SocketClient.builder(URI.create("ws://127.0.0.1:" + toEmbedded.port() + "/tunnel"))
                .metadata(Map.of("name", PAIR))
                .build();
        pair.serve(new EchoHandler());
        pair.connect();
    }

    /** The relays whose links the chaos loop may stall or cut, with a name for the log. */
    List<Map.Entry<String, FaultRelay>> relays() {
        return List.of(Map.entry(LIB_AGENT, toCli), Map.entry(PAIR, toEmbedded));
    }

    /** The agent's current connection to the embedded server, if open: to call the server's handler. */
    Optional<SocketConnection> agentSide() {
        return pair.connection();
    }

    /** The embedded server's connection from the agent, if any: to call the agent's handler. */
    Optional<SocketConnection> serverSide() {
        return embedded.connectionsByMetadata(m -> PAIR.equals(m.path("name").asText())).stream()
                .filter(SocketConnection::isOpen).findFirst();
    }

    /**
     * Publishes one event through {@code soak-lib}'s tunnel (the soak's principal has the
     * {@code publish} grant); returns its Seq. Fails when that agent is not connected.
     */
    long publish(Event event) throws IOException {
        SocketConnection c = libAgent.connection().orElseThrow(() -> new IOException(LIB_AGENT + " is not connected"));
        return new EventPublisher(c, PUBLISH_TIMEOUT).publish(event);
    }

    /** Whether both agents are connected now. */
    boolean connected() {
        return libAgent.connection().isPresent() && pair.connection().isPresent() && serverSide().isPresent();
    }

    /** Waits (up to {@code timeout}) until both agents are connected again. */
    void awaitConnected(Duration timeout) throws IOException, InterruptedException {
        libAgent.awaitConnection(timeout);
        pair.awaitConnection(timeout);
    }

    @Override
    public void close() throws IOException {
        pair.close();
        libAgent.close();
        embedded.close();
        toEmbedded.close();
        toCli.close();
    }
}
