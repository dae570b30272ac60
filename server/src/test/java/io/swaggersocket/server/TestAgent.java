package io.swaggersocket.server;

import io.swaggersocket.mux.StreamContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * The agent-side handler of the ingress tests, one behaviour per path:
 * <ul>
 * <li>{@code /info...}: the request line and headers as text, with the agent's label first;</li>
 * <li>{@code /big?mib=N}: N MiB of {@link #BLOCK} repeated, of unknown length;</li>
 * <li>{@code /sha}: reads the body and answers {@code <count> <sha-256 hex>};</li>
 * <li>{@code /echo}: streams the request body back as it reads it;</li>
 * <li>{@code /hold}: counts {@link #held} down and waits until the call is cancelled or the
 *     connection lost;</li>
 * <li>{@code /partial}: sends 64 KiB of a body of unknown length, counts {@link #partialSent}
 *     down, then waits like {@code /hold};</li>
 * <li>{@code /status/N}: answers status N with a header {@code X-Agent-Status}.</li>
 * </ul>
 */
final class TestAgent implements HttpRequestHandler {
    static final int MIB = 1024 * 1024;
    /** One MiB of fixed pseudo-random bytes: bodies are this, repeated. */
    static final byte[] BLOCK = block();

    final String label;
    final CountDownLatch held = new CountDownLatch(1);
    final CountDownLatch partialSent = new CountDownLatch(1);

    TestAgent(String label) {
        this.label = label;
    }

    private static byte[] block() {
        byte[] b = new byte[MIB];
        new Random(42).nextBytes(b);
        return b;
    }

    /** {@link #BLOCK} repeated {@code mib} times, as a stream. */
    static InputStream repeated(int mib) {
        return new InputStream() {
            private long left = (long) mib * MIB;

            @Override
            public int read() {
                if (left == 0) {
                    return -1;
                }
                return BLOCK[(int) ((long) mib * MIB - left--) % MIB] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) {
                    return -1;
                }
                int pos = (int) (((long) mib * MIB - left) % MIB);
                int n = (int) Math.min(Math.min(len, MIB - pos), left);
                System.arraycopy(BLOCK, pos, b, off, n);
                left -= n;
                return n;
            }
        };
    }

    /** The SHA-256 hex of {@link #BLOCK} repeated {@code mib} times. */
    static String sha256Of(int mib) {
        MessageDigest d = sha256();
        for (int i = 0; i < mib; i++) {
            d.update(BLOCK);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void handle(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context)
            throws HttpException, IOException {
        String path = request.getPath();
        if (path.startsWith("/info")) {
            StringBuilder text = new StringBuilder(label).append('\n')
                    .append(request.getMethod()).append(' ').append(path).append('\n');
            for (Header h : request.getHeaders()) {
                text.append(h.getName()).append(": ").append(h.getValue()).append('\n');
            }
            if (request.getEntity() != null) {
                text.append("body: ").append(new String(request.getEntity().getContent().readAllBytes(),
                        StandardCharsets.UTF_8));
            }
            response.setEntity(new StringEntity(text.toString(), ContentType.TEXT_PLAIN));
        } else if (path.startsWith("/big")) {
            int mib = Integer.parseInt(path.substring(path.indexOf("mib=") + 4));
            response.setEntity(new InputStreamEntity(repeated(mib), -1, ContentType.APPLICATION_OCTET_STREAM));
        } else if (path.startsWith("/sha")) {
            MessageDigest d = sha256();
            long count = 0;
            try (InputStream in = new DigestInputStream(request.getEntity().getContent(), d)) {
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    count += n;
                }
            }
            response.setEntity(new StringEntity(count + " " + HexFormat.of().formatHex(d.digest()), ContentType.TEXT_PLAIN));
        } else if (path.startsWith("/echo")) {
            response.setEntity(new InputStreamEntity(request.getEntity().getContent(),
                    request.getEntity().getContentLength(), ContentType.APPLICATION_OCTET_STREAM));
        } else if (path.startsWith("/hold")) {
            held.countDown();
            awaitCancellation(context);
            response.setEntity(new StringEntity("released", ContentType.TEXT_PLAIN));
        } else if (path.startsWith("/partial")) {
            response.setEntity(new AbstractHttpEntity(ContentType.APPLICATION_OCTET_STREAM, null, true) {
                @Override
                public void writeTo(OutputStream out) throws IOException {
                    out.write(BLOCK, 0, 64 * 1024);
                    out.flush();
                    partialSent.countDown();
                    awaitCancellation(context);
                    throw new IOException("cancelled");
                }

                @Override
                public InputStream getContent() {
                    throw new UnsupportedOperationException();
                }

                @Override
                public long getContentLength() {
                    return -1;
                }

                @Override
                public boolean isStreaming() {
                    return true;
                }

                @Override
                public boolean isRepeatable() {
                    return false;
                }

                @Override
                public void close() {
                }
            });
        } else if (path.startsWith("/status/")) {
            response.setCode(Integer.parseInt(path.substring("/status/".length())));
            response.setHeader("X-Agent-Status", "yes");
        } else {
            response.setCode(404);
            response.setEntity(new StringEntity("agent has no " + path, ContentType.TEXT_PLAIN));
        }
    }

    private static void awaitCancellation(HttpContext context) throws IOException {
        try {
            StreamContext.of(context).cancellation().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("not cancelled within 30 s", e);
        }
    }
}
