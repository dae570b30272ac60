package io.swaggersocket.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Tests of the handshake messages {@link Hello}, {@link Welcome}, {@link Ack} and of {@link Settings}. */
class HandshakeMessagesTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** A settings value whose every field differs from {@link Settings#DEFAULT} and from the others. */
    private static final Settings CUSTOM = new Settings(2048, 4096, 8192, 12, 3072, 1500, 4500);

    /** The JSON of {@link Settings#DEFAULT}, written out by hand. */
    private static final String DEFAULT_SETTINGS_JSON = "{\"maxFrameSize\":65536,\"initialStreamWindow\":262144,"
            + "\"connectionWindow\":16777216,\"maxConcurrentStreams\":256,\"maxHeaderSize\":65536,"
            + "\"heartbeatIntervalMillis\":15000,\"heartbeatTimeoutMillis\":28000}";

    /** Settings JSON with every field in range, for building rejection fixtures. */
    private static final String OK_SETTINGS = DEFAULT_SETTINGS_JSON;

    static JsonNode tree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new AssertionError("bad fixture: " + json, e);
        }
    }

    /** Asserts two JSON texts are the same tree: field order does not matter, values and types do. */
    static void assertSameJson(String expected, String actual) {
        assertEquals(tree(expected), tree(actual), () -> "expected " + expected + " but was " + actual);
    }

    /** What Jackson itself says about text that is not JSON. */
    static String jacksonComplaint(String text) {
        try {
            MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return e.getOriginalMessage();
        }
        throw new AssertionError("fixture is JSON after all: " + text);
    }

    /** Settings JSON with one field replaced (value is raw JSON) or, with value null, removed. */
    static String settingsWith(String field, String value) {
        ObjectNode s = (ObjectNode) tree(OK_SETTINGS);
        if (value == null) {
            s.remove(field);
        } else {
            s.set(field, tree(value));
        }
        return s.toString();
    }

    static String hello(String settings) {
        return "{\"type\":\"hello\",\"version\":1,\"features\":[\"mux\"],\"settings\":" + settings + "}";
    }

    static String welcome(String settings) {
        return "{\"type\":\"welcome\",\"version\":1,\"connectionId\":\"c1\",\"features\":[\"mux\"],\"settings\":"
                + settings + "}";
    }

    // ---------------------------------------------------------------- Settings

    @Test
    void defaultSettingsHaveTheDocumentedValues() {
        Settings d = Settings.DEFAULT;
        assertEquals(65536, d.maxFrameSize());
        assertEquals(262144, d.initialStreamWindow());
        assertEquals(16777216, d.connectionWindow());
        assertEquals(256, d.maxConcurrentStreams());
        assertEquals(65536, d.maxHeaderSize());
        assertEquals(15000, d.heartbeatIntervalMillis());
        assertEquals(28000, d.heartbeatTimeoutMillis());
    }

    @Test
    void settingsJsonHasEveryFieldAsANumber() {
        assertSameJson(DEFAULT_SETTINGS_JSON, Settings.DEFAULT.toJson().toString());
    }

    @Test
    void negotiateTakesTheSmallerValueOfEachFieldIndependently() {
        Settings a = new Settings(2048, 1_000_000, 2_000_000, 10, 8192, 100, 5000);
        Settings b = new Settings(4096, 2048, 4_000_000, 5, 4096, 50, 6000);
        Settings expected = new Settings(2048, 2048, 2_000_000, 5, 4096, 50, 5000);
        assertEquals(expected, a.negotiate(b));
    }

    @Test
    void negotiateIsSymmetric() {
        Settings a = new Settings(2048, 1_000_000, 2_000_000, 10, 8192, 100, 5000);
        Settings b = new Settings(4096, 2048, 4_000_000, 5, 4096, 50, 6000);
        assertEquals(a.negotiate(b), b.negotiate(a));
    }

    @Test
    void negotiateWithItselfChangesNothing() {
        assertEquals(CUSTOM, CUSTOM.negotiate(CUSTOM));
    }

    @Test
    void negotiateWithDefaultTakesTheSmallerCustomValues() {
        assertEquals(CUSTOM, Settings.DEFAULT.negotiate(CUSTOM));
        assertEquals(CUSTOM, CUSTOM.negotiate(Settings.DEFAULT));
    }

    @Test
    void settingsAcceptTheLowestValues() {
        Settings s = new Settings(1024, 1024, 1024, 1, 1024, 10, 11);
        assertEquals(1024, s.maxFrameSize());
        assertEquals(11, s.heartbeatTimeoutMillis());
    }

    @Test
    void settingsAcceptTheHighestValues() {
        Settings s = new Settings(16_777_215, Integer.MAX_VALUE, Integer.MAX_VALUE, 1_000_000, 16_777_215,
                86_399_999, 86_400_000);
        assertEquals(16_777_215, s.maxFrameSize());
        assertEquals(86_400_000, s.heartbeatTimeoutMillis());
    }

    @Test
    void withersChangeExactlyOneField() {
        Settings d = Settings.DEFAULT;
        assertEquals(new Settings(2048, 262144, 16777216, 256, 65536, 15000, 28000), d.withMaxFrameSize(2048));
        assertEquals(new Settings(65536, 2048, 16777216, 256, 65536, 15000, 28000), d.withInitialStreamWindow(2048));
        assertEquals(new Settings(65536, 262144, 2048, 256, 65536, 15000, 28000), d.withConnectionWindow(2048));
        assertEquals(new Settings(65536, 262144, 16777216, 7, 65536, 15000, 28000), d.withMaxConcurrentStreams(7));
        assertEquals(new Settings(65536, 262144, 16777216, 256, 2048, 15000, 28000), d.withMaxHeaderSize(2048));
        assertEquals(new Settings(65536, 262144, 16777216, 256, 65536, 100, 300), d.withHeartbeat(100, 300));
    }

    static Stream<Arguments> outOfRangeSettings() {
        Settings d = Settings.DEFAULT;
        return Stream.of(
                arguments((Executable) () -> d.withMaxFrameSize(0), "maxFrameSize: 0 is out of range [1024, 16777215]"),
                arguments((Executable) () -> d.withMaxFrameSize(1023),
                        "maxFrameSize: 1023 is out of range [1024, 16777215]"),
                arguments((Executable) () -> d.withMaxFrameSize(16_777_216),
                        "maxFrameSize: 16777216 is out of range [1024, 16777215]"),
                arguments((Executable) () -> d.withInitialStreamWindow(1023),
                        "initialStreamWindow: 1023 is out of range [1024, 2147483647]"),
                arguments((Executable) () -> d.withInitialStreamWindow(-1),
                        "initialStreamWindow: -1 is out of range [1024, 2147483647]"),
                arguments((Executable) () -> d.withConnectionWindow(1023),
                        "connectionWindow: 1023 is out of range [1024, 2147483647]"),
                arguments((Executable) () -> d.withConnectionWindow(Integer.MIN_VALUE),
                        "connectionWindow: -2147483648 is out of range [1024, 2147483647]"),
                arguments((Executable) () -> d.withMaxConcurrentStreams(0),
                        "maxConcurrentStreams: 0 is out of range [1, 1000000]"),
                arguments((Executable) () -> d.withMaxConcurrentStreams(1_000_001),
                        "maxConcurrentStreams: 1000001 is out of range [1, 1000000]"),
                arguments((Executable) () -> d.withMaxHeaderSize(1023),
                        "maxHeaderSize: 1023 is out of range [1024, 16777215]"),
                arguments((Executable) () -> d.withMaxHeaderSize(16_777_216),
                        "maxHeaderSize: 16777216 is out of range [1024, 16777215]"),
                arguments((Executable) () -> d.withHeartbeat(9, 20_000),
                        "heartbeatIntervalMillis: 9 is out of range [10, 86399999]"),
                arguments((Executable) () -> d.withHeartbeat(86_400_001, 86_400_002),
                        "heartbeatIntervalMillis: 86400001 is out of range [10, 86399999]"),
                arguments((Executable) () -> d.withHeartbeat(10_000, 10_000),
                        "heartbeatTimeoutMillis: 10000 is out of range [10001, 86400000]"),
                arguments((Executable) () -> d.withHeartbeat(10_000, 9_999),
                        "heartbeatTimeoutMillis: 9999 is out of range [10001, 86400000]"),
                arguments((Executable) () -> d.withHeartbeat(10_000, 86_400_001),
                        "heartbeatTimeoutMillis: 86400001 is out of range [10001, 86400000]"),
                arguments((Executable) () -> new Settings(0, 0, 0, 0, 0, 0, 0),
                        "maxFrameSize: 0 is out of range [1024, 16777215]"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("outOfRangeSettings")
    void settingsRejectOutOfRangeValues(Executable construction, String expectedMessage) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construction);
        assertEquals(expectedMessage, e.getMessage());
    }

    // ---------------------------------------------------------------- Hello

    @Test
    void helloJsonMatchesFixture() {
        Hello hello = new Hello(1, List.of("mux"), tree("{\"app\":\"demo\"}"), Settings.DEFAULT);
        assertSameJson("{\"type\":\"hello\",\"version\":1,\"features\":[\"mux\"],\"metadata\":{\"app\":\"demo\"},"
                + "\"settings\":" + DEFAULT_SETTINGS_JSON + "}", hello.toJson());
    }

    @Test
    void helloWithoutMetadataWritesNullMetadataAndEmptyFeatures() {
        Hello hello = new Hello(1, List.of(), null, CUSTOM);
        assertSameJson("{\"type\":\"hello\",\"version\":1,\"features\":[],\"metadata\":null,\"settings\":"
                + "{\"maxFrameSize\":2048,\"initialStreamWindow\":4096,\"connectionWindow\":8192,"
                + "\"maxConcurrentStreams\":12,\"maxHeaderSize\":3072,\"heartbeatIntervalMillis\":1500,"
                + "\"heartbeatTimeoutMillis\":4500}}", hello.toJson());
    }

    @Test
    void helloRoundTrips() throws Exception {
        Hello hello = new Hello(1, List.of("mux", "x-extra"), tree("{\"app\":\"demo\",\"n\":[1,2]}"), CUSTOM);
        Hello parsed = Hello.parse(hello.toJson());
        assertEquals(hello, parsed);
        assertEquals(1, parsed.version());
        assertEquals(List.of("mux", "x-extra"), parsed.features());
        assertEquals(tree("{\"app\":\"demo\",\"n\":[1,2]}"), parsed.metadata());
        assertEquals(CUSTOM, parsed.settings());
    }

    @Test
    void helloWithEmptyFeaturesRoundTrips() throws Exception {
        Hello hello = new Hello(7, List.of(), null, Settings.DEFAULT);
        assertEquals(hello, Hello.parse(hello.toJson()));
    }

    @Test
    void helloParsesAFixtureWrittenByHand() throws Exception {
        Hello parsed = Hello.parse("{\"settings\":" + DEFAULT_SETTINGS_JSON
                + ",\"metadata\":{\"user\":\"ann\"},\"features\":[\"mux\"],\"version\":1,\"type\":\"hello\"}");
        assertEquals(new Hello(1, List.of("mux"), tree("{\"user\":\"ann\"}"), Settings.DEFAULT), parsed);
    }

    @Test
    void helloIgnoresUnknownFields() throws Exception {
        Hello parsed = Hello.parse("{\"type\":\"hello\",\"version\":1,\"features\":[],\"settings\":"
                + DEFAULT_SETTINGS_JSON + ",\"future\":{\"x\":1}}");
        assertEquals(new Hello(1, List.of(), null, Settings.DEFAULT), parsed);
    }

    @Test
    void helloCopiesItsFeatureList() {
        List<String> features = new java.util.ArrayList<>(List.of("mux"));
        Hello hello = new Hello(1, features, null, Settings.DEFAULT);
        features.add("late");
        assertEquals(List.of("mux"), hello.features());
        assertThrows(UnsupportedOperationException.class, () -> hello.features().add("x"));
    }

    @Test
    void helloCopiesTheMetadataItIsGiven() {
        ObjectNode metadata = (ObjectNode) tree("{\"a\":1}");
        Hello hello = new Hello(1, List.of(), metadata, Settings.DEFAULT);
        metadata.put("b", 2);
        assertEquals(tree("{\"a\":1}"), hello.metadata());
    }

    @Test
    void helloRequiresSettings() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> new Hello(1, List.of(), null, null));
        assertEquals("settings", e.getMessage());
    }

    // ---------------------------------------------------------------- metadata

    @ParameterizedTest(name = "metadata {0}")
    @ValueSource(strings = {
        "{\"app\":\"demo\",\"nested\":{\"list\":[1,\"two\",null,true],\"empty\":{}}}",
        "{}",
        "[1,\"two\",{\"three\":3},[],null]",
        "[]",
        "\"just a string\"",
        "\"\"",
        "42",
        "-7",
        "1.5",
        "12345678901234567890123",
        "true",
        "false",
        "null"})
    void anyMetadataValueSurvivesARoundTrip(String metadataJson) throws Exception {
        Hello hello = new Hello(1, List.of("mux"), tree(metadataJson), Settings.DEFAULT);
        Hello parsed = Hello.parse(hello.toJson());
        assertEquals(tree(metadataJson), parsed.metadata());
        assertEquals(tree(metadataJson), tree(hello.toJson()).get("metadata"), "metadata as written");
    }

    /** Found by HandshakeFuzzTest: 1e400 was read as infinity and written back as the string "Infinity". */
    @ParameterizedTest(name = "metadata {0}")
    @ValueSource(strings = {"1e400", "{\"a\":[0,-1E999]}"})
    void metadataWithANumberBeyondADoubleIsMalformed(String metadataJson) {
        HandshakeException e = assertThrows(HandshakeException.class, () -> Hello.parse(
                "{\"type\":\"hello\",\"version\":1,\"features\":[],\"metadata\":" + metadataJson
                        + ",\"settings\":" + OK_SETTINGS + "}"));
        assertEquals(CloseCode.HANDSHAKE_MALFORMED, e.closeCode());
        assertEquals("hello: expected finite numbers in field \"metadata\" but "
                + (metadataJson.startsWith("{") ? "/a/1" : "it") + " is beyond the range of a double", e.getMessage());
    }

    @Test
    void absentMetadataParsesAsJsonNull() throws Exception {
        Hello parsed = Hello.parse(hello(DEFAULT_SETTINGS_JSON));
        assertEquals(NullNode.getInstance(), parsed.metadata());
        assertEquals(new Hello(1, List.of("mux"), null, Settings.DEFAULT), parsed);
    }

    @Test
    void explicitNullMetadataParsesAsJsonNull() throws Exception {
        Hello parsed = Hello.parse("{\"type\":\"hello\",\"version\":1,\"features\":[\"mux\"],\"metadata\":null,"
                + "\"settings\":" + DEFAULT_SETTINGS_JSON + "}");
        assertEquals(NullNode.getInstance(), parsed.metadata());
    }

    @Test
    void javaNullMetadataIsJsonNullAndRoundTrips() throws Exception {
        Hello hello = new Hello(1, List.of("mux"), null, Settings.DEFAULT);
        assertEquals(NullNode.getInstance(), hello.metadata());
        assertTrue(tree(hello.toJson()).has("metadata"), "metadata is written even when null");
        assertEquals(hello, Hello.parse(hello.toJson()));
    }

    // ---------------------------------------------------------------- Welcome

    @Test
    void welcomeJsonMatchesFixture() {
        Welcome welcome = new Welcome(1, "conn-7", List.of("mux"), Settings.DEFAULT);
        assertSameJson("{\"type\":\"welcome\",\"version\":1,\"connectionId\":\"conn-7\",\"features\":[\"mux\"],"
                + "\"settings\":" + DEFAULT_SETTINGS_JSON + "}", welcome.toJson());
    }

    @Test
    void welcomeWithNoFeaturesWritesAnEmptyArray() {
        Welcome welcome = new Welcome(1, "c", List.of(), Settings.DEFAULT);
        assertEquals(tree("[]"), tree(welcome.toJson()).get("features"));
    }

    @Test
    void welcomeRoundTrips() throws Exception {
        Welcome welcome = new Welcome(3, "0f7c-\u00e9\u20ac", List.of("mux", "b"), CUSTOM);
        Welcome parsed = Welcome.parse(welcome.toJson());
        assertEquals(welcome, parsed);
        assertEquals(3, parsed.version());
        assertEquals("0f7c-\u00e9\u20ac", parsed.connectionId());
        assertEquals(List.of("mux", "b"), parsed.features());
        assertEquals(CUSTOM, parsed.settings());
    }

    @Test
    void welcomeWithEmptyFeaturesRoundTrips() throws Exception {
        Welcome welcome = new Welcome(1, "c", List.of(), Settings.DEFAULT);
        assertEquals(welcome, Welcome.parse(welcome.toJson()));
    }

    @Test
    void welcomeParsesAFixtureWrittenByHand() throws Exception {
        Welcome parsed = Welcome.parse(welcome(DEFAULT_SETTINGS_JSON));
        assertEquals(new Welcome(1, "c1", List.of("mux"), Settings.DEFAULT), parsed);
    }

    @Test
    void welcomeRequiresConnectionIdAndSettings() {
        NullPointerException id = assertThrows(NullPointerException.class,
                () -> new Welcome(1, null, List.of(), Settings.DEFAULT));
        assertEquals("connectionId", id.getMessage());
        NullPointerException settings = assertThrows(NullPointerException.class,
                () -> new Welcome(1, "c", List.of(), null));
        assertEquals("settings", settings.getMessage());
    }

    // ---------------------------------------------------------------- Ack

    @Test
    void ackJsonMatchesFixture() {
        assertSameJson("{\"type\":\"ack\",\"connectionId\":\"conn-7\"}", new Ack("conn-7").toJson());
    }

    @Test
    void ackRoundTrips() throws Exception {
        Ack ack = new Ack("id with \"quotes\" and \\ and \u00e9");
        assertEquals(ack, Ack.parse(ack.toJson()));
    }

    @Test
    void ackParsesAFixtureWrittenByHand() throws Exception {
        assertEquals(new Ack("abc"), Ack.parse("{\"connectionId\":\"abc\",\"type\":\"ack\"}"));
    }

    @Test
    void ackRequiresConnectionId() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> new Ack(null));
        assertEquals("connectionId", e.getMessage());
    }

    // ---------------------------------------------------------------- parse rejections

    interface Parser {
        Object parse(String text) throws HandshakeException;
    }

    static Stream<Arguments> rejections() {
        Parser hello = Hello::parse;
        Parser welcome = Welcome::parse;
        Parser ack = Ack::parse;
        String longType = "x".repeat(50);
        return Stream.of(
                // the text as a whole
                arguments("hello: empty text", hello, "",
                        CloseCode.HANDSHAKE_MALFORMED, "hello: expected a JSON object but was missing"),
                arguments("hello: JSON array", hello, "[1,2]",
                        CloseCode.HANDSHAKE_MALFORMED, "hello: expected a JSON object but was array [1,2]"),
                arguments("welcome: JSON array of an object", welcome, "[{\"type\":\"welcome\"}]",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "welcome: expected a JSON object but was array [{\"type\":\"welcome\"}]"),
                arguments("ack: JSON string", ack, "\"ack\"",
                        CloseCode.HANDSHAKE_MALFORMED, "ack: expected a JSON object but was string \"ack\""),
                arguments("ack: JSON null", ack, "null",
                        CloseCode.HANDSHAKE_MALFORMED, "ack: expected a JSON object but was null null"),
                arguments("hello: JSON number", hello, "12",
                        CloseCode.HANDSHAKE_MALFORMED, "hello: expected a JSON object but was number 12"),
                // "type"
                arguments("hello: missing type", hello, "{\"version\":1}",
                        CloseCode.HANDSHAKE_MALFORMED, "hello: expected field \"type\" to be a string but was missing"),
                arguments("welcome: numeric type", welcome, "{\"type\":1}",
                        CloseCode.HANDSHAKE_MALFORMED, "welcome: expected field \"type\" to be a string but was number 1"),
                arguments("ack: null type", ack, "{\"type\":null,\"connectionId\":\"c\"}",
                        CloseCode.HANDSHAKE_MALFORMED, "ack: expected field \"type\" to be a string but was null null"),
                arguments("hello given a welcome", hello, welcome(OK_SETTINGS),
                        CloseCode.HANDSHAKE_UNEXPECTED_MESSAGE, "expected message type \"hello\" but was \"welcome\""),
                arguments("welcome given a hello", welcome, hello(OK_SETTINGS),
                        CloseCode.HANDSHAKE_UNEXPECTED_MESSAGE, "expected message type \"welcome\" but was \"hello\""),
                arguments("ack given a hello", ack, hello(OK_SETTINGS),
                        CloseCode.HANDSHAKE_UNEXPECTED_MESSAGE, "expected message type \"ack\" but was \"hello\""),
                arguments("type is case sensitive", ack, "{\"type\":\"ACK\",\"connectionId\":\"c\"}",
                        CloseCode.HANDSHAKE_UNEXPECTED_MESSAGE, "expected message type \"ack\" but was \"ACK\""),
                arguments("long type is abbreviated", ack, "{\"type\":\"" + longType + "\"}",
                        CloseCode.HANDSHAKE_UNEXPECTED_MESSAGE,
                        "expected message type \"ack\" but was \"" + "x".repeat(37) + "...\""),
                // "version"
                arguments("hello: missing version", hello,
                        "{\"type\":\"hello\",\"features\":[],\"settings\":" + OK_SETTINGS + "}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "hello: expected field \"version\" to be a 32-bit integer but was missing"),
                arguments("hello: string version", hello,
                        "{\"type\":\"hello\",\"version\":\"1\",\"features\":[],\"settings\":" + OK_SETTINGS + "}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "hello: expected field \"version\" to be a 32-bit integer but was string \"1\""),
                arguments("hello: fractional version", hello,
                        "{\"type\":\"hello\",\"version\":1.5,\"features\":[],\"settings\":" + OK_SETTINGS + "}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "hello: expected field \"version\" to be a 32-bit integer but was number 1.5"),
                arguments("hello: version 1.0 is not an integer", hello,
                        "{\"type\":\"hello\",\"version\":1.0,\"features\":[],\"settings\":" + OK_SETTINGS + "}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "hello: expected field \"version\" to be a 32-bit integer but was number 1.0"),
                arguments("welcome: version over 32 bits", welcome,
                        "{\"type\":\"welcome\",\"version\":2147483648,\"connectionId\":\"c\",\"features\":[],"
                                + "\"settings\":" + OK_SETTINGS + "}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "welcome: expected field \"version\" to be a 32-bit integer but was number 2147483648"),
                arguments("welcome: boolean version", welcome,
                        "{\"type\":\"welcome\",\"version\":true,\"connectionId\":\"c\",\"features\":[],"
                                + "\"settings\":" + OK_SETTINGS + "}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "welcome: expected field \"version\" to be a 32-bit integer but was boolean true"),
                // "features"
                arguments("hello: missing features", hello,
                        "{\"type\":\"hello\",\"version\":1,\"settings\":" + OK_SETTINGS + "}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "hello: expected field \"features\" to be an array of strings but was missing"),
                arguments("hello: features a string", hello,
                        "{\"type\":\"hello\",\"version\":1,\"features\":\"mux\",\"settings\":" + OK_SETTINGS + "}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "hello: expected field \"features\" to be an array of strings but was string \"mux\""),
                arguments("welcome: features an object", welcome,
                        "{\"type\":\"welcome\",\"version\":1,\"connectionId\":\"c\",\"features\":{\"mux\":true},"
                                + "\"settings\":" + OK_SETTINGS + "}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "welcome: expected field \"features\" to be an array of strings but was object {\"mux\":true}"),
                arguments("hello: features holding a number", hello,
                        "{\"type\":\"hello\",\"version\":1,\"features\":[\"mux\",1],\"settings\":" + OK_SETTINGS + "}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "hello: expected field \"features\" to be an array of strings but it holds number 1"),
                arguments("welcome: features holding null", welcome,
                        "{\"type\":\"welcome\",\"version\":1,\"connectionId\":\"c\",\"features\":[null],"
                                + "\"settings\":" + OK_SETTINGS + "}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "welcome: expected field \"features\" to be an array of strings but it holds null null"),
                // "connectionId"
                arguments("welcome: missing connectionId", welcome,
                        "{\"type\":\"welcome\",\"version\":1,\"features\":[],\"settings\":" + OK_SETTINGS + "}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "welcome: expected field \"connectionId\" to be a non-empty string but was missing"),
                arguments("welcome: empty connectionId", welcome,
                        "{\"type\":\"welcome\",\"version\":1,\"connectionId\":\"\",\"features\":[],"
                                + "\"settings\":" + OK_SETTINGS + "}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "welcome: expected field \"connectionId\" to be a non-empty string but was string \"\""),
                arguments("ack: empty connectionId", ack, "{\"type\":\"ack\",\"connectionId\":\"\"}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "ack: expected field \"connectionId\" to be a non-empty string but was string \"\""),
                arguments("ack: missing connectionId", ack, "{\"type\":\"ack\"}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "ack: expected field \"connectionId\" to be a non-empty string but was missing"),
                arguments("ack: numeric connectionId", ack, "{\"type\":\"ack\",\"connectionId\":7}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "ack: expected field \"connectionId\" to be a non-empty string but was number 7"),
                // "settings" as a whole
                arguments("hello: settings missing", hello,
                        "{\"type\":\"hello\",\"version\":1,\"features\":[]}",
                        CloseCode.HANDSHAKE_MALFORMED, "hello: expected field \"settings\" to be an object but was missing"),
                arguments("hello: settings null", hello,
                        "{\"type\":\"hello\",\"version\":1,\"features\":[],\"settings\":null}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "hello: expected field \"settings\" to be an object but was null null"),
                arguments("welcome: settings missing", welcome,
                        "{\"type\":\"welcome\",\"version\":1,\"connectionId\":\"c\",\"features\":[]}",
                        CloseCode.HANDSHAKE_MALFORMED,
                        "welcome: expected field \"settings\" to be an object but was missing"),
                arguments("welcome: settings an array", welcome, welcome("[]"),
                        CloseCode.HANDSHAKE_MALFORMED,
                        "welcome: expected field \"settings\" to be an object but was array []"),
                // one settings field missing
                arguments("hello: maxFrameSize missing", hello, hello(settingsWith("maxFrameSize", null)),
                        CloseCode.HANDSHAKE_MALFORMED,
                        "hello.settings: expected field \"maxFrameSize\" to be a 32-bit integer but was missing"),
                arguments("hello: initialStreamWindow missing", hello,
                        hello(settingsWith("initialStreamWindow", null)), CloseCode.HANDSHAKE_MALFORMED,
                        "hello.settings: expected field \"initialStreamWindow\" to be a 32-bit integer but was missing"),
                arguments("hello: connectionWindow missing", hello, hello(settingsWith("connectionWindow", null)),
                        CloseCode.HANDSHAKE_MALFORMED,
                        "hello.settings: expected field \"connectionWindow\" to be a 32-bit integer but was missing"),
                arguments("hello: maxConcurrentStreams missing", hello,
                        hello(settingsWith("maxConcurrentStreams", null)), CloseCode.HANDSHAKE_MALFORMED,
                        "hello.settings: expected field \"maxConcurrentStreams\" to be a 32-bit integer but was missing"),
                arguments("welcome: maxHeaderSize missing", welcome, welcome(settingsWith("maxHeaderSize", null)),
                        CloseCode.HANDSHAKE_MALFORMED,
                        "welcome.settings: expected field \"maxHeaderSize\" to be a 32-bit integer but was missing"),
                arguments("welcome: heartbeatIntervalMillis missing", welcome,
                        welcome(settingsWith("heartbeatIntervalMillis", null)), CloseCode.HANDSHAKE_MALFORMED,
                        "welcome.settings: expected field \"heartbeatIntervalMillis\" to be an integer but was missing"),
                arguments("welcome: heartbeatTimeoutMillis missing", welcome,
                        welcome(settingsWith("heartbeatTimeoutMillis", null)), CloseCode.HANDSHAKE_MALFORMED,
                        "welcome.settings: expected field \"heartbeatTimeoutMillis\" to be an integer but was missing"),
                // one settings field of the wrong type
                arguments("hello: maxFrameSize a string", hello, hello(settingsWith("maxFrameSize", "\"65536\"")),
                        CloseCode.HANDSHAKE_MALFORMED,
                        "hello.settings: expected field \"maxFrameSize\" to be a 32-bit integer but was string \"65536\""),
                arguments("hello: maxFrameSize over 32 bits", hello,
                        hello(settingsWith("maxFrameSize", "4294967296")), CloseCode.HANDSHAKE_MALFORMED,
                        "hello.settings: expected field \"maxFrameSize\" to be a 32-bit integer but was number 4294967296"),
                arguments("hello: heartbeatIntervalMillis fractional", hello,
                        hello(settingsWith("heartbeatIntervalMillis", "100.5")), CloseCode.HANDSHAKE_MALFORMED,
                        "hello.settings: expected field \"heartbeatIntervalMillis\" to be an integer but was number 100.5"),
                // one settings value out of range
                arguments("hello: maxFrameSize below range", hello, hello(settingsWith("maxFrameSize", "1023")),
                        CloseCode.HANDSHAKE_MALFORMED,
                        "hello.settings: maxFrameSize: 1023 is out of range [1024, 16777215]"),
                arguments("welcome: maxConcurrentStreams 0", welcome,
                        welcome(settingsWith("maxConcurrentStreams", "0")), CloseCode.HANDSHAKE_MALFORMED,
                        "welcome.settings: maxConcurrentStreams: 0 is out of range [1, 1000000]"),
                arguments("welcome: heartbeatIntervalMillis over a day", welcome,
                        welcome(settingsWith("heartbeatIntervalMillis", "86400001")), CloseCode.HANDSHAKE_MALFORMED,
                        "welcome.settings: heartbeatIntervalMillis: 86400001 is out of range [10, 86399999]"),
                arguments("hello: heartbeat timeout equal to interval", hello,
                        hello(settingsWith("heartbeatTimeoutMillis", "15000")), CloseCode.HANDSHAKE_MALFORMED,
                        "hello.settings: heartbeatTimeoutMillis: 15000 is out of range [15001, 86400000]"),
                arguments("hello: heartbeat timeout below interval", hello,
                        hello(settingsWith("heartbeatTimeoutMillis", "500")), CloseCode.HANDSHAKE_MALFORMED,
                        "hello.settings: heartbeatTimeoutMillis: 500 is out of range [15001, 86400000]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejections")
    void parseRejects(String name, Parser parser, String text, CloseCode expectedCode, String expectedMessage) {
        HandshakeException e = assertThrows(HandshakeException.class, () -> parser.parse(text));
        assertEquals(expectedMessage, e.getMessage());
        assertEquals(expectedCode, e.closeCode());
    }

    static Stream<Arguments> notJson() {
        Parser hello = Hello::parse;
        Parser welcome = Welcome::parse;
        Parser ack = Ack::parse;
        return Stream.of(
                arguments("hello", hello, "nope", "Unrecognized token 'nope'"),
                arguments("welcome", welcome, "{\"type\":\"welcome\"", "Unexpected end-of-input"),
                arguments("ack", ack, "{type:\"ack\"}", "Unexpected character ('t'"));
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("notJson")
    void parseRejectsTextThatIsNotJson(String message, Parser parser, String text, String jacksonSays) {
        HandshakeException e = assertThrows(HandshakeException.class, () -> parser.parse(text));
        String complaint = jacksonComplaint(text);
        assertTrue(complaint.startsWith(jacksonSays), complaint);
        assertEquals(message + ": expected a JSON object but the text is not JSON (" + complaint + ")", e.getMessage());
        assertEquals(CloseCode.HANDSHAKE_MALFORMED, e.closeCode());
    }

    @Test
    void typeIsCheckedBeforeAnyOtherField() {
        // a welcome with nothing else is still reported as the wrong message, not as malformed
        HandshakeException e = assertThrows(HandshakeException.class, () -> Hello.parse("{\"type\":\"welcome\"}"));
        assertEquals(CloseCode.HANDSHAKE_UNEXPECTED_MESSAGE, e.closeCode());
        assertEquals("expected message type \"hello\" but was \"welcome\"", e.getMessage());
    }

    @Test
    void trailingTextDuplicateKeysAndNullAreMalformed() {
        HandshakeException trailing = assertThrows(HandshakeException.class,
                () -> Ack.parse("{\"type\":\"ack\",\"connectionId\":\"c\"} trailing"));
        assertEquals(CloseCode.HANDSHAKE_MALFORMED, trailing.closeCode());
        assertTrue(trailing.getMessage().startsWith("ack: expected a JSON object but the text is not JSON ("),
                trailing.getMessage());
        HandshakeException duplicate = assertThrows(HandshakeException.class,
                () -> Ack.parse("{\"type\":\"hello\",\"type\":\"ack\",\"connectionId\":\"c\"}"));
        assertEquals(CloseCode.HANDSHAKE_MALFORMED, duplicate.closeCode());
        assertTrue(duplicate.getMessage().contains("Duplicate field 'type'"), duplicate.getMessage());
        HandshakeException none = assertThrows(HandshakeException.class, () -> Hello.parse(null));
        assertEquals("hello: expected a JSON object but was null", none.getMessage());
    }

    @Test
    void helloMetadataCannotBeChangedThroughTheRecord() throws Exception {
        Hello hello = new Hello(1, List.of("mux"), new ObjectMapper().readTree("{\"a\":1}"), Settings.DEFAULT);
        ((ObjectNode) hello.metadata()).put("b", 2);
        assertEquals("{\"a\":1}", hello.metadata().toString());
    }
}
