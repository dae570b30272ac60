package io.swaggersocket.openapi;

/**
 * The implementation of one OpenAPI operation; called concurrently from many threads, so an
 * implementation must be thread-safe. Bound to an {@code operationId} with
 * {@link OpenApiHandler.Builder#operation(String, Operation)}.
 *
 * <p>What the operation returns becomes the response:
 * <ul>
 *   <li>{@code null}: the status of the operation's first declared 2xx response with no body when
 *       that response declares no content (for example 204), or {@code 204} when no 2xx response is
 *       declared; when the declared response has content, the JSON {@code null} with its status;</li>
 *   <li>an {@link org.apache.hc.core5.http.HttpEntity}: sent as it is (streaming or raw bodies) with
 *       the first declared 2xx status (200 if none);</li>
 *   <li>an {@link OperationResult}: its status, headers and body;</li>
 *   <li>any other object: serialised as JSON by the handler's mapper, with the first declared 2xx
 *       status (200 if none).</li>
 * </ul>
 * Throwing {@link ApiException} answers its status with a problem body; any other exception
 * answers 500 with a generic problem body and is logged at WARNING.
 */
@FunctionalInterface
public interface Operation {

    /**
     * Handles one call whose parameters and JSON body have already been converted and validated
     * against the document.
     */
    Object handle(OperationCall call) throws Exception;
}
