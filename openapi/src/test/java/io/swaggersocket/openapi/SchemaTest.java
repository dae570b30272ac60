package io.swaggersocket.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.Test;

/** Request body validation: each property of {@code Envelope} exercises one schema keyword. */
class SchemaTest {
    private static final String SPEC = "openapi: 3.0.3\n"
            + "info: {title: schemas, version: '1'}\n"
            + "paths:\n"
            + "  /check:\n"
            + "    post:\n"
            + "      operationId: check\n"
            + "      requestBody:\n"
            + "        required: true\n"
            + "        content:\n"
            + "          application/json:\n"
            + "            schema: {$ref: '#/components/schemas/Envelope'}\n"
            + "      responses: {'204': {description: ok}}\n"
            + "components:\n"
            + "  schemas:\n"
            + "    Envelope:\n"
            + "      type: object\n"
            + "      additionalProperties: false\n"
            + "      properties:\n"
            + "        allOf: {allOf: [{$ref: '#/components/schemas/Named'},"
            + " {type: object, required: [age], properties: {age: {type: integer, minimum: 0}}}]}\n"
            + "        oneOf: {oneOf: [{type: string, maxLength: 3}, {type: string, minLength: 2}]}\n"
            + "        pet:\n"
            + "          oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]\n"
            + "          discriminator: {propertyName: kind, mapping: {cat: Cat, dog: '#/components/schemas/Dog'}}\n"
            + "        anyOf: {anyOf: [{type: integer}, {type: boolean}]}\n"
            + "        not: {not: {type: string}}\n"
            + "        ratio: {type: number, minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true}\n"
            + "        step: {type: integer, multipleOf: 5}\n"
            + "        code: {type: string, pattern: '^[A-Z]{3}$'}\n"
            + "        small: {type: integer, format: int32}\n"
            + "        unique: {type: array, uniqueItems: true, minItems: 1, items: {type: integer}}\n"
            + "        labels: {type: object, additionalProperties: {type: string}, minProperties: 1, maxProperties: 2}\n"
            + "        day: {type: string, format: date}\n"
            + "        at: {type: string, format: date-time}\n"
            + "        uuid: {type: string, format: uuid}\n"
            + "        tree: {$ref: '#/components/schemas/Tree'}\n"
            + "        record: {$ref: '#/components/schemas/Record'}\n"
            + "        level: {type: integer, enum: [1, 2, 3]}\n"
            + "        maybe: {type: string, nullable: true, enum: [a, b]}\n"
            + "        anything: {}\n"
            + "    Named: {type: object, required: [name], properties: {name: {type: string}}}\n"
            + "    Cat: {type: object, required: [kind, meows], properties: {kind: {type: string}, meows: {type: boolean}}}\n"
            + "    Dog: {type: object, required: [kind, barks], properties: {kind: {type: string}, barks: {type: boolean}}}\n"
            + "    Tree:\n"
            + "      type: object\n"
            + "      properties:\n"
            + "        value: {type: integer}\n"
            + "        children: {type: array, items: {$ref: '#/components/schemas/Tree'}}\n"
            + "    Record:\n"
            + "      type: object\n"
            + "      required: [id, name]\n"
            + "      properties: {id: {type: integer, readOnly: true}, name: {type: string}}\n";

    private static final OpenApiHandler HANDLER = OpenApiHandler.builder(SPEC).operation("check", call -> null).build();

    private static Exchange check(String json) {
        return Exchange.run(HANDLER, ClassicRequestBuilder.post("/check").setEntity(Exchange.json(json)).build());
    }

    private static void ok(String json) {
        Exchange e = check(json);
        assertEquals(204, e.status(), () -> json + " -> " + e.text());
    }

    @Test
    void allOfChecksEveryPart() {
        ok("{\"allOf\":{\"name\":\"a\",\"age\":3}}");
        check("{\"allOf\":{\"age\":3}}").assertBodyProblem("body /allOf/name: required property is missing", "/allOf/name");
        check("{\"allOf\":{\"name\":\"a\",\"age\":-1}}").assertBodyProblem(
                "body /allOf/age: expected a value >= 0 but was -1", "/allOf/age");
    }

    @Test
    void oneOfNeedsExactlyOneMatch() {
        ok("{\"oneOf\":\"a\"}");
        ok("{\"oneOf\":\"abcd\"}");
        check("{\"oneOf\":\"ab\"}").assertBodyProblem(
                "body /oneOf: expected a value matching exactly one oneOf schema but it matched 2 (schemas [0, 1])",
                "/oneOf");
        check("{\"oneOf\":5}").assertBodyProblem(
                "body /oneOf: expected a value matching exactly one oneOf schema but it matched none", "/oneOf");
    }

    @Test
    void discriminatorPicksTheSchemaToCheck() {
        ok("{\"pet\":{\"kind\":\"cat\",\"meows\":true}}");
        ok("{\"pet\":{\"kind\":\"dog\",\"barks\":false}}");
        check("{\"pet\":{\"kind\":\"dog\"}}").assertBodyProblem("body /pet/barks: required property is missing", "/pet/barks");
        // the discriminator's schema decides, even when the body would fit another alternative
        check("{\"pet\":{\"kind\":\"dog\",\"meows\":true}}").assertBodyProblem(
                "body /pet/barks: required property is missing", "/pet/barks");
        check("{\"pet\":{\"kind\":\"cow\"}}").assertBodyProblem(
                "body /pet/kind: expected one of [cat, dog, Cat, Dog] but was \"cow\"", "/pet/kind");
        // without the property, the alternatives are tried as plain oneOf
        check("{\"pet\":{\"meows\":true}}").assertBodyProblem(
                "body /pet: expected a value matching exactly one oneOf schema but it matched none", "/pet");
    }

    @Test
    void anyOfAndNot() {
        ok("{\"anyOf\":1}");
        ok("{\"anyOf\":true}");
        check("{\"anyOf\":\"x\"}").assertBodyProblem(
                "body /anyOf: expected a value matching at least one anyOf schema but it matched none", "/anyOf");
        ok("{\"not\":1}");
        check("{\"not\":\"x\"}").assertBodyProblem("body /not: expected a value not matching the 'not' schema", "/not");
    }

    @Test
    void numericKeywords() {
        ok("{\"ratio\":0.5,\"step\":10,\"small\":2147483647}");
        check("{\"ratio\":0}").assertBodyProblem("body /ratio: expected a value > 0 but was 0", "/ratio");
        check("{\"ratio\":1.0}").assertBodyProblem("body /ratio: expected a value < 1 but was 1.0", "/ratio");
        check("{\"step\":7}").assertBodyProblem("body /step: expected a multiple of 5 but was 7", "/step");
        check("{\"small\":2147483648}").assertBodyProblem("body /small: expected an int32 but was 2147483648", "/small");
        check("{\"level\":4}").assertBodyProblem("body /level: expected one of [1, 2, 3] but was 4", "/level");
        ok("{\"level\":2.0}");
    }

    @Test
    void stringKeywordsAndFormats() {
        ok("{\"code\":\"ABC\",\"day\":\"2024-02-29\",\"at\":\"2024-02-29T10:00:00Z\","
                + "\"uuid\":\"123e4567-e89b-12d3-a456-426614174000\"}");
        check("{\"code\":\"abc\"}").assertBodyProblem(
                "body /code: expected a string matching '^[A-Z]{3}$' but was \"abc\"", "/code");
        check("{\"day\":\"2023-02-29\"}").assertBodyProblem("body /day: expected a date but was \"2023-02-29\"", "/day");
        check("{\"at\":\"2024-02-29 10:00\"}").assertBodyProblem(
                "body /at: expected a date-time but was \"2024-02-29 10:00\"", "/at");
        check("{\"uuid\":\"nope\"}").assertBodyProblem("body /uuid: expected a uuid but was \"nope\"", "/uuid");
        check("{\"code\":\"" + "x".repeat(50) + "\"}").assertBodyProblem(
                "body /code: expected a string matching '^[A-Z]{3}$' but was \"" + "x".repeat(40) + "...\"", "/code");
    }

    @Test
    void arrayAndObjectKeywords() {
        ok("{\"unique\":[1,2],\"labels\":{\"a\":\"x\"}}");
        check("{\"unique\":[]}").assertBodyProblem("body /unique: expected a size >= 1 but was 0", "/unique");
        check("{\"unique\":[1,2,1]}").assertBodyProblem(
                "body /unique/2: expected unique items but this repeats item 0", "/unique/2");
        check("{\"labels\":{}}").assertBodyProblem("body /labels: expected a property count >= 1 but was 0", "/labels");
        check("{\"labels\":{\"a\":\"x\",\"b\":\"y\",\"c\":\"z\"}}").assertBodyProblem(
                "body /labels: expected a property count <= 2 but was 3", "/labels");
        check("{\"labels\":{\"a/b\":1}}").assertBodyProblem("body /labels/a~1b: expected a string but was 1", "/labels/a~1b");
        check("{\"extra\":1}").assertBodyProblem("body /extra: property is not allowed", "/extra");
    }

    @Test
    void recursiveSchemasValidateAtDepth() {
        ok("{\"tree\":{\"value\":1,\"children\":[{\"value\":2,\"children\":[{\"value\":3}]}]}}");
        check("{\"tree\":{\"children\":[{\"children\":[{\"value\":\"x\"}]}]}}").assertBodyProblem(
                "body /tree/children/0/children/0/value: expected an integer but was \"x\"",
                "/tree/children/0/children/0/value");
    }

    @Test
    void readOnlyPropertiesAreNotRequiredInRequests() {
        ok("{\"record\":{\"name\":\"n\"}}");
        check("{\"record\":{}}").assertBodyProblem("body /record/name: required property is missing", "/record/name");
    }

    @Test
    void nullableAndUntypedSchemas() {
        ok("{\"maybe\":null,\"anything\":null}");
        ok("{\"maybe\":\"a\",\"anything\":[1,{}]}");
        check("{\"maybe\":\"c\"}").assertBodyProblem("body /maybe: expected one of [a, b] but was \"c\"", "/maybe");
        check("{\"level\":null}").assertBodyProblem("body /level: expected an integer but was null", "/level");
    }

    @Test
    void hugeExponentsFromABigDecimalMapperAreComparedNotExpanded() {
        OpenApiHandler handler = OpenApiHandler.builder(SPEC).objectMapper(new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS))
                .operation("check", call -> null).build();
        java.util.function.Function<String, Exchange> post = json -> Exchange.run(handler,
                ClassicRequestBuilder.post("/check").setEntity(Exchange.json(json)).build());
        // refused before networknt, which would expand the exponent into a BigInteger and throw
        post.apply("{\"small\":1e999999999}").assertBodyProblem(
                "body /small: expected a number of at most 1000 digits but was 1E+999999999", "/small");
        post.apply("{\"labels\":{\"a\":\"x\"},\"unique\":[1,1e-1001]}").assertBodyProblem(
                "body /unique/1: expected a number of at most 1000 digits but was 1E-1001", "/unique/1");
        assertEquals(204, post.apply("{\"step\":1.5e1}").status());
    }

    @Test
    void openApi31TypeListsConstAndNumericExclusiveBounds() {
        String spec = "openapi: 3.1.0\n"
                + "info: {title: t, version: '1'}\n"
                + "paths:\n"
                + "  /v:\n"
                + "    post:\n"
                + "      operationId: v\n"
                + "      requestBody:\n"
                + "        content:\n"
                + "          application/json:\n"
                + "            schema:\n"
                + "              type: object\n"
                + "              properties:\n"
                + "                name: {type: [string, 'null']}\n"
                + "                score: {type: number, exclusiveMinimum: 0}\n"
                + "                version: {const: 2}\n"
                + "      responses: {'204': {description: ok}}\n";
        OpenApiHandler handler = OpenApiHandler.builder(spec).operation("v", call -> null).build();
        java.util.function.Function<String, Exchange> post = json -> Exchange.run(handler,
                ClassicRequestBuilder.post("/v").setEntity(Exchange.json(json)).build());
        assertEquals(204, post.apply("{\"name\":null,\"score\":0.1,\"version\":2}").status());
        post.apply("{\"name\":1}").assertBodyProblem("body /name: expected a string or null but was 1", "/name");
        post.apply("{\"score\":0}").assertBodyProblem("body /score: expected a value > 0 but was 0", "/score");
        post.apply("{\"version\":3}").assertBodyProblem("body /version: expected 2 but was 3", "/version");
        Exchange yaml = Exchange.run(handler, ClassicRequestBuilder.get("/openapi.yaml").build());
        assertEquals(true, yaml.text().startsWith("openapi: 3.1.0\n"), yaml.text());
    }
}
