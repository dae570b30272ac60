package io.swaggersocket.it;

import io.swaggersocket.client.ReconnectPolicy;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.server.ConnectionEvent;
import io.swaggersocket.server.SocketServer;
import io.swaggersocket.testing.ConnectedPair;
import io.swaggersocket.testing.ConnectionConformance;
import io.swaggersocket.testing.FaultRelay;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.io.HttpRequestHandler;

/**
 * The core's conformance suite over the real products: a {@link SocketServer} on 127.0.0.1:0 and
 * a {@link SocketClient} dialing it through a {@link FaultRelay}, whose cut severs the connection.
 * Subclasses run the same suite over a network with faults.
 */
class ServerClientConformanceTest implements ConnectionConformance, io.swaggersocket.testing.UpgradeConformance,
        io.swaggersocket.testing.ContinueConformance {

    /** Sets the faults of the network under every connection of the run: none here. */
    void breakNetwork(FaultRelay relay) {
    }

    @Override
    public ConnectedPair connect(ConnectionConfig config, HttpRequestHandler dialerHandler,
            HttpRequestHandler acceptorHandler) throws Exception {
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).connectionConfig(config)
                .handler(acceptorHandler).build();
        server.start();
        CompletableFuture<SocketConnection> received = new CompletableFuture<>();
        server.addListener(event -> {
            if (event.type() == ConnectionEvent.Type.RECEIVED) {
                received.complete(event.connection());
            }
        });
        FaultRelay relay = new FaultRelay(server.port());
        breakNetwork(relay);
        SocketClient client = SocketClient.builder(URI.create("ws://127.0.0.1:" + relay.port() + "/tunnel"))
                .connectionConfig(config).reconnect(ReconnectPolicy.disabled()).build();
        if (dialerHandler != null) {
            client.serve(dialerHandler);
        }
        SocketConnection dialer = client.connect();
        SocketConnection acceptor = received.get(10, TimeUnit.SECONDS);
        return new ConnectedPair(dialer, acceptor, relay::cut, () -> {
            client.close();
            server.close();
            relay.close();
        });
    }
}
