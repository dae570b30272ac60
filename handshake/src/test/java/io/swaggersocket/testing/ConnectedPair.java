package io.swaggersocket.testing;

import io.swaggersocket.mux.SocketConnection;

/**
 * Two ends of one connection, as a transport under test made them, and a way to lose the
 * transport under both abruptly (no close frames).
 */
public record ConnectedPair(SocketConnection dialer, SocketConnection acceptor, Runnable sever, AutoCloseable cleanup)
        implements AutoCloseable {

    @Override
    public void close() throws Exception {
        dialer.shutdownNow();
        acceptor.shutdownNow();
        cleanup.close();
    }
}
