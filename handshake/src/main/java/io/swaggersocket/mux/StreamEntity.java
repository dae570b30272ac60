package io.swaggersocket.mux;

import java.io.InputStream;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;

/** A received body as an httpcore5 entity: streaming, read once, closing it early cancels the stream. */
final class StreamEntity extends AbstractHttpEntity {
    private final StreamInput input;
    private final long length;

    StreamEntity(StreamInput input, long length, String contentType, String contentEncoding) {
        super(contentType, contentEncoding, length < 0);
        this.input = input;
        this.length = length;
    }

    @Override
    public InputStream getContent() {
        return input;
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
    public void close() {
        input.close();
    }
}
