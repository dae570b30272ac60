package io.swaggersocket.openapi;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Not thread-safe: one call of an {@link Operation}, confined to the thread that runs it.
 * Parameters and the JSON body have already been converted and validated against the
 * document when the operation sees them.
 *
 * <p>Parameter values are {@code Integer} (integer, int32), {@code Long} (integer, int64 or no
 * format), {@code Double} (number), {@code Boolean}, {@code String} (string, or no type), or an
 * unmodifiable {@code List} of those for arrays; {@code null} when an optional parameter is absent
 * and its schema has no default. Asking for a parameter the operation does not declare is a
 * programming error ({@link IllegalArgumentException}), so typos do not silently read {@code null}.
 * The typed variants convert with the handler's {@code ObjectMapper} (for example a string to an
 * enum, an {@code Integer} to a {@code Long}).
 */
public interface OperationCall {

    /** The operation's {@code operationId}. */
    String operationId();

    /** The raw request. Its entity has been consumed when the body was JSON: use {@link #body()}. */
    ClassicHttpRequest request();

    /** The context the handler was called with (on a connection it carries the stream's context). */
    HttpContext context();

    /** A path parameter, converted and validated. */
    Object pathParam(String name);

    /** A path parameter converted to {@code type}. */
    <T> T pathParam(String name, Class<T> type);

    /** A query parameter, converted and validated; defaults applied. */
    Object queryParam(String name);

    /** A query parameter converted to {@code type}. */
    <T> T queryParam(String name, Class<T> type);

    /** A header parameter (name matched case-insensitively), converted and validated. */
    Object header(String name);

    /** A header parameter converted to {@code type}. */
    <T> T header(String name, Class<T> type);

    /** A cookie parameter, converted and validated. */
    Object cookie(String name);

    /** A cookie parameter converted to {@code type}. */
    <T> T cookie(String name, Class<T> type);

    /**
     * Every query parameter as sent, declared or not, percent-decoded ({@code +} read as a space),
     * in order of first appearance; unmodifiable.
     */
    Map<String, List<String>> queryParams();

    /**
     * The validated JSON body, or {@code null} when the request has none.
     *
     * @throws IllegalStateException when the operation's body is not JSON (use {@link #bodyStream()})
     */
    JsonNode body();

    /**
     * The JSON body bound to {@code type} with the handler's mapper, or {@code null} when absent.
     *
     * @throws ApiException 400 when the validated body still cannot be bound to {@code type}
     */
    <T> T body(Class<T> type);

    /** The JSON body bound to {@code type}, or {@code null} when absent. */
    <T> T body(TypeReference<T> type);

    /**
     * The body as bytes: the streaming request body for non-JSON media types (not buffered, not
     * size-limited), the buffered bytes for JSON, an empty stream when there is none.
     */
    InputStream bodyStream() throws IOException;
}
