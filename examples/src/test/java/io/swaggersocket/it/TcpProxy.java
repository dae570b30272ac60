package io.swaggersocket.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on 127.0.0.1 between an agent and a server, to break the network under a live
 * connection: {@link #freeze()} stops relaying the connections open now without closing anything
 * (a half-open peer that stops reading), {@link #reset()} drops every relayed connection with a
 * TCP reset (an abrupt kill, no WebSocket close). Connections made later are relayed normally.
 */
final class TcpProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final List<Pair> pairs = new CopyOnWriteArrayList<>();

    private static final class Pair {
        final Socket agent;
        final Socket server;
        volatile boolean frozen;

        Pair(Socket agent, Socket server) {
            this.agent = agent;
            this.server = server;
        }
    }

    TcpProxy(int targetPort) throws IOException {
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** The connections relayed now stop moving, in both directions; nothing is closed. */
    void freeze() {
        pairs.forEach(p -> p.frozen = true);
    }

    /** Resets every relayed connection: RST, no FIN, no WebSocket close. */
    void reset() {
        for (Pair p : pairs) {
            abort(p.agent);
            abort(p.server);
        }
        pairs.clear();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket agent = listener.accept();
                Socket server = new Socket(target.getAddress(), target.getPort());
                agent.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                Pair pair = new Pair(agent, server);
                pairs.add(pair);
                pump(pair, agent, server);
                pump(pair, server, agent);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Pair pair, Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    while (pair.frozen && !from.isClosed()) {
                        // A frozen relay holds the bytes and stops reading, so TCP buffers fill up
                        // behind it just as with a peer that hangs.
                        synchronized (this) {
                            wait(50);
                        }
                    }
                    if (from.isClosed()) {
                        return;
                    }
                    out.write(buf, 0, n);
                }
                to.shutdownOutput();
            } catch (IOException | InterruptedException e) {
                abort(to);
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void abort(Socket s) {
        try {
            s.setSoLinger(true, 0); // close with RST
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        reset();
    }
}
