package io.swaggersocket.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 upstream on a raw {@link ServerSocket} on 127.0.0.1 that counts its connections and
 * lets each test script what every request gets, down to the bytes and the way the connection ends.
 * Each connection is served on a thread of its own; request bodies are read by their Content-Length.
 */
final class RawUpstream implements AutoCloseable {
    /** What one request gets. */
    interface Script {
        /**
         * @param connection 0 for the first connection accepted, 1 for the next...
         * @param index 0 for the first request on that connection
         * @return false to stop serving the connection (the script closed or reset it)
         */
        boolean answer(int connection, int index, Request request, Socket socket) throws Exception;
    }

    /** A request as received: its head (lines) and body. */
    record Request(String head, byte[] body) {
        String requestLine() {
            return head.substring(0, head.indexOf("\r\n"));
        }

        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    private final ServerSocket server;
    private final String scheme;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    /** One entry per connection the client closed (EOF or reset), with its index. */
    final BlockingQueue<Integer> closedByClient = new LinkedBlockingQueue<>();

    RawUpstream(Script script) throws IOException {
        this(script, null);
    }

    /** With {@code tls}, an https upstream (its handshake done on the connection's thread). */
    RawUpstream(Script script, javax.net.ssl.SSLContext tls) throws IOException {
        this.server = tls == null ? new ServerSocket(0, 50, InetAddress.getLoopbackAddress())
                : tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.scheme = tls == null ? "http" : "https";
        threads.execute(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                sockets.add(s);
                int n = accepted.getAndIncrement();
                threads.execute(() -> serve(n, s, script));
            }
        });
    }

    private void serve(int connection, Socket s, Script script) {
        try (s) {
            InputStream in = s.getInputStream();
            for (int index = 0; ; index++) {
                String head = readHead(in);
                if (head == null) {
                    closedByClient.add(connection);
                    return;
                }
                Request bare = new Request(head, null);
                String length = bare.header("Content-Length");
                byte[] body = "chunked".equalsIgnoreCase(bare.header("Transfer-Encoding")) ? readChunks(in)
                        : length == null ? new byte[0] : in.readNBytes(Integer.parseInt(length));
                Request request = new Request(head, body);
                requests.add(request);
                if (!script.answer(connection, index, request, s)) {
                    return;
                }
            }
        } catch (IOException e) {
            closedByClient.add(connection);
        } catch (InterruptedException e) {
            // the test is over and closing us interrupts a script still waiting: not a failure
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A chunked body, trailers skipped. */
    private static byte[] readChunks(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = readLine(in);
            int semicolon = size.indexOf(';');
            int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
            if (n == 0) {
                while (!readLine(in).isEmpty()) {
                    // a trailer field
                }
                return body.toByteArray();
            }
            body.write(in.readNBytes(n));
            if (!readLine(in).isEmpty()) {
                throw new IOException("expected CRLF after a chunk");
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("closed within a chunked body");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    /** The head up to the empty line, or null at EOF before its first byte. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (bytes.size() == 0) {
                    return null;
                }
                throw new IOException("closed within a request head");
            }
            bytes.write(b);
            int n = bytes.size();
            if (n >= 4) {
                byte[] a = bytes.toByteArray();
                if (a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                    return bytes.toString(StandardCharsets.ISO_8859_1);
                }
            }
        }
    }

    static void write(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
    }

    /** A 200 with a text body and its Content-Length. */
    static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    /** Closes with a TCP reset rather than a FIN. */
    static void reset(Socket s) throws IOException {
        s.setSoLinger(true, 0);
        s.close();
    }

    URI uri() {
        return URI.create(scheme + "://127.0.0.1:" + server.getLocalPort());
    }

    int connections() {
        return accepted.get();
    }

    Request request() throws InterruptedException {
        Request r = requests.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no request reached the upstream within 10 s");
        }
        return r;
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        threads.shutdownNow();
    }
}
