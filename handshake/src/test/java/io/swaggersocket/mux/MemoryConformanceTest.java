package io.swaggersocket.mux;

import io.swaggersocket.testing.ConnectedPair;
import io.swaggersocket.testing.ConnectionConformance;
import io.swaggersocket.testing.MemoryPipe;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.io.HttpRequestHandler;

/** The conformance suite over the in-memory pipe. */
class MemoryConformanceTest implements ConnectionConformance, io.swaggersocket.testing.UpgradeConformance,
        io.swaggersocket.testing.ContinueConformance {

    @Override
    public ConnectedPair connect(ConnectionConfig config, HttpRequestHandler dialerHandler,
            HttpRequestHandler acceptorHandler) throws Exception {
        MemoryPipe pipe = new MemoryPipe();
        CompletableFuture<SocketConnection> acceptor = SocketConnection.accept(pipe.b(), "memory-1", null, config,
                acceptorHandler);
        SocketConnection dialer = SocketConnection.dial(pipe.a(), null, config, dialerHandler).get(10, TimeUnit.SECONDS);
        return new ConnectedPair(dialer, acceptor.get(10, TimeUnit.SECONDS), pipe::sever, () -> { });
    }
}
