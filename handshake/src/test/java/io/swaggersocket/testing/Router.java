package io.swaggersocket.testing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.protocol.HttpContext;

/** A test handler that dispatches on the request path (without query); unknown paths get 404. */
public final class Router implements HttpRequestHandler {
    private final Map<String, HttpRequestHandler> routes = new ConcurrentHashMap<>();

    public Router route(String path, HttpRequestHandler handler) {
        routes.put(path, handler);
        return this;
    }

    @Override
    public void handle(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context)
            throws HttpException, java.io.IOException {
        String path = request.getPath();
        int q = path.indexOf('?');
        HttpRequestHandler handler = routes.get(q < 0 ? path : path.substring(0, q));
        if (handler == null) {
            response.setCode(404);
            response.setEntity(new StringEntity("no route " + path, ContentType.TEXT_PLAIN));
            return;
        }
        handler.handle(request, response, context);
    }
}
