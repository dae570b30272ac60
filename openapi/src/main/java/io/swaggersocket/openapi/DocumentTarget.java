package io.swaggersocket.openapi;

import java.util.List;
import java.util.Map;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.protocol.HttpContext;

/** Serves the document, rendered once at build time. */
final class DocumentTarget implements Target {
    private final byte[] bytes;
    private final MediaType mediaType;
    private final ContentType contentType;

    DocumentTarget(byte[] bytes, String mediaType) {
        this.bytes = bytes;
        this.mediaType = MediaType.parse(mediaType);
        this.contentType = ContentType.create(mediaType);
    }

    @Override
    public void serve(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context,
            Map<String, String> pathValues) throws Rejection {
        if (request.containsHeader(HttpHeaders.ACCEPT)) {
            List<MediaType> ranges = MediaType.parseAccept(request.getHeaders(HttpHeaders.ACCEPT));
            if (!ranges.isEmpty() && !MediaType.accepts(ranges, mediaType)) {
                throw new Rejection(406, "Accept '" + BoundOperation.acceptText(request) + "' matches none of ["
                        + mediaType + "]");
            }
        }
        response.setCode(200);
        response.setEntity(new ByteArrayEntity(bytes, contentType));
    }
}
