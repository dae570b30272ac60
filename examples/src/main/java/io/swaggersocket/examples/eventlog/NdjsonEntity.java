package io.swaggersocket.examples.eventlog;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;

/**
 * Not thread-safe, written once: a streamed {@code application/x-ndjson} body whose lines a
 * {@link Body} writes as it produces them. {@link #close()} runs the body's clean-up even when the
 * entity is never written (a call that failed before its body).
 */
final class NdjsonEntity extends AbstractHttpEntity {
    static final ContentType NDJSON = ContentType.create("application/x-ndjson");

    /** What writes the lines. */
    interface Body {
        void run(LineSink sink) throws IOException;
    }

    private final ObjectMapper json;
    private final Body body;
    private final Runnable cleanup;

    NdjsonEntity(ObjectMapper json, Body body, Runnable cleanup) {
        super(NDJSON, null, true);
        this.json = json;
        this.body = body;
        this.cleanup = cleanup;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        try {
            body.run(new LineSink() {
                @Override
                public void line(StreamLine line) throws IOException {
                    out.write(json.writeValueAsBytes(line));
                    out.write('\n');
                }

                @Override
                public void flush() throws IOException {
                    out.flush();
                }
            });
        } finally {
            cleanup.run();
        }
    }

    @Override
    public InputStream getContent() {
        throw new UnsupportedOperationException("a streamed body is written, not read");
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
        cleanup.run();
    }
}
