package io.swaggersocket.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Paths;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.PathParameter;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.servers.Server;
import io.swagger.v3.oas.models.servers.ServerVariable;
import io.swagger.v3.oas.models.servers.ServerVariables;
import java.util.List;
import java.util.Map;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.Test;

class BuildTest {
    private static final String HEAD = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

    private static String oneOperation(String path, String operationYaml) {
        return HEAD + "paths:\n  " + path + ":\n    get:\n      operationId: op\n" + operationYaml
                + "      responses: {'200': {description: ok}}\n";
    }

    private static String failure(Class<? extends RuntimeException> type, String spec) {
        return assertThrows(type, () -> OpenApiHandler.builder(spec).build()).getMessage();
    }

    @Test
    void unknownOperationIdIsNamed() throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Petstore().builder()
                .operation("getPets", call -> null).build());
        assertEquals("operationId 'getPets' bound but not in the document, which declares "
                + "[createPet, deletePet, getPet, listMyPets, listPets, updatePet]", e.getMessage());
    }

    @Test
    void requireAllOperationsListsWhatIsMissing() throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new Petstore().builder().requireAllOperations(true).build());
        assertEquals("operations not implemented: [updatePet]", e.getMessage());
        new Petstore().builder().operation("updatePet", call -> null).requireAllOperations(true).build();

        String anonymous = HEAD + "paths:\n  /x:\n    get:\n      responses: {'200': {description: ok}}\n";
        assertEquals("operations not implemented: [GET /x (no operationId)]", assertThrows(IllegalStateException.class,
                () -> OpenApiHandler.builder(anonymous).requireAllOperations(true).build()).getMessage());
    }

    @Test
    void bindingTwiceIsRefusedAtOnce() throws Exception {
        OpenApiHandler.Builder builder = OpenApiHandler.builder(Petstore.spec()).operation("getPet", call -> null);
        assertEquals("operation 'getPet' is already bound", assertThrows(IllegalArgumentException.class,
                () -> builder.operation("getPet", call -> null)).getMessage());
    }

    @Test
    void externalRefsAreRefusedNamingWhereTheyAre() {
        String spec = HEAD + "paths:\n  /pets:\n    get:\n      operationId: op\n      responses:\n        '200':\n"
                + "          description: ok\n          content:\n            application/json:\n"
                + "              schema: {$ref: 'common.yaml#/components/schemas/Pet'}\n";
        assertEquals("external $ref 'common.yaml#/components/schemas/Pet' at "
                + "/paths/~1pets/get/responses/200/content/application~1json/schema is not supported: "
                + "only local references (#/...) are resolved", failure(IllegalArgumentException.class, spec));

        String parameter = oneOperation("/pets", "      parameters: [{$ref: 'https://example.com/params.yaml#/Limit'}]\n");
        assertEquals("external $ref 'https://example.com/params.yaml#/Limit' at /paths/~1pets/get/parameters/0 "
                + "is not supported: only local references (#/...) are resolved",
                failure(IllegalArgumentException.class, parameter));
    }

    @Test
    void unresolvedAndCyclicLocalRefsAreRefused() {
        String dangling = oneOperation("/x", "      parameters:\n        - {name: q, in: query, schema: "
                + "{$ref: '#/components/schemas/Nope'}}\n");
        assertEquals("operation 'op' (GET /x): query parameter 'q': $ref '#/components/schemas/Nope' does not resolve",
                failure(IllegalArgumentException.class, dangling));

        String cyclic = oneOperation("/x", "      parameters:\n        - {name: q, in: query, schema: "
                + "{$ref: '#/components/schemas/A'}}\n")
                + "components:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n";
        assertEquals("operation 'op' (GET /x): query parameter 'q': $ref '#/components/schemas/A' refers to itself",
                failure(IllegalArgumentException.class, cyclic));
    }

    @Test
    void refsIntoOtherPartsOfTheDocumentResolve() throws Exception {
        String spec = HEAD + "paths:\n"
                + "  /a:\n    get:\n      operationId: a\n      parameters:\n"
                + "        - {name: n, in: query, schema: {type: integer, maximum: 5}}\n"
                + "      responses: {'200': {description: ok}}\n"
                + "  /b:\n    get:\n      operationId: b\n      parameters:\n"
                + "        - $ref: '#/paths/~1a/get/parameters/0'\n"
                + "      responses: {'200': {description: ok}}\n";
        OpenApiHandler handler = OpenApiHandler.builder(spec).operation("b", call -> call.queryParam("n")).build();
        Exchange.run(handler, ClassicRequestBuilder.get("/b?n=6").build())
                .assertParameterProblem("query parameter 'n': expected a value <= 5 but was 6", "n", "query");
    }

    @Test
    void documentMistakesAreReportedWithTheirPlace() {
        String ambiguous = HEAD + "paths:\n"
                + "  /pets/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n"
                + "      responses: {'200': {description: ok}}\n"
                + "  /pets/{petId}:\n    get:\n      parameters: [{name: petId, in: path, required: true, schema: {type: string}}]\n"
                + "      responses: {'200': {description: ok}}\n";
        assertEquals("paths '/pets/{id}' and '/pets/{petId}' are ambiguous: they differ only in variable names",
                failure(IllegalArgumentException.class, ambiguous));
        assertEquals("operation 'op' (GET /pets/{petId}): path variable 'petId' has no path parameter declared",
                failure(IllegalArgumentException.class, oneOperation("/pets/{petId}", "")));
        assertEquals("operation 'op' (GET /pets): path parameter 'id' is not in the path",
                failure(IllegalArgumentException.class, oneOperation("/pets",
                        "      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n")));
        assertEquals("path '/pets/{id': unbalanced braces", failure(IllegalArgumentException.class,
                oneOperation("/pets/{id", "")));
        assertEquals("operation 'op' (GET /x): query parameter 'q': pattern '[a-' is not a valid regular expression: "
                + "Illegal character range", failure(IllegalArgumentException.class, oneOperation("/x",
                "      parameters: [{name: q, in: query, schema: {type: string, pattern: '[a-'}}]\n")));
        assertEquals("operation 'op' (GET /x): query parameter 'filter': object parameters are not supported",
                failure(IllegalArgumentException.class, oneOperation("/x",
                        "      parameters: [{name: filter, in: query, style: deepObject, schema: {type: object}}]\n")));
        assertEquals("operation 'op' (GET /x/{id}): path parameter 'id': style 'label' is not supported",
                failure(IllegalArgumentException.class, oneOperation("/x/{id}",
                        "      parameters: [{name: id, in: path, required: true, style: label, schema: {type: string}}]\n")));
        assertEquals("operation 'op' (GET /x): query parameter 'q': 'content' is not supported, only 'schema'",
                failure(IllegalArgumentException.class, oneOperation("/x",
                        "      parameters: [{name: q, in: query, content: {application/json: {}}}]\n")));
        assertEquals("operation 'op' (GET /x): query parameter 'n': default 0 is invalid: expected a value >= 1 but was 0",
                failure(IllegalArgumentException.class, oneOperation("/x",
                        "      parameters: [{name: n, in: query, schema: {type: integer, minimum: 1, default: 0}}]\n")));
        String twice = HEAD + "paths:\n  /a:\n    get:\n      operationId: same\n      responses: {'200': {description: ok}}\n"
                + "  /b:\n    get:\n      operationId: same\n      responses: {'200': {description: ok}}\n";
        assertEquals("operationId 'same' is declared twice: GET /a and GET /b",
                failure(IllegalArgumentException.class, twice));
    }

    @Test
    void onlyOpenApi3DocumentsAreRead() {
        assertEquals("openapi: expected 3.x but this is a Swagger 2.0 document", assertThrows(
                IllegalArgumentException.class, () -> OpenApiHandler.builder("swagger: '2.0'\npaths: {}\n")).getMessage());
        assertEquals("openapi: missing; expected 3.x", assertThrows(IllegalArgumentException.class,
                () -> OpenApiHandler.builder("{\"paths\": {}}")).getMessage());
        assertEquals("cannot parse the OpenAPI document: Unexpected end-of-input within/between Object entries "
                + "at line 1, column 13", assertThrows(IllegalArgumentException.class,
                () -> OpenApiHandler.builder("{\"openapi\": ")).getMessage());
    }

    @Test
    void builderValidatesItsSettings() throws Exception {
        OpenApiHandler.Builder builder = OpenApiHandler.builder(Petstore.spec());
        assertEquals("maxBodyBytes: 0 is out of range [1, 2147483639]",
                assertThrows(IllegalArgumentException.class, () -> builder.maxBodyBytes(0)).getMessage());
        assertEquals("basePath: expected a path starting with '/' but was 'api'",
                assertThrows(IllegalArgumentException.class, () -> builder.basePath("api")).getMessage());
    }

    @Test
    void basePathComesFromTheFirstServerUnlessGiven() throws Exception {
        assertEquals("/api/v1", new Petstore().handler().basePath());
        assertEquals("", new Petstore().builder().basePath("/").build().basePath());
        OpenApiHandler moved = new Petstore().builder().basePath("/v2/").build();
        assertEquals("/v2", moved.basePath());
        assertEquals(200, Exchange.run(moved, ClassicRequestBuilder.get("/v2/pets/1").build()).status());

        OpenAPI api = new OpenAPI().paths(new Paths());
        assertEquals("", OpenApiHandler.builder(api).build().basePath());
        api.servers(List.of(new Server().url("/relative/")));
        assertEquals("/relative", OpenApiHandler.builder(api).build().basePath());
        api.servers(List.of(new Server().url("https://{host}/{version}/api").variables(new ServerVariables()
                .addServerVariable("host", new ServerVariable()._default("example.com"))
                .addServerVariable("version", new ServerVariable()._default("v3")))));
        assertEquals("/v3/api", OpenApiHandler.builder(api).build().basePath());
        api.servers(List.of(new Server().url("https://example.com")));
        assertEquals("", OpenApiHandler.builder(api).build().basePath());
    }

    @Test
    void documentBuiltInCodeIsServedAndLaterChangesDoNotLeakIn() throws Exception {
        OpenAPI api = new OpenAPI().paths(new Paths().addPathItem("/items/{id}", new PathItem()
                .addParametersItem(new PathParameter().name("id").schema(new IntegerSchema().minimum(
                        java.math.BigDecimal.ONE)))
                .put(new io.swagger.v3.oas.models.Operation().operationId("putItem")
                        .requestBody(new RequestBody().required(true).content(new Content().addMediaType(
                                "application/json", new MediaType().schema(new ObjectSchema()
                                        .addProperty("label", new StringSchema().maxLength(3))
                                        .addRequiredItem("label")))))
                        .responses(new ApiResponses().addApiResponse("200", new ApiResponse().description("ok")
                                .content(new Content().addMediaType("application/json", new MediaType())))))));
        OpenApiHandler handler = OpenApiHandler.builder(api)
                .operation("putItem", call -> Map.of("id", call.pathParam("id"), "label",
                        call.body().get("label").asText()))
                .build();
        api.getPaths().addPathItem("/later", new PathItem());
        api.getPaths().get("/items/{id}").setPut(null);

        Exchange ok = Exchange.run(handler, ClassicRequestBuilder.put("/items/7")
                .setEntity(Exchange.json("{\"label\":\"abc\"}")).build());
        assertEquals(200, ok.status());
        assertEquals(Exchange.JSON.readTree("{\"id\":7,\"label\":\"abc\"}"), ok.json());
        Exchange.run(handler, ClassicRequestBuilder.put("/items/7").setEntity(Exchange.json("{\"label\":\"abcd\"}"))
                .build()).assertBodyProblem("body /label: expected a length <= 3 but was 4", "/label");
        Exchange.run(handler, ClassicRequestBuilder.put("/items/0").setEntity(Exchange.json("{}")).build())
                .assertParameterProblem("path parameter 'id': expected a value >= 1 but was 0", "id", "path");
        Exchange.run(handler, ClassicRequestBuilder.get("/later").build()).assertProblem(404, "no operation at '/later'");
    }

    @Test
    void jsonDocumentsAreReadToo() throws Exception {
        String json = "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"paths\":{\"/hi\":{\"get\":"
                + "{\"operationId\":\"hi\",\"responses\":{\"200\":{\"description\":\"ok\"}}}}}}";
        OpenApiHandler handler = OpenApiHandler.builder(json).operation("hi", call -> "hello").build();
        assertEquals("\"hello\"", Exchange.run(handler, ClassicRequestBuilder.get("/hi").build()).text());
    }
}
