package io.swaggersocket.examples.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on 127.0.0.1 between an agent and a server, whose {@link #cut()} makes the agent's
 * machine vanish from the network: from then on, nothing gets through either way on the
 * connections open now, not even a close, and nothing is closed. Only the heartbeat can tell. New
 * connections are relayed normally.
 */
final class CutProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Pair> pairs = new CopyOnWriteArrayList<>();

    private static final class Pair {
        volatile boolean cut;
    }

    CutProxy(int targetPort) throws IOException {
        target = targetPort;
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "cut-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    void cut() {
        pairs.forEach(p -> p.cut = true);
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket agent = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(agent);
                sockets.add(server);
                Pair pair = new Pair();
                pairs.add(pair);
                pump(pair, agent, server);
                pump(pair, server, agent);
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void pump(Pair pair, Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (!pair.cut) {
                        out.write(buffer, 0, n); // once cut, bytes are read and dropped: a black hole
                    }
                }
                if (!pair.cut) {
                    to.shutdownOutput();
                }
            } catch (IOException e) {
                if (!pair.cut) {
                    try {
                        to.close();
                    } catch (IOException ignored) {
                        // gone already
                    }
                }
            }
        }, "cut-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
