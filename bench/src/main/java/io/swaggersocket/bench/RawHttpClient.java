package io.swaggersocket.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal HTTP/1.1 keep-alive client over one blocking socket: the lightest possible caller for
 * the direct baseline. Not thread-safe: one per thread. Understands Content-Length and chunked
 * responses; nothing else.
 */
final class RawHttpClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] line = new byte[8192];
    private final byte[] sink = new byte[BenchHandler.CHUNK];
    private final byte[] fill = new byte[BenchHandler.CHUNK];
    private final String host;

    RawHttpClient(String host, int port) throws IOException {
        this.host = host + ":" + port;
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), 5000);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    /** Bounds every later read: a silent peer then fails the call with a SocketTimeoutException. */
    RawHttpClient readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    /** GETs {@code path}; returns the status, after reading (and dropping) the whole body. */
    int get(String path) throws IOException {
        return get(path, null);
    }

    /** The same with one more header line ("Name: value") if not null. */
    int get(String path, String header) throws IOException {
        out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + (header == null ? "" : header + "\r\n")
                + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return readResponse();
    }

    /** POSTs {@code length} zero bytes to {@code path}; returns the status after reading the body. */
    int post(String path, long length) throws IOException {
        out.write(("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        long left = length;
        while (left > 0) {
            int n = (int) Math.min(fill.length, left);
            out.write(fill, 0, n);
            left -= n;
        }
        out.flush();
        return readResponse();
    }

    long lastBodyLength;

    private int readResponse() throws IOException {
        String status = readLine();
        if (status == null || !status.startsWith("HTTP/1.1 ")) {
            throw new IOException("expected a status line but was " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        for (String h; !(h = readLine()).isEmpty(); ) {
            int colon = h.indexOf(':');
            String name = h.substring(0, colon).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(h.substring(colon + 1).trim());
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                chunked = h.toLowerCase().contains("chunked");
            }
        }
        long body = 0;
        if (chunked) {
            for (;;) {
                String size = readLine();
                int semi = size.indexOf(';');
                long n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (n == 0) {
                    readLine();
                    break;
                }
                skip(n);
                body += n;
                readLine();
            }
        } else if (length > 0) {
            skip(length);
            body = length;
        }
        lastBodyLength = body;
        return code;
    }

    private void skip(long n) throws IOException {
        while (n > 0) {
            int k = in.read(sink, 0, (int) Math.min(sink.length, n));
            if (k < 0) {
                throw new IOException("connection closed with " + n + " body bytes unread");
            }
            n -= k;
        }
    }

    private String readLine() throws IOException {
        int n = 0;
        for (;;) {
            int b = in.read();
            if (b < 0) {
                if (n == 0) {
                    return null;
                }
                throw new IOException("connection closed in a line");
            }
            if (b == '\n') {
                if (n > 0 && line[n - 1] == '\r') {
                    n--;
                }
                return new String(line, 0, n, StandardCharsets.ISO_8859_1);
            }
            line[n++] = (byte) b;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
