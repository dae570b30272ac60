package io.swaggersocket.openapi;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * One operation of the document, compiled, with its implementation (or none). Checks a request
 * in this order: implemented (501), Accept (406), Content-Type of a body that is there (415), a
 * required body that is not (400), parameters (400: path, query, header, cookie, each in declared
 * order), body size (413), JSON syntax and schema (400); then runs the operation and writes what
 * it returns.
 */
final class BoundOperation implements Target {
    private static final System.Logger LOG = System.getLogger(OpenApiHandler.class.getName());

    /** A media type the request body may have; {@code schema} is set for JSON ones only. */
    private record BodyType(MediaType type, boolean json, SchemaValidator.Check schema) {
    }

    final String operationId;
    /** How messages name this operation. */
    final String label;
    final Operation impl;
    private final List<ParamSpec> parameters;
    private final Set<String> declared;
    private final boolean bodyRequired;
    private final List<BodyType> bodyTypes;
    private final List<MediaType> produces;
    private final String jsonType;
    private final int successStatus;
    private final boolean successDeclared;
    private final boolean successHasContent;
    private final ObjectMapper mapper;
    private final ObjectReader jsonReader;
    private final long maxBodyBytes;

    private BoundOperation(String operationId, String label, Operation impl, List<ParamSpec> parameters,
            boolean bodyRequired, List<BodyType> bodyTypes, List<MediaType> produces, int successStatus,
            boolean successDeclared, boolean successHasContent, ObjectMapper mapper, long maxBodyBytes) {
        this.operationId = operationId;
        this.label = label;
        this.impl = impl;
        this.parameters = List.copyOf(parameters);
        Set<String> names = new LinkedHashSet<>();
        for (ParamSpec p : parameters) {
            names.add(key(p.in, p.name));
        }
        this.declared = Collections.unmodifiableSet(names);
        this.bodyRequired = bodyRequired;
        this.bodyTypes = bodyTypes;
        this.produces = List.copyOf(produces);
        this.jsonType = produces.stream().filter(m -> m.isJson() && m.isConcrete()).findFirst()
                .map(MediaType::toString).orElse("application/json");
        this.successStatus = successStatus;
        this.successDeclared = successDeclared;
        this.successHasContent = successHasContent;
        this.mapper = mapper;
        this.jsonReader = mapper.reader()
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        this.maxBodyBytes = maxBodyBytes;
    }

    static String key(String in, String name) {
        return in + ":" + (in.equals("header") ? name.toLowerCase(Locale.ROOT) : name);
    }

    /**
     * Compiles one operation of the document; {@code impl} may be null (then it answers 501).
     *
     * @param item the Path Item Object, {@code $ref} followed
     * @param op its Operation Object for {@code method}
     */
    static BoundOperation compile(Document document, SchemaCompiler compiler, SchemaValidator validator,
            String method, PathTemplate path, JsonNode item, JsonNode op, Operation impl, ObjectMapper mapper,
            long maxBodyBytes) {
        String id = op.path("operationId").isTextual() ? op.get("operationId").textValue() : null;
        String label = id != null ? "operation '" + id + "'" : "operation " + method + " " + path;
        String where = id != null ? label + " (" + method + " " + path + ")" : label;

        Map<String, JsonNode> merged = new LinkedHashMap<>();
        List<JsonNode> levels = new ArrayList<>();
        item.path("parameters").forEach(levels::add);
        op.path("parameters").forEach(levels::add); // after the path level, so they override it
        for (JsonNode p : levels) {
            JsonNode resolved = document.deref(p, where);
            if (!resolved.path("name").isTextual() || !resolved.path("in").isTextual()) {
                throw new IllegalArgumentException(where + ": a parameter needs a name and 'in'");
            }
            merged.put(key(resolved.get("in").textValue(), resolved.get("name").textValue()), resolved);
        }
        List<ParamSpec> parameters = new ArrayList<>();
        for (JsonNode p : merged.values()) {
            ParamSpec spec = ParamSpec.compile(p, compiler, validator, where);
            if (spec != null) {
                parameters.add(spec);
            }
        }
        for (String variable : path.variables) {
            if (!merged.containsKey(key("path", variable))) {
                throw new IllegalArgumentException(where + ": path variable '" + variable
                        + "' has no path parameter declared");
            }
        }
        for (ParamSpec p : parameters) {
            if (p.in.equals("path") && !path.variables.contains(p.name)) {
                throw new IllegalArgumentException(where + ": path parameter '" + p.name + "' is not in the path");
            }
        }
        parameters.sort((a, b) -> Integer.compare(order(a.in), order(b.in))); // stable: declared order within each

        boolean bodyRequired = false;
        List<BodyType> bodyTypes = null;
        JsonNode body = op.has("requestBody") ? document.deref(op.get("requestBody"), where + " request body") : null;
        if (body != null && body.path("content").size() > 0) {
            bodyRequired = body.path("required").asBoolean(false);
            bodyTypes = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : body.get("content").properties()) {
                MediaType type = mediaType(e.getKey(), where + " request body");
                String at = where + " request body " + e.getKey();
                SchemaValidator.Check schema = null;
                if (type.isJson()) {
                    compiler.compile(e.getValue().get("schema"), at); // $refs resolve, patterns compile
                    schema = validator.compile(e.getValue().get("schema"), at, '"');
                }
                bodyTypes.add(new BodyType(type, type.isJson(), schema));
            }
            bodyTypes = List.copyOf(bodyTypes);
        }

        int successStatus = 200;
        boolean successDeclared = false;
        boolean successHasContent = false;
        List<MediaType> produces = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : op.path("responses").properties()) {
            String code = e.getKey();
            if (!code.startsWith("2")) {
                continue;
            }
            JsonNode response = document.deref(e.getValue(), where + " response " + code);
            JsonNode content = response.path("content");
            boolean hasContent = content.size() > 0;
            if (!successDeclared) {
                successDeclared = true;
                successStatus = code.equalsIgnoreCase("2XX") ? 200 : parseStatus(code, where);
                successHasContent = hasContent;
            }
            for (Map.Entry<String, JsonNode> c : content.properties()) {
                MediaType type = mediaType(c.getKey(), where + " response " + code);
                if (!produces.contains(type)) {
                    produces.add(type);
                }
            }
        }
        return new BoundOperation(id, label, impl, parameters, bodyRequired, bodyTypes, produces, successStatus,
                successDeclared, successHasContent, mapper, maxBodyBytes);
    }

    private static int order(String in) {
        return switch (in) {
            case "path" -> 0;
            case "query" -> 1;
            case "header" -> 2;
            default -> 3;
        };
    }

    private static int parseStatus(String code, String where) {
        try {
            int status = Integer.parseInt(code);
            if (status >= 200 && status <= 299) {
                return status;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(where + ": response '" + code + "' is not a status code");
    }

    private static MediaType mediaType(String key, String where) {
        MediaType type = MediaType.parse(key);
        if (type == null) {
            throw new IllegalArgumentException(where + ": '" + key + "' is not a media type");
        }
        return type;
    }

    @Override
    public void serve(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context,
            Map<String, String> pathValues) throws Rejection, IOException {
        if (impl == null) {
            throw new Rejection(501, label + " is not implemented");
        }
        String responseType = negotiate(request);
        BodyType bodyType = selectBodyType(request);

        String rawQuery = rawQuery(request);
        Map<String, List<String>> query;
        try {
            query = Decoding.query(rawQuery);
        } catch (IllegalArgumentException e) {
            throw new Rejection(400, "query string: invalid percent-encoding in '" + rawQuery + "'");
        }
        Map<String, List<String>> cookies = null;
        Map<String, Object> values = new HashMap<>();
        for (ParamSpec p : parameters) {
            List<String> sent;
            switch (p.in) {
                case "path":
                    sent = List.of(pathValues.get(p.name));
                    break;
                case "query":
                    sent = query.getOrDefault(p.name, List.of());
                    break;
                case "header":
                    sent = headerValues(request, p.name);
                    break;
                default:
                    if (cookies == null) {
                        cookies = cookies(request);
                    }
                    sent = cookies.getOrDefault(p.name, List.of());
            }
            values.put(key(p.in, p.name), p.bind(sent));
        }

        JsonNode json = null;
        byte[] buffered = null;
        if (bodyType != null && bodyType.json) {
            buffered = readLimited(request.getEntity());
            json = parse(buffered);
            if (json == null) {
                if (bodyRequired) {
                    throw new Rejection(400, "request body is required");
                }
            } else {
                try {
                    bodyType.schema.validate(json);
                } catch (Invalid e) {
                    throw Rejection.body(e.pointer, e.getMessage());
                }
            }
        }

        RealCall call = new RealCall(this, request, context, Collections.unmodifiableMap(values), query, json,
                buffered, bodyType != null && !bodyType.json);
        Object result;
        try {
            result = impl.handle(call);
        } catch (ApiException e) {
            throw new Rejection(e.status(), e.detail());
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, label + " failed", e);
            throw failed();
        }
        write(result, response, responseType);
    }

    boolean declares(String in, String name) {
        return declared.contains(key(in, name));
    }

    ObjectMapper mapper() {
        return mapper;
    }

    private Rejection failed() {
        return new Rejection(500, label + " failed");
    }

    /** The JSON content type to answer with, after checking Accept allows something declared (406). */
    private String negotiate(ClassicHttpRequest request) throws Rejection {
        if (produces.isEmpty() || !request.containsHeader(HttpHeaders.ACCEPT)) {
            return jsonType;
        }
        List<MediaType> ranges = MediaType.parseAccept(request.getHeaders(HttpHeaders.ACCEPT));
        if (ranges.isEmpty()) {
            return jsonType;
        }
        if (produces.stream().noneMatch(p -> MediaType.accepts(ranges, p))) {
            throw new Rejection(406, "Accept '" + acceptText(request) + "' matches none of " + produces);
        }
        for (MediaType p : produces) {
            if (p.isJson() && p.isConcrete() && MediaType.accepts(ranges, p)) {
                return p.toString();
            }
        }
        return jsonType;
    }

    static String acceptText(ClassicHttpRequest request) {
        List<String> values = new ArrayList<>();
        for (Header h : request.getHeaders(HttpHeaders.ACCEPT)) {
            values.add(h.getValue());
        }
        return String.join(", ", values);
    }

    /**
     * The declared media type the body is sent as, or null when there is no body to read
     * (none declared, or none sent and none required).
     */
    private BodyType selectBodyType(ClassicHttpRequest request) throws Rejection {
        if (bodyTypes == null) {
            return null;
        }
        HttpEntity entity = request.getEntity();
        if (entity == null || entity.getContentLength() == 0) {
            if (bodyRequired) {
                throw new Rejection(400, "request body is required");
            }
            return null;
        }
        Header typeHeader = request.getFirstHeader(HttpHeaders.CONTENT_TYPE);
        String sent = typeHeader != null ? typeHeader.getValue() : entity.getContentType();
        List<String> expected = new ArrayList<>();
        bodyTypes.forEach(b -> expected.add(b.type.toString()));
        if (sent == null) {
            throw new Rejection(415, "Content-Type is missing; expected one of " + expected);
        }
        MediaType type = MediaType.parse(sent);
        BodyType chosen = type == null || !type.isConcrete() ? null : match(type);
        if (chosen == null) {
            throw new Rejection(415, "Content-Type '" + sent + "' is not supported; expected one of " + expected);
        }
        Header encodingHeader = request.getFirstHeader(HttpHeaders.CONTENT_ENCODING);
        String encoding = encodingHeader != null ? encodingHeader.getValue() : entity.getContentEncoding();
        if (encoding != null && !encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity")) {
            throw new Rejection(415, "Content-Encoding '" + encoding + "' is not supported");
        }
        return chosen;
    }

    /**
     * The declared type for a sent one: the same type, else {@code application/json} for any JSON
     * type ({@code application/merge-patch+json}), else a declared range ({@code text/*}, then the
     * full wildcard).
     */
    private BodyType match(MediaType sent) {
        for (BodyType b : bodyTypes) {
            if (b.type.type().equals(sent.type()) && b.type.subtype().equals(sent.subtype())) {
                return b;
            }
        }
        if (sent.isJson()) {
            for (BodyType b : bodyTypes) {
                if (b.type.equals(MediaType.JSON)) {
                    return b;
                }
            }
        }
        BodyType best = null;
        for (BodyType b : bodyTypes) {
            if (!b.type.isConcrete() && b.type.includes(sent)
                    && (best == null || b.type.specificity() > best.type.specificity())) {
                best = b;
            }
        }
        return best;
    }

    private byte[] readLimited(HttpEntity entity) throws Rejection, IOException {
        if (entity.getContentLength() > maxBodyBytes) {
            throw new Rejection(413, "request body exceeds " + maxBodyBytes + " bytes");
        }
        try (InputStream in = entity.getContent()) {
            long declared = entity.getContentLength();
            ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 8192);
            byte[] chunk = new byte[8192];
            long total = 0;
            for (int n; (n = in.read(chunk)) >= 0; ) {
                total += n;
                if (total > maxBodyBytes) {
                    throw new Rejection(413, "request body exceeds " + maxBodyBytes + " bytes");
                }
                out.write(chunk, 0, n);
            }
            return out.toByteArray();
        }
    }

    /** The parsed body, or null when it is empty or only whitespace. */
    private JsonNode parse(byte[] bytes) throws Rejection {
        if (bytes.length == 0) {
            return null;
        }
        try {
            JsonNode node = jsonReader.readTree(bytes);
            return node == null || node.isMissingNode() ? null : node;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new Rejection(400, "body: invalid JSON" + (at == null ? "" : " at line " + at.getLineNr()
                    + ", column " + at.getColumnNr()) + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new Rejection(400, "body: invalid JSON: " + e.getMessage()); // not reachable with a byte array
        }
    }

    private void write(Object result, ClassicHttpResponse response, String responseType) throws Rejection {
        int status;
        List<Header> headers = List.of();
        Object body = result;
        if (result instanceof OperationResult) {
            OperationResult r = (OperationResult) result;
            status = r.status();
            headers = r.headers();
            body = r.body();
        } else if (result == null) {
            status = successDeclared ? successStatus : 204;
            body = successDeclared && successHasContent ? NullNode.getInstance() : null;
        } else {
            status = successStatus;
        }
        if (body != null && (status < 200 || status == 204 || status == 304)) {
            LOG.log(System.Logger.Level.WARNING, "{0} returned a body with status {1}, which cannot have one",
                    label, status);
            closeQuietly(body);
            throw failed();
        }
        HttpEntity entity = null;
        if (body instanceof HttpEntity) {
            entity = (HttpEntity) body;
        } else if (body != null) {
            byte[] bytes;
            try {
                bytes = mapper.writeValueAsBytes(body);
            } catch (JsonProcessingException e) {
                LOG.log(System.Logger.Level.WARNING, label + " returned a value that cannot be written as JSON", e);
                throw failed();
            }
            String type = responseType;
            for (Header h : headers) {
                if (h.getName().equalsIgnoreCase(HttpHeaders.CONTENT_TYPE)) {
                    type = h.getValue();
                }
            }
            entity = new ByteArrayEntity(bytes, ContentType.parse(type));
        }
        response.setCode(status);
        for (Header h : headers) {
            response.addHeader(h);
        }
        response.setEntity(entity);
    }

    private static void closeQuietly(Object body) {
        if (body instanceof HttpEntity) {
            try {
                ((HttpEntity) body).close();
            } catch (IOException ignored) {
                // the entity is dropped either way
            }
        }
    }

    private static String rawQuery(ClassicHttpRequest request) {
        String path = request.getPath();
        int q = path == null ? -1 : path.indexOf('?');
        return q < 0 ? null : path.substring(q + 1);
    }

    private static List<String> headerValues(ClassicHttpRequest request, String name) {
        Header[] headers = request.getHeaders(name);
        if (headers.length == 0) {
            return List.of();
        }
        List<String> values = new ArrayList<>(headers.length);
        for (Header h : headers) {
            values.add(h.getValue().trim());
        }
        return values;
    }

    /** {@code Cookie: a=1; b=2}, values as sent (surrounding double quotes removed). */
    private static Map<String, List<String>> cookies(ClassicHttpRequest request) {
        Map<String, List<String>> cookies = new LinkedHashMap<>();
        for (Header h : request.getHeaders(HttpHeaders.COOKIE)) {
            for (String pair : h.getValue().split(";")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    continue;
                }
                String value = pair.substring(eq + 1).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                cookies.computeIfAbsent(pair.substring(0, eq).trim(), k -> new ArrayList<>()).add(value);
            }
        }
        return cookies;
    }
}
