package io.swaggersocket.mux;

import java.io.IOException;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpStatus;
import org.apache.hc.core5.http.impl.ServerSupport;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.apache.hc.core5.http.protocol.HttpCoreContext;

/** Runs the handler for one request the peer sent, on the executor, and streams its response back. */
final class HandlerCall implements Runnable {
    private static final System.Logger LOG = System.getLogger(HandlerCall.class.getName());

    private final SocketConnection connection;
    private final StreamBodies bodies;
    private final Stream stream;
    private final ClassicHttpRequest request;
    private final HttpRequestHandler handler;

    HandlerCall(SocketConnection connection, StreamBodies bodies, Stream stream, ClassicHttpRequest request,
            HttpRequestHandler handler) {
        this.connection = connection;
        this.bodies = bodies;
        this.stream = stream;
        this.request = request;
        this.handler = handler;
    }

    @Override
    public void run() {
        ClassicHttpResponse response = new BasicClassicHttpResponse(HttpStatus.SC_OK);
        HttpCoreContext context = HttpCoreContext.create();
        context.setAttribute(StreamContext.ATTRIBUTE, new StreamContext(connection, stream.id, stream.aborted));
        try {
            try {
                handler.handle(request, response, context);
            } catch (HttpException | IOException | RuntimeException e) {
                if (bodies.isFailed(stream)) {
                    return; // the caller is gone: nobody to answer
                }
                SocketConnection.closeQuietly(response);
                response = errorResponse(e);
            }
            bodies.respond(stream, request.getMethod(), response);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "stream {0}: response not delivered: {1}", stream.id, e.getMessage());
        } finally {
            if (request.getEntity() != null) {
                try {
                    request.getEntity().close(); // a body the handler left unread is discarded
                } catch (IOException ignored) {
                    // closing a stream body does not fail
                }
            }
            SocketConnection.closeQuietly(response);
        }
    }

    private ClassicHttpResponse errorResponse(Exception e) {
        int status = ServerSupport.toStatusCode(e);
        String message;
        if (e instanceof HttpException) {
            message = ServerSupport.toErrorMessage(e);
        } else {
            // An unexpected failure: log it here, since the caller only learns the status.
            LOG.log(System.Logger.Level.WARNING, "stream " + stream.id + ": handler failed", e);
            message = "handler failed: " + e.getClass().getSimpleName();
        }
        ClassicHttpResponse response = new BasicClassicHttpResponse(status);
        response.setEntity(new StringEntity(message, ContentType.TEXT_PLAIN));
        return response;
    }
}
