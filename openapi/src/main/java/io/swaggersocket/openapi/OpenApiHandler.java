package io.swaggersocket.openapi;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.swagger.v3.oas.models.OpenAPI;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Thread-safe and immutable once built: serves an API described by an OpenAPI 3 document, with an
 * {@link Operation} bound to each {@code operationId}. Register it on either end of a connection
 * ({@code SocketConnection.serve(handler)}) or anywhere an httpcore5 classic handler fits.
 *
 * <pre>{@code
 * HttpRequestHandler api = OpenApiHandler.builder(Path.of("petstore.yaml"))
 *         .operation("getPet", call -> store.find(call.pathParam("petId", Long.class)))
 *         .operation("createPet", call -> OperationResult.status(201).body(store.add(call.body(Pet.class))))
 *         .build();
 * }</pre>
 *
 * <h2>Routing</h2>
 * The request path (with the {@link Builder#basePath base path} removed) is matched against the
 * document's path templates segment by segment after percent-decoding each segment, so
 * {@code %2F} stays inside a segment. Literal segments win over templated ones, from left to right
 * ({@code /pets/mine} before {@code /pets/{id}}); then the method is looked up on the winning path
 * only. A trailing slash is significant: {@code /pets/} does not match {@code /pets}, and a path
 * variable never matches an empty segment. No match: 404. A path without the method: 405 with an
 * {@code Allow} header (upper case, sorted, comma-separated). HEAD on a path that declares GET but
 * not HEAD runs the GET operation and answers what it answers; the transport drops the body, as
 * httpcore5 servers and {@code SocketConnection} do for HEAD.
 *
 * <h2>Checks, in order</h2>
 * Implemented (501 otherwise, unless {@link Builder#requireAllOperations} refused to build);
 * {@code Accept} allows a declared 2xx media type (406); a body that is sent has a declared
 * {@code Content-Type} (415: JSON types such as {@code application/vnd.x+json} count as
 * {@code application/json}) and no {@code Content-Encoding}; a required body is there (400);
 * parameters (400): path, query, header, cookie, converted and validated against their schemas,
 * defaults applied; the JSON body is within {@link Builder#maxBodyBytes} (413), parses (400) and
 * validates against its schema (400, naming the JSON pointer of the bad value). Non-JSON bodies
 * are not read, only passed on as {@link OperationCall#bodyStream()}. Every refusal is an RFC 7807
 * {@code application/problem+json} body with {@code type}, {@code title}, {@code status} and
 * {@code detail}, plus {@code parameter} and {@code in} for a parameter or {@code pointer} for a
 * body value.
 *
 * <h2>Schemas</h2>
 * Parameter values (after conversion to their declared type) and JSON bodies are validated by
 * networknt's json-schema-validator with its OpenAPI 3.0 dialect ({@code nullable}, boolean
 * {@code exclusiveMinimum}, ...) or, for 3.1 documents, its OpenAPI 3.1 dialect (JSON Schema
 * 2020-12). {@code $ref}s resolve within the document; {@code format} is asserted (date,
 * date-time, uuid, email, ipv4, ...; unknown formats are annotations), with {@code int32} and
 * {@code int64} checked as ranges. In requests a readOnly property may be missing even if required,
 * and is refused when sent. A {@code discriminator} whose property is present selects the schema
 * whose error is reported; mapping values may be bare schema names. Numbers with more than 1000
 * digits before or after the point are refused before validation. The first error is reported,
 * worded "expected X but was Y" with the JSON pointer of the offending value. Responses are not
 * validated.
 *
 * <h2>The document</h2>
 * Text is read with swagger-core's {@code Yaml.mapper()} / {@code Json.mapper()} into a JSON tree
 * and compiled from that tree, not from swagger-core's model: the model's 3.0 deserializer turns
 * every schema without {@code type} into {@code type: object}, which would refuse valid values. A
 * model built in code is turned into a tree by swagger-core's mapper when {@link Builder#build()}
 * runs. {@code GET {basePath}/openapi.json} and {@code {basePath}/openapi.yaml} serve that tree
 * with swagger-core's {@code Json.pretty} / {@code Yaml.pretty} ({@code application/json},
 * {@code application/yaml}) unless the document declares those paths itself. Local
 * {@code $ref}s ({@code #/components/...} or any other JSON pointer into the document) are
 * resolved; external ones are refused when building.
 *
 * <p>The handler does no I/O but reading the request and has no threads of its own. An operation
 * runs on the thread that calls {@link #handle}.
 */
public final class OpenApiHandler implements HttpRequestHandler {
    private static final System.Logger LOG = System.getLogger(OpenApiHandler.class.getName());

    private final List<String> basePath;
    private final List<Route> routes;
    private final String basePathText;

    private OpenApiHandler(String basePath, List<Route> routes) {
        this.basePathText = basePath;
        this.basePath = basePath.isEmpty() ? List.of() : Decoding.segments(basePath);
        this.routes = List.copyOf(routes);
    }

    /**
     * A builder for a document built in code. The model is read when {@link Builder#build()} runs;
     * later changes to it do not affect a built handler.
     */
    public static Builder builder(OpenAPI model) {
        return new Builder(Objects.requireNonNull(model, "model"), null);
    }

    /**
     * A builder for a YAML or JSON document in a file (UTF-8).
     *
     * @throws IllegalArgumentException when it is not an OpenAPI 3 document
     */
    public static Builder builder(Path specFile) throws IOException {
        return builder(Files.readString(specFile, StandardCharsets.UTF_8));
    }

    /**
     * A builder for a YAML or JSON document (JSON when it starts with a brace), read with
     * swagger-core's mappers.
     *
     * @throws IllegalArgumentException when it is not an OpenAPI 3 document
     */
    public static Builder builder(String yamlOrJson) {
        return new Builder(null, Document.parse(Objects.requireNonNull(yamlOrJson, "yamlOrJson")));
    }

    /** The base path requests are served under: {@code ""} for none, else like {@code /api/v1}. */
    public String basePath() {
        return basePathText;
    }

    @Override
    public void handle(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context)
            throws HttpException, IOException {
        try {
            route(request, response, context);
        } catch (Rejection rejection) {
            Problems.write(response, rejection);
        }
    }

    private void route(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context)
            throws Rejection, IOException {
        String target = request.getPath() == null ? "" : request.getPath();
        int q = target.indexOf('?');
        String rawPath = q < 0 ? target : target.substring(0, q);
        if (!rawPath.startsWith("/")) {
            throw new Rejection(404, "no operation at '" + rawPath + "'");
        }
        List<String> segments;
        try {
            segments = Decoding.segments(rawPath);
        } catch (IllegalArgumentException e) {
            throw new Rejection(400, "path '" + rawPath + "' has an invalid percent-encoding");
        }
        if (segments.size() < basePath.size() || !segments.subList(0, basePath.size()).equals(basePath)) {
            throw new Rejection(404, "no operation at '" + rawPath + "'");
        }
        for (Route route : routes) {
            Map<String, String> values = route.template.match(segments, basePath.size());
            if (values == null) {
                continue;
            }
            Target found = route.target(request.getMethod().toUpperCase(Locale.ROOT));
            if (found == null) {
                throw Rejection.methodNotAllowed("method " + request.getMethod() + " is not allowed on '"
                        + route.template + "'; allowed: " + route.allow, route.allow);
            }
            found.serve(request, response, context, values);
            return;
        }
        throw new Rejection(404, "no operation at '" + rawPath + "'");
    }

    @Override
    public String toString() {
        return "OpenApiHandler[basePath=" + basePathText + ", paths=" + routes.size() + "]";
    }

    /**
     * Not thread-safe: configure from one thread, then {@link #build()}; a builder may build more
     * than one handler. Everything the document and the bindings get wrong is reported by
     * {@code build()}, naming the operation, parameter or {@code $ref} at fault.
     */
    public static final class Builder {
        private static final List<String> METHODS = List.of("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH",
                "TRACE");

        private final OpenAPI model;
        private final Document parsed;
        private final Map<String, Operation> operations = new LinkedHashMap<>();
        private boolean requireAllOperations;
        private ObjectMapper mapper;
        private String basePath;
        private long maxBodyBytes = 1024 * 1024;

        private Builder(OpenAPI model, Document parsed) {
            this.model = model;
            this.parsed = parsed;
        }

        /**
         * Binds an implementation to an {@code operationId} of the document; an id the document
         * does not declare makes {@link #build()} fail.
         *
         * @throws IllegalArgumentException when the id is already bound
         */
        public Builder operation(String operationId, Operation impl) {
            Objects.requireNonNull(operationId, "operationId");
            Objects.requireNonNull(impl, "impl");
            if (operations.putIfAbsent(operationId, impl) != null) {
                throw new IllegalArgumentException("operation '" + operationId + "' is already bound");
            }
            return this;
        }

        /**
         * Whether {@link #build()} refuses to build while an operation of the document has no
         * implementation. Default false: such operations answer 501.
         */
        public Builder requireAllOperations(boolean require) {
            this.requireAllOperations = require;
            return this;
        }

        /**
         * The mapper that binds bodies and writes results; it must be thread-safe (configured
         * before use). Default: {@code JavaTimeModule} registered, dates written as ISO-8601
         * strings, unknown properties ignored.
         */
        public Builder objectMapper(ObjectMapper mapper) {
            this.mapper = Objects.requireNonNull(mapper, "mapper");
            return this;
        }

        /**
         * The path prefix every operation is served under, like {@code /api/v1}; {@code ""} or
         * {@code "/"} for none. Default: the path of the document's first server URL (server
         * variables replaced by their defaults: {@code http://x/api/v1} gives {@code /api/v1}), or
         * none when the document has no server.
         */
        public Builder basePath(String basePath) {
            this.basePath = Document.normalizeBasePath(Objects.requireNonNull(basePath, "basePath"));
            return this;
        }

        /** The largest JSON body read into memory; larger ones answer 413. Default 1 MiB. */
        public Builder maxBodyBytes(long maxBodyBytes) {
            if (maxBodyBytes < 1 || maxBodyBytes > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes + " is out of range [1, "
                        + (Integer.MAX_VALUE - 8) + "]");
            }
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /**
         * Compiles the document and the bindings into a handler.
         *
         * @throws IllegalArgumentException when the document uses what this handler does not
         *         support (external {@code $ref}s, object parameters, ...) or is inconsistent
         *         (unresolved {@code $ref}s, ambiguous paths, duplicate operationIds, invalid
         *         patterns or defaults)
         * @throws IllegalStateException when an operationId bound here is not in the document, or
         *         when {@link #requireAllOperations} is on and some operation has no implementation
         */
        public OpenApiHandler build() {
            Document document = parsed != null ? parsed : Document.of(model);
            document.rejectExternalRefs();
            SchemaCompiler compiler = new SchemaCompiler(document);
            SchemaValidator validator = new SchemaValidator(document);
            ObjectMapper json = mapper != null ? mapper : defaultMapper();
            String base = basePath != null ? basePath : document.defaultBasePath();

            List<Route> routes = new ArrayList<>();
            Map<String, String> shapes = new HashMap<>();
            Map<String, String> declaredIds = new LinkedHashMap<>();
            Set<String> unimplemented = new LinkedHashSet<>();
            JsonNode paths = document.tree.path("paths");
            for (Map.Entry<String, JsonNode> entry : paths.properties()) {
                if (entry.getKey().startsWith("x-")) {
                    continue; // an extension, not a path
                }
                PathTemplate template = PathTemplate.parse(entry.getKey());
                String clash = shapes.putIfAbsent(template.shape, template.template);
                if (clash != null) {
                    throw new IllegalArgumentException("paths '" + clash + "' and '" + template.template
                            + "' are ambiguous: they differ only in variable names");
                }
                JsonNode item = document.deref(entry.getValue(), "path '" + entry.getKey() + "'");
                Map<String, Target> byMethod = new HashMap<>();
                for (String method : METHODS) {
                    JsonNode op = item.get(method.toLowerCase(Locale.ROOT));
                    if (op == null || !op.isObject()) {
                        continue;
                    }
                    String id = op.path("operationId").isTextual() ? op.get("operationId").textValue() : null;
                    String at = method + " " + template;
                    if (id != null) {
                        String earlier = declaredIds.putIfAbsent(id, at);
                        if (earlier != null) {
                            throw new IllegalArgumentException("operationId '" + id + "' is declared twice: "
                                    + earlier + " and " + at);
                        }
                    }
                    Operation impl = id == null ? null : operations.get(id);
                    if (impl == null) {
                        unimplemented.add(id != null ? id : at + " (no operationId)");
                    }
                    byMethod.put(method, BoundOperation.compile(document, compiler, validator, method, template,
                            item, op, impl, json, maxBodyBytes));
                }
                routes.add(new Route(template, byMethod));
            }

            Set<String> unknown = new TreeSet<>(operations.keySet());
            unknown.removeAll(declaredIds.keySet());
            if (!unknown.isEmpty()) {
                throw new IllegalStateException("operationId " + String.join(", ", quoted(unknown))
                        + " bound but not in the document, which declares " + new TreeSet<>(declaredIds.keySet()));
            }
            if (requireAllOperations && !unimplemented.isEmpty()) {
                throw new IllegalStateException("operations not implemented: " + unimplemented);
            }
            if (!unimplemented.isEmpty()) {
                LOG.log(System.Logger.Level.DEBUG, "operations answering 501: {0}", unimplemented);
            }

            addDocumentRoute(routes, paths, "/openapi.json", document.prettyJson(), "application/json");
            addDocumentRoute(routes, paths, "/openapi.yaml", document.prettyYaml(), "application/yaml");
            routes.sort((a, b) -> a.template.compareTo(b.template));
            return new OpenApiHandler(base, routes);
        }

        private static void addDocumentRoute(List<Route> routes, JsonNode paths, String path, String text,
                String mediaType) {
            if (!paths.has(path)) {
                routes.add(new Route(PathTemplate.parse(path),
                        Map.of("GET", new DocumentTarget(text.getBytes(StandardCharsets.UTF_8), mediaType))));
            }
        }

        private static List<String> quoted(Set<String> ids) {
            List<String> out = new ArrayList<>();
            ids.forEach(id -> out.add("'" + id + "'"));
            return out;
        }

        private static ObjectMapper defaultMapper() {
            return JsonMapper.builder()
                    .addModule(new JavaTimeModule())
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                    .build();
        }
    }
}
