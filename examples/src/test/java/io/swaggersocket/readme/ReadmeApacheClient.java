package io.swaggersocket.readme;

import io.swaggersocket.examples.petstore.apacheclient.ApiClient;
import io.swaggersocket.examples.petstore.apacheclient.api.DefaultApi;
import io.swaggersocket.mux.SocketConnection;

/** README.md's generated-client snippet for openapi-generator's {@code apache-httpclient} library (see {@link ReadmeSnippets}). */
final class ReadmeApacheClient {
    private ReadmeApacheClient() {
    }

    static DefaultApi pets(SocketConnection connection) {
        // README: client-apache
        // library "apache-httpclient" (httpclient5)
        DefaultApi pets = new DefaultApi(new ApiClient(connection.apacheHttpClient()));
        // README: end
        return pets;
    }
}
