package io.swaggersocket.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP balancer for tests: each new connection goes to the first backend not marked down, bytes
 * pumped both ways. {@link #down} stops sending new connections to a backend, and with
 * {@code cut} resets the ones it has (what a killed node's clients see).
 */
final class TestBalancer implements AutoCloseable {
    private final ServerSocket listener;
    private final List<Integer> backends;
    private final Set<Integer> down = ConcurrentHashMap.newKeySet();
    private final List<Socket[]> pairs = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    TestBalancer(List<Integer> backendPorts) throws IOException {
        this.backends = List.copyOf(backendPorts);
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "test-balancer");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    void down(int backendPort, boolean cut) {
        down.add(backendPort);
        if (cut) {
            for (Socket[] pair : pairs) {
                if (pair[1].getPort() == backendPort) {
                    reset(pair[0]);
                    reset(pair[1]);
                }
            }
        }
    }

    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0); // RST, as a dead host's kernel would answer
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Integer target = backends.stream().filter(p -> !down.contains(p)).findFirst().orElse(null);
                if (target == null) {
                    client.close();
                    continue;
                }
                Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
                Socket[] pair = {client, server};
                pairs.add(pair);
                pump(client, server, pair);
                pump(server, client, pair);
            } catch (IOException e) {
                // the listener closed, or a backend refused: the client sees its connection end
            }
        }
    }

    private void pump(Socket from, Socket to, Socket[] pair) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // either side gone
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                pairs.remove(pair);
            }
        }, "test-balancer-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        pairs.forEach(p -> {
            closeQuietly(p[0]);
            closeQuietly(p[1]);
        });
    }
}
