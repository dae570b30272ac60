package io.swaggersocket.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * The one handler every workload calls, served both directly on Undertow and through the tunnel.
 * Thread-safe and stateless.
 *
 * <ul>
 *   <li>{@code GET .../tiny}: 200 with a 16-byte body</li>
 *   <li>{@code GET .../bytes?n=N}: 200 with N bytes, Content-Length N, streamed in 64 KiB writes</li>
 *   <li>{@code POST .../sink}: reads the whole request body and answers with its length</li>
 * </ul>
 * Paths match by suffix so that the ingress prefix {@code /agents/{name}} may stay on them.
 */
public final class BenchHandler implements HttpRequestHandler {
    static final byte[] TINY = "hello, tunnel!!\n".getBytes(StandardCharsets.US_ASCII);
    static final int CHUNK = 64 * 1024;
    private static final byte[] FILL = new byte[CHUNK];

    @Override
    public void handle(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context) throws IOException {
        String uri = request.getRequestUri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        if (path.endsWith("/tiny")) {
            response.setEntity(new ByteArrayEntity(TINY, ContentType.TEXT_PLAIN));
        } else if (path.endsWith("/bytes")) {
            long n = Long.parseLong(param(uri, "n"));
            response.setEntity(new BulkEntity(n));
        } else if (path.endsWith("/sink")) {
            long n = 0;
            HttpEntity entity = request.getEntity();
            if (entity != null) {
                byte[] buf = new byte[CHUNK];
                try (InputStream in = entity.getContent()) {
                    for (int k; (k = in.read(buf)) >= 0; ) {
                        n += k;
                    }
                }
            }
            response.setEntity(new StringEntity(n + "\n", ContentType.TEXT_PLAIN));
        } else {
            response.setCode(404);
            response.setEntity(new StringEntity("no such path: " + path + "\n", ContentType.TEXT_PLAIN));
        }
    }

    private static String param(String uri, String name) {
        int q = uri.indexOf('?');
        if (q >= 0) {
            for (String kv : uri.substring(q + 1).split("&")) {
                if (kv.startsWith(name + "=")) {
                    return kv.substring(name.length() + 1);
                }
            }
        }
        throw new IllegalArgumentException("missing query parameter " + name + " in " + uri);
    }

    /** N bytes of zeros, written in 64 KiB pieces from one shared array: no allocation per write. */
    public static final class BulkEntity extends AbstractHttpEntity {
        private final long length;

        public BulkEntity(long length) {
            super(ContentType.APPLICATION_OCTET_STREAM, null, false);
            this.length = length;
        }

        @Override
        public long getContentLength() {
            return length;
        }

        @Override
        public InputStream getContent() {
            return new InputStream() {
                long left = length;

                @Override
                public int read() {
                    if (left == 0) {
                        return -1;
                    }
                    left--;
                    return 0;
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    if (left == 0) {
                        return -1;
                    }
                    int n = (int) Math.min(len, left);
                    java.util.Arrays.fill(b, off, off + n, (byte) 0);
                    left -= n;
                    return n;
                }
            };
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            long left = length;
            while (left > 0) {
                int n = (int) Math.min(CHUNK, left);
                out.write(FILL, 0, n);
                left -= n;
            }
            out.flush();
        }

        @Override
        public boolean isRepeatable() {
            return true;
        }

        @Override
        public boolean isStreaming() {
            return false;
        }

        @Override
        public void close() {
        }
    }
}
