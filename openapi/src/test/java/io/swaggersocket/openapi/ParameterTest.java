package io.swaggersocket.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.junit.jupiter.api.Test;

class ParameterTest {
    private final Petstore store = new Petstore();

    private Exchange run(ClassicRequestBuilder request) throws Exception {
        return Exchange.run(store.handler(), request.build());
    }

    private static ClassicRequestBuilder create(String requestId) {
        ClassicRequestBuilder request = ClassicRequestBuilder.post("/api/v1/pets")
                .setEntity(Exchange.json("{\"name\":\"Tom\"}"));
        return requestId == null ? request : request.addHeader("X-Request-Id", requestId);
    }

    @Test
    void absentQueryParameterTakesTheSchemaDefault() throws Exception {
        assertEquals(200, run(ClassicRequestBuilder.get("/api/v1/pets")).status());
        assertEquals(20, store.lastLimit);
        assertNull(store.lastTag);
    }

    @Test
    void int32QueryParameterArrivesAsAnInteger() throws Exception {
        assertEquals(200, run(ClassicRequestBuilder.get("/api/v1/pets?limit=5")).status());
        assertEquals(Integer.valueOf(5), store.lastLimit);
    }

    @Test
    void nonIntegerIsRefusedWithTheFullProblem() throws Exception {
        run(ClassicRequestBuilder.get("/api/v1/pets?limit=abc")).assertParameterProblem(
                "query parameter 'limit': expected an integer but was 'abc'", "limit", "query");
        run(ClassicRequestBuilder.get("/api/v1/pets?limit=1.5")).assertParameterProblem(
                "query parameter 'limit': expected an integer but was '1.5'", "limit", "query");
        run(ClassicRequestBuilder.get("/api/v1/pets?limit=")).assertParameterProblem(
                "query parameter 'limit': expected an integer but was ''", "limit", "query");
    }

    @Test
    void boundsAndRangeAreChecked() throws Exception {
        run(ClassicRequestBuilder.get("/api/v1/pets?limit=0")).assertParameterProblem(
                "query parameter 'limit': expected a value >= 1 but was 0", "limit", "query");
        run(ClassicRequestBuilder.get("/api/v1/pets?limit=101")).assertParameterProblem(
                "query parameter 'limit': expected a value <= 100 but was 101", "limit", "query");
        run(ClassicRequestBuilder.get("/api/v1/pets?limit=3000000000")).assertParameterProblem(
                "query parameter 'limit': expected an int32 but was '3000000000'", "limit", "query");
        assertEquals(200, run(ClassicRequestBuilder.get("/api/v1/pets?limit=100")).status());
    }

    @Test
    void repeatedScalarIsRefused() throws Exception {
        run(ClassicRequestBuilder.get("/api/v1/pets?limit=1&limit=2")).assertParameterProblem(
                "query parameter 'limit': expected a single value but got 2", "limit", "query");
    }

    @Test
    void arrayQueryParameterCollectsRepeatedKeys() throws Exception {
        assertEquals(200, run(ClassicRequestBuilder.get("/api/v1/pets?tag=a&limit=2&tag=b+c")).status());
        assertEquals(List.of("a", "b c"), store.lastTag);
    }

    @Test
    void arrayItemsAndSizeAreChecked() throws Exception {
        run(ClassicRequestBuilder.get("/api/v1/pets?tag=a&tag=b&tag=c&tag=d")).assertParameterProblem(
                "query parameter 'tag': expected a size <= 3 but was 4", "tag", "query");
        run(ClassicRequestBuilder.get("/api/v1/pets?tag=a&tag=")).assertParameterProblem(
                "query parameter 'tag': item 1: expected a length >= 1 but was 0", "tag", "query");
    }

    @Test
    void pathParameterIsConvertedAndValidated() throws Exception {
        run(ClassicRequestBuilder.get("/api/v1/pets/abc")).assertParameterProblem(
                "path parameter 'petId': expected an integer but was 'abc'", "petId", "path");
        run(ClassicRequestBuilder.get("/api/v1/pets/0")).assertParameterProblem(
                "path parameter 'petId': expected a value >= 1 but was 0", "petId", "path");
        run(ClassicRequestBuilder.get("/api/v1/pets/99999999999999999999")).assertParameterProblem(
                "path parameter 'petId': expected an int64 but was '99999999999999999999'", "petId", "path");
    }

    @Test
    void requiredHeaderMustBeThereAndMatchItsPattern() throws Exception {
        run(create(null)).assertParameterProblem(
                "header parameter 'X-Request-Id' is required", "X-Request-Id", "header");
        run(create("nope")).assertParameterProblem(
                "header parameter 'X-Request-Id': expected a string matching '^[0-9a-f]{8}$' but was 'nope'",
                "X-Request-Id", "header");
        assertEquals(201, run(ClassicRequestBuilder.post("/api/v1/pets").setEntity(Exchange.json("{\"name\":\"Tom\"}"))
                .addHeader("x-request-id", "0123abcd")).status());
    }

    @Test
    void queryParamsGivesEverythingSentDecoded() throws Exception {
        AtomicReference<Map<String, List<String>>> seen = new AtomicReference<>();
        OpenApiHandler handler = OpenApiHandler.builder(Petstore.spec())
                .operation("listPets", call -> {
                    seen.set(call.queryParams());
                    return List.of();
                })
                .build();
        Exchange.run(handler, ClassicRequestBuilder.get("/api/v1/pets?x=1&tag=a%20b&x=2&flag&q=a+b").build());
        assertEquals(Map.of("x", List.of("1", "2"), "tag", List.of("a b"), "flag", List.of(""), "q", List.of("a b")),
                seen.get());
        assertEquals(List.of("x", "tag", "flag", "q"), new ArrayList<>(seen.get().keySet()));
    }

    @Test
    void invalidQueryEncodingIsABadRequest() throws Exception {
        Exchange.run(store.handler(), new BasicClassicHttpRequest("GET", "/api/v1/pets?tag=%zz")).assertProblem(400,
                "query string: invalid percent-encoding in 'tag=%zz'");
    }

    @Test
    void typedAccessorsConvertAndUndeclaredNamesAreProgrammingErrors() throws Exception {
        OpenApiHandler handler = OpenApiHandler.builder(Petstore.spec())
                .operation("listPets", call -> {
                    List<String> out = new ArrayList<>();
                    out.add(call.queryParam("limit", Long.class).getClass().getSimpleName());
                    out.add(String.valueOf(call.queryParam("limit", long.class)));
                    try {
                        call.queryParam("limits");
                    } catch (IllegalArgumentException e) {
                        out.add(e.getMessage());
                    }
                    try {
                        call.header("X-Request-Id");
                    } catch (IllegalArgumentException e) {
                        out.add(e.getMessage());
                    }
                    return out;
                })
                .build();
        assertEquals("[\"Long\",\"7\",\"operation 'listPets' declares no query parameter 'limits'\","
                + "\"operation 'listPets' declares no header parameter 'X-Request-Id'\"]",
                Exchange.run(handler, ClassicRequestBuilder.get("/api/v1/pets?limit=7").build()).text());
    }

    // ---- styles and types beyond the petstore

    enum Sort { asc, desc }

    private static final String STYLES = "openapi: 3.0.3\n"
            + "info: {title: styles, version: '1'}\n"
            + "paths:\n"
            + "  /search:\n"
            + "    get:\n"
            + "      operationId: search\n"
            + "      parameters:\n"
            + "        - {name: q, in: query, required: true, schema: {type: string, minLength: 2, maxLength: 5}}\n"
            + "        - {name: ids, in: query, explode: false, schema: {type: array, items: {type: integer}}}\n"
            + "        - {name: piped, in: query, style: pipeDelimited, explode: false, schema: {type: array, items: {type: string}}}\n"
            + "        - {name: spaced, in: query, style: spaceDelimited, explode: false, schema: {type: array, items: {type: string}}}\n"
            + "        - {name: flag, in: query, schema: {type: boolean, default: false}}\n"
            + "        - {name: ratio, in: query, schema: {type: number, minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true}}\n"
            + "        - {name: sort, in: query, schema: {type: string, enum: [asc, desc]}}\n"
            + "        - {name: fields, in: query, schema: {type: array, items: {type: string}, default: [id, name]}}\n"
            + "        - {name: X-Tags, in: header, schema: {type: array, items: {type: string}}}\n"
            + "        - {name: Accept, in: header, schema: {type: integer}}\n"
            + "        - {name: session, in: cookie, schema: {type: string}}\n"
            + "        - {name: page, in: cookie, schema: {type: integer, format: int32}}\n"
            + "      responses: {'200': {description: ok, content: {application/json: {schema: {type: object}}}}}\n";

    private static Exchange search(String query, String... headers) {
        OpenApiHandler handler = OpenApiHandler.builder(STYLES)
                .operation("search", call -> {
                    Map<String, Object> seen = new java.util.TreeMap<>();
                    for (String name : List.of("q", "ids", "piped", "spaced", "flag", "ratio", "sort", "fields")) {
                        seen.put(name, call.queryParam(name));
                    }
                    seen.put("sortEnum", call.queryParam("sort", Sort.class));
                    seen.put("tags", call.header("x-tags"));
                    seen.put("session", call.cookie("session"));
                    seen.put("page", call.cookie("page"));
                    return seen;
                })
                .build();
        BasicClassicHttpRequest request = new BasicClassicHttpRequest("GET", "/search?" + query);
        for (int i = 0; i < headers.length; i += 2) {
            request.addHeader(headers[i], headers[i + 1]);
        }
        return Exchange.run(handler, request);
    }

    @Test
    void delimitedStylesSplitOneValue() throws Exception {
        Exchange e = search("q=abc&ids=1,2,3&piped=a|b&spaced=x%20y&ratio=0.5&sort=desc&flag=true");
        assertEquals(Exchange.JSON.readTree("{\"fields\":[\"id\",\"name\"],\"flag\":true,\"ids\":[1,2,3],"
                + "\"page\":null,\"piped\":[\"a\",\"b\"],\"q\":\"abc\",\"ratio\":0.5,\"session\":null,"
                + "\"sort\":\"desc\",\"sortEnum\":\"desc\",\"spaced\":[\"x\",\"y\"],\"tags\":null}"), e.json());
    }

    @Test
    void emptyDelimitedValueIsAnEmptyArray() throws Exception {
        assertEquals("[]", search("q=abc&ids=").json().get("ids").toString());
    }

    @Test
    void headerArraysAndCookiesAreRead() throws Exception {
        Exchange e = search("q=abc", "X-Tags", "a, b", "Cookie", "session=\"s1\"; page=3", "Accept", "*/*");
        assertEquals("[\"a\",\"b\"]", e.json().get("tags").toString());
        assertEquals("s1", e.json().get("session").asText());
        assertEquals(3, e.json().get("page").asInt());
    }

    @Test
    void scalarTypesAndConstraintsAreChecked() throws Exception {
        search("").assertParameterProblem("query parameter 'q' is required", "q", "query");
        search("q=a").assertParameterProblem("query parameter 'q': expected a length >= 2 but was 1", "q", "query");
        search("q=abcdef").assertParameterProblem("query parameter 'q': expected a length <= 5 but was 6", "q", "query");
        search("q=abc&ids=1,x").assertParameterProblem(
                "query parameter 'ids': item 1: expected an integer but was 'x'", "ids", "query");
        search("q=abc&flag=yes").assertParameterProblem(
                "query parameter 'flag': expected a boolean but was 'yes'", "flag", "query");
        search("q=abc&ratio=NaN").assertParameterProblem(
                "query parameter 'ratio': expected a number but was 'NaN'", "ratio", "query");
        search("q=abc&ratio=0").assertParameterProblem(
                "query parameter 'ratio': expected a value > 0 but was 0.0", "ratio", "query");
        search("q=abc&ratio=1").assertParameterProblem(
                "query parameter 'ratio': expected a value < 1 but was 1.0", "ratio", "query");
        search("q=abc&sort=up").assertParameterProblem(
                "query parameter 'sort': expected one of [asc, desc] but was 'up'", "sort", "query");
        search("q=abc", "Cookie", "page=x").assertParameterProblem(
                "cookie parameter 'page': expected an integer but was 'x'", "page", "cookie");
    }

    @Test
    void acceptContentTypeAndAuthorizationHeaderParametersAreIgnored() throws Exception {
        // the document declares Accept as an integer header: OpenAPI says to ignore it
        assertEquals(200, search("q=abc", "Accept", "application/json").status());
    }
}
