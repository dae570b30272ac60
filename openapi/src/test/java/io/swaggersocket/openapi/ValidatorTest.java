package io.swaggersocket.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.Test;

/**
 * What validating with networknt's json-schema-validator ({@link SchemaValidator}) adds or must
 * keep: pointers of errors inside composed schemas, OpenAPI 3.0 nullable and readOnly, $refs to
 * components, int32 / int64 ranges it leaves unchecked, asserted formats, and hostile bodies
 * refused in bounded time.
 */
class ValidatorTest {
    private static final String SPEC = "openapi: 3.0.3\n"
            + "info: {title: validator, version: '1'}\n"
            + "paths:\n"
            + "  /v:\n"
            + "    post:\n"
            + "      operationId: v\n"
            + "      parameters:\n"
            + "        - {name: n, in: query, schema: {type: integer, format: int32, minimum: -5}}\n"
            + "      requestBody:\n"
            + "        content:\n"
            + "          application/json:\n"
            + "            schema: {$ref: '#/components/schemas/Body'}\n"
            + "      responses: {'204': {description: ok}}\n"
            + "components:\n"
            + "  schemas:\n"
            + "    Body:\n"
            + "      type: object\n"
            + "      properties:\n"
            + "        list: {type: array, items: {anyOf: [{$ref: '#/components/schemas/Named'}, {type: integer}]}}\n"
            + "        owner: {$ref: '#/components/schemas/Named'}\n"
            + "        maybeOwner: {allOf: [{$ref: '#/components/schemas/Named'}], nullable: true}\n"
            + "        note: {type: string, nullable: true, maxLength: 3}\n"
            + "        big: {type: integer, format: int64}\n"
            + "        mail: {type: string, format: email}\n"
            + "        account: {$ref: '#/components/schemas/Account'}\n"
            + "        tree: {$ref: '#/components/schemas/Tree'}\n"
            + "    Named: {type: object, required: [name], properties: {name: {type: string, minLength: 1}}}\n"
            + "    Account:\n"
            + "      type: object\n"
            + "      required: [id, secret]\n"
            + "      properties:\n"
            + "        id: {type: integer, readOnly: true}\n"
            + "        secret: {type: string, writeOnly: true}\n"
            + "    Tree: {type: object, properties: {child: {$ref: '#/components/schemas/Tree'}, leaf: {type: boolean}}}\n";

    private static final OpenApiHandler HANDLER = OpenApiHandler.builder(SPEC).operation("v", call -> null).build();

    private static Exchange post(String json) {
        return Exchange.run(HANDLER, ClassicRequestBuilder.post("/v").setEntity(Exchange.json(json)).build());
    }

    private static Exchange query(String n) {
        return Exchange.run(HANDLER, ClassicRequestBuilder.post("/v?n=" + n).build());
    }

    private static void ok(String json) {
        Exchange e = post(json);
        assertEquals(204, e.status(), () -> json + " -> " + e.text());
    }

    @Test
    void anyOfFailurePointsAtTheValueTheAnyOfAppliesTo() {
        ok("{\"list\":[1,{\"name\":\"a\"}]}");
        post("{\"list\":[1,{\"name\":\"\"}]}").assertBodyProblem(
                "body /list/1: expected a value matching at least one anyOf schema but it matched none", "/list/1");
        post("{\"list\":[true]}").assertBodyProblem(
                "body /list/0: expected a value matching at least one anyOf schema but it matched none", "/list/0");
    }

    @Test
    void refsToComponentsAreValidatedWhereTheyAreUsed() {
        post("{\"owner\":{}}").assertBodyProblem("body /owner/name: required property is missing", "/owner/name");
        post("{\"owner\":{\"name\":\"\"}}").assertBodyProblem(
                "body /owner/name: expected a length >= 1 but was 0", "/owner/name");
    }

    @Test
    void nullableAcceptsNullOnlyWhereDeclared() {
        ok("{\"note\":null,\"maybeOwner\":null}");
        post("{\"note\":\"long\"}").assertBodyProblem("body /note: expected a length <= 3 but was 4", "/note");
        post("{\"owner\":null}").assertBodyProblem("body /owner: expected an object but was null", "/owner");
    }

    @Test
    void readOnlyMayBeMissingFromARequestButWriteOnlyMayNot() {
        ok("{\"account\":{\"secret\":\"s\"}}");
        // OpenAPI: a readOnly property SHOULD NOT be sent; networknt refuses it, and so do we
        post("{\"account\":{\"id\":1,\"secret\":\"s\"}}").assertBodyProblem(
                "body /account/id: property is read-only: it is not accepted in a request", "/account/id");
        post("{\"account\":{}}").assertBodyProblem(
                "body /account/secret: required property is missing", "/account/secret");
    }

    @Test
    void int32AndInt64RangesAreChecked() {
        ok("{\"big\":9223372036854775807}");
        post("{\"big\":9223372036854775808}").assertBodyProblem(
                "body /big: expected an int64 but was 9223372036854775808", "/big");
        assertEquals(204, query("2147483647").status());
        query("2147483648").assertParameterProblem("query parameter 'n': expected an int32 but was '2147483648'", "n",
                "query");
        query("-6").assertParameterProblem("query parameter 'n': expected a value >= -5 but was -6", "n", "query");
    }

    @Test
    void formatsAreAsserted() {
        ok("{\"mail\":\"a@example.com\"}");
        post("{\"mail\":\"nope\"}").assertBodyProblem("body /mail: expected an email but was \"nope\"", "/mail");
    }

    @Test
    void deepRecursionValidatesAndHostileNestingIsRefusedByTheParser() {
        ok("{\"tree\":" + "{\"child\":".repeat(200) + "{\"leaf\":true}" + "}".repeat(200) + "}");
        post("{\"tree\":" + "{\"child\":".repeat(200) + "{\"leaf\":1}" + "}".repeat(200) + "}").assertBodyProblem(
                "body /tree" + "/child".repeat(200) + "/leaf: expected a boolean but was 1",
                "/tree" + "/child".repeat(200) + "/leaf");
        // nesting beyond Jackson's default depth limit never reaches the validator
        Exchange hostile = post("{\"tree\":" + "{\"child\":".repeat(5000) + "{}" + "}".repeat(5000) + "}");
        assertEquals(400, hostile.status());
        assertTrue(hostile.text().contains("body: invalid JSON"), hostile.text());
    }

    @Test
    void aSchemaNetworkntRefusesFailsTheBuildNamingIt() {
        String spec = SPEC.replace("note: {type: string, nullable: true, maxLength: 3}",
                "note: {$ref: '#/components/schemas/Missing'}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OpenApiHandler.builder(spec).operation("v", call -> null).build());
        assertTrue(e.getMessage().startsWith("operation 'v' (POST /v) request body application/json"), e.getMessage());
    }

    @Test
    void aSchemaNamingARemoteDialectIsRefusedWithoutFetchingIt() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String spec = "openapi: 3.1.0\n"
                + "info: {title: t, version: '1'}\n"
                + "paths:\n"
                + "  /v:\n"
                + "    post:\n"
                + "      operationId: v\n"
                + "      requestBody:\n"
                + "        content:\n"
                + "          application/json:\n"
                + "            schema: {$schema: 'http://127.0.0.1:" + listener.getLocalPort() + "/d', type: object}\n"
                + "      responses: {'204': {description: ok}}\n";
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OpenApiHandler.builder(spec).operation("v", call -> null).build());
            assertTrue(e.getMessage().startsWith(
                    "operation 'v' (POST /v) request body application/json: invalid schema"), e.getMessage());
            // a connection made during the build would already be queued: accept returns at once
            listener.setSoTimeout(200);
            assertThrows(SocketTimeoutException.class, listener::accept, "the build dialed the dialect's URL");
        }
    }
}
