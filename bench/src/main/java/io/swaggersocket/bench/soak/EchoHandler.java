package io.swaggersocket.bench.soak;

import java.io.IOException;
import java.util.Map;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * The {@link Payload} protocol as an httpcore5 handler: what the library's agents and the embedded
 * server serve through the tunnel. Thread-safe (stateless).
 */
final class EchoHandler implements HttpRequestHandler {

    @Override
    public void handle(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context)
            throws HttpException, IOException {
        String target = request.getRequestUri();
        Map<String, String> q = Payload.query(target);
        String id = q.getOrDefault("id", "");
        switch (Payload.path(target)) {
            case "/echo" -> {
                byte[] body = request.getEntity() == null ? new byte[0] : request.getEntity().getContent().readAllBytes();
                response.setCode(200);
                response.setHeader(Payload.ID, id);
                response.setHeader(Payload.SHA, Payload.sha256(body));
                response.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_OCTET_STREAM));
            }
            case "/bytes" -> {
                byte[] body = Payload.bytes(Long.parseLong(q.getOrDefault("seed", "0")), Payload.length(q.getOrDefault("n", "0")));
                response.setCode(200);
                response.setHeader(Payload.ID, id);
                response.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_OCTET_STREAM));
            }
            default -> {
                response.setCode(404);
                response.setEntity(new StringEntity("no such soak path: " + Payload.path(target)));
            }
        }
    }
}
