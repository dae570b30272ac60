package io.swaggersocket.mux;

import org.apache.hc.core5.http.io.HttpRequestHandler;

/**
 * A request handler that answers some requests itself (a library's own endpoints, such as the
 * server's {@code POST /_swaggersocket/events}) and passes the others to an application handler
 * beneath it. Implementations must be immutable and thread-safe, as every handler.
 *
 * <p>Given as a connection's first handler, it stays in front: {@link SocketConnection#serve}
 * replaces only the application handler beneath it ({@link #withApplication}), so that an
 * application can never take the library's endpoints away by serving its own handler.
 */
public interface LayeredHandler extends HttpRequestHandler {

    /** This layer in front of {@code application} (never {@code null}), instead of its current one. */
    LayeredHandler withApplication(HttpRequestHandler application);
}
