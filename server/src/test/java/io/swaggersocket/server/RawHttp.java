package io.swaggersocket.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;

/** Writes one HTTP/1.1 request on a raw socket and reads the answer: status, headers, body. */
final class RawHttp {
    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * Starts {@code POST path} on {@code socket} with {@code extraHeaders} (each ending in CRLF) and
     * a {@code Content-Length} of {@code bytes}, then sends that body as {@link #sendBody} does.
     */
    static java.util.concurrent.CompletableFuture<Void> upload(Socket socket, String path, String extraHeaders, int bytes)
            throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders + "Content-Length: " + bytes
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return sendBody(out, bytes);
    }

    /**
     * Writes {@code bytes} bytes of body (zeros, in 64 KiB writes) to {@code out} on a thread of its
     * own, as a client that writes while it reads; the future fails with the write's exception.
     */
    static java.util.concurrent.CompletableFuture<Void> sendBody(OutputStream out, int bytes) {
        return java.util.concurrent.CompletableFuture.runAsync(() -> {
            byte[] chunk = new byte[64 * 1024];
            try {
                for (int sent = 0; sent < bytes; sent += chunk.length) {
                    out.write(chunk, 0, Math.min(chunk.length, bytes - sent));
                }
                out.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private RawHttp() {
    }

    /** A WebSocket upgrade request for {@code path} with {@code extraHeaders} (each "Name: value"). */
    static Response upgrade(int port, String path, SSLContext ssl, String... extraHeaders) throws IOException {
        StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + port + "\r\n"
                + "Connection: Upgrade\r\n"
                + "Upgrade: websocket\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n");
        for (String h : extraHeaders) {
            request.append(h).append("\r\n");
        }
        request.append("\r\n");
        return exchange(port, ssl, request.toString());
    }

    static Response exchange(int port, SSLContext ssl, String request) throws IOException {
        try (Socket socket = ssl == null ? new Socket("127.0.0.1", port)
                : ssl.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return read(socket.getInputStream());
        }
    }

    /** Reads one response (a body only with Content-Length) from {@code in}, which stays open. */
    static Response read(InputStream in) throws IOException {
        String statusLine = readLine(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        String length = headers.get("content-length");
        String body = "";
        if (length != null) {
            body = new String(in.readNBytes(Integer.parseInt(length)), StandardCharsets.UTF_8);
        }
        return new Response(status, headers, body);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed in the middle of a line: " + line);
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }
}
