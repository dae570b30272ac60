package io.swaggersocket.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;

/**
 * An upstream's response body read from a stream, written on as it comes: whenever nothing more is
 * there to read, what was written is flushed, so that a body that trickles (server-sent events,
 * NDJSON, progress lines) is not held back until a frame fills or the body ends. Read once, by one
 * thread. (httpcore5's {@code InputStreamEntity.writeTo} never flushes.)
 */
final class LiveBodyEntity extends AbstractHttpEntity {
    private static final int BUFFER = 16 * 1024;

    private final InputStream in;
    private final long length;

    LiveBodyEntity(InputStream in, long length, ContentType type) {
        super(type, null);
        this.in = in;
        this.length = length;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        byte[] buffer = new byte[length >= 0 && length < BUFFER ? (int) Math.max(1, length) : BUFFER];
        try (InputStream body = in) {
            long left = length;
            while (length < 0 || left > 0) {
                int n = body.read(buffer, 0, length < 0 ? buffer.length : (int) Math.min(buffer.length, left));
                if (n < 0) {
                    break;
                }
                out.write(buffer, 0, n);
                left -= n;
                if (n > 0 && body.available() == 0) {
                    out.flush();
                }
            }
        }
    }

    @Override
    public InputStream getContent() {
        return in;
    }

    @Override
    public long getContentLength() {
        return length;
    }

    @Override
    public boolean isRepeatable() {
        return false;
    }

    @Override
    public boolean isStreaming() {
        return true;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
