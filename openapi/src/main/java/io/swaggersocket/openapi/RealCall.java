package io.swaggersocket.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.protocol.HttpContext;

/** The {@link OperationCall} of one request, made after every check passed. */
final class RealCall implements OperationCall {
    private final BoundOperation operation;
    private final ClassicHttpRequest request;
    private final HttpContext context;
    /** Keyed by {@link BoundOperation#key}; absent optional parameters map to null. */
    private final Map<String, Object> values;
    private final Map<String, List<String>> query;
    private final JsonNode body;
    private final byte[] bufferedBody;
    private final boolean streamedBody;

    RealCall(BoundOperation operation, ClassicHttpRequest request, HttpContext context, Map<String, Object> values,
            Map<String, List<String>> query, JsonNode body, byte[] bufferedBody, boolean streamedBody) {
        this.operation = operation;
        this.request = request;
        this.context = context;
        this.values = values;
        this.query = query;
        this.body = body;
        this.bufferedBody = bufferedBody;
        this.streamedBody = streamedBody;
    }

    @Override
    public String operationId() {
        return operation.operationId;
    }

    @Override
    public ClassicHttpRequest request() {
        return request;
    }

    @Override
    public HttpContext context() {
        return context;
    }

    @Override
    public Object pathParam(String name) {
        return value("path", name);
    }

    @Override
    public <T> T pathParam(String name, Class<T> type) {
        return convert(pathParam(name), type);
    }

    @Override
    public Object queryParam(String name) {
        return value("query", name);
    }

    @Override
    public <T> T queryParam(String name, Class<T> type) {
        return convert(queryParam(name), type);
    }

    @Override
    public Object header(String name) {
        return value("header", name);
    }

    @Override
    public <T> T header(String name, Class<T> type) {
        return convert(header(name), type);
    }

    @Override
    public Object cookie(String name) {
        return value("cookie", name);
    }

    @Override
    public <T> T cookie(String name, Class<T> type) {
        return convert(cookie(name), type);
    }

    @Override
    public Map<String, List<String>> queryParams() {
        return query;
    }

    @Override
    public JsonNode body() {
        if (streamedBody) {
            throw new IllegalStateException(operation.label + " has a non-JSON body: use bodyStream()");
        }
        return body;
    }

    @Override
    public <T> T body(Class<T> type) {
        JsonNode node = body();
        if (node == null) {
            return null;
        }
        try {
            return operation.mapper().treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "body: " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public <T> T body(TypeReference<T> type) {
        JsonNode node = body();
        if (node == null) {
            return null;
        }
        try {
            return operation.mapper().readerFor(type).readValue(node);
        } catch (IOException e) {
            String message = e instanceof JsonProcessingException
                    ? ((JsonProcessingException) e).getOriginalMessage() : e.getMessage();
            throw new ApiException(400, "body: " + message, e);
        }
    }

    @Override
    public InputStream bodyStream() throws IOException {
        if (bufferedBody != null) {
            return new ByteArrayInputStream(bufferedBody);
        }
        if (request.getEntity() != null) {
            return request.getEntity().getContent();
        }
        return InputStream.nullInputStream();
    }

    private Object value(String in, String name) {
        if (!operation.declares(in, name)) {
            throw new IllegalArgumentException(operation.label + " declares no " + in + " parameter '" + name + "'");
        }
        return values.get(BoundOperation.key(in, name));
    }

    @SuppressWarnings("unchecked")
    private <T> T convert(Object value, Class<T> type) {
        if (value == null || type.isInstance(value)) {
            return (T) value;
        }
        return operation.mapper().convertValue(value, type);
    }

    @Override
    public String toString() {
        return "OperationCall[" + operation.label + " " + request.getMethod() + " " + request.getPath() + "]";
    }
}
