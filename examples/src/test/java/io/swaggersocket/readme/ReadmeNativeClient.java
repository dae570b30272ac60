package io.swaggersocket.readme;

import io.swaggersocket.examples.petstore.nativeclient.ApiClient;
import io.swaggersocket.examples.petstore.nativeclient.api.DefaultApi;
import io.swaggersocket.mux.SocketConnection;

/** README.md's generated-client snippet for openapi-generator's {@code native} library (see {@link ReadmeSnippets}). */
final class ReadmeNativeClient {
    private ReadmeNativeClient() {
    }

    static DefaultApi pets(SocketConnection connection) {
        // README: client-native
        // library "native" (java.net.http): set the builder before creating the Api objects
        ApiClient apiClient = new ApiClient();
        apiClient.setHttpClientBuilder(connection.httpClientBuilder());
        DefaultApi pets = new DefaultApi(apiClient);
        // README: end
        return pets;
    }
}
