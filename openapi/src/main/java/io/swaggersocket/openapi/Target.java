package io.swaggersocket.openapi;

import java.io.IOException;
import java.util.Map;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.protocol.HttpContext;

/** What a routed request runs: a bound operation or the document itself. Immutable. */
interface Target {

    /**
     * Answers the request, or throws a {@link Rejection} for the caller to turn into a problem.
     *
     * @param pathValues the decoded text of each path variable
     * @throws IOException when reading the request body fails (the peer is gone)
     */
    void serve(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context,
            Map<String, String> pathValues) throws Rejection, IOException;
}
