package io.swaggersocket.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swaggersocket.testing.FuzzBudget;
import io.swaggersocket.testing.Mutations;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Fuzzes {@link Hello#parse}, {@link Welcome#parse} and {@link Ack#parse} with random and mutated
 * JSON text: every text is either read as a message that writes back to itself, or rejected with a
 * {@link HandshakeException} whose close code is a handshake one; never another exception.
 *
 * <p>Mutations: fields removed or retyped, numbers far beyond 64 bits, nesting far beyond any
 * parser's limit, lone surrogates (text that is not valid UTF-16), strings of up to 64 K chars, and
 * edits of the text itself.
 */
@AddLifecycleHook(FuzzBudget.class)
class HandshakeFuzzTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Set<CloseCode> HANDSHAKE_CODES = Set.of(CloseCode.HANDSHAKE_MALFORMED,
            CloseCode.HANDSHAKE_UNEXPECTED_MESSAGE);
    /** Marks where a mutation puts raw JSON text that no tree can hold (huge numbers, deep nesting). */
    private static final String RAW = "@@raw@@";

    @Property
    void validMessagesRoundTrip(@ForAll("messages") Object message) throws Exception {
        if (message instanceof Hello hello) {
            assertEquals(hello, Hello.parse(hello.toJson()));
        } else if (message instanceof Welcome welcome) {
            assertEquals(welcome, Welcome.parse(welcome.toJson()));
        } else {
            Ack ack = (Ack) message;
            assertEquals(ack, Ack.parse(ack.toJson()));
        }
    }

    @Property
    void randomTextIsReadOrRejectedWithACloseCode(@ForAll("noise") String text) {
        readsOrRejects(text);
    }

    @Property
    void mutatedMessagesAreReadOrRejectedWithACloseCode(@ForAll("messages") Object message,
            @ForAll("randoms") Random random) {
        String json = json(message);
        String text = switch (random.nextInt(3)) {
            case 0 -> treeMutation(json, random);
            case 1 -> textMutation(json, random);
            default -> textMutation(treeMutation(json, random), random);
        };
        readsOrRejects(text);
    }

    /** The property every text must have, for each of the three readers. */
    private static void readsOrRejects(String text) {
        try {
            Hello hello = Hello.parse(text);
            assertEquals(hello, Hello.parse(hello.toJson()));
        } catch (HandshakeException e) {
            assertRejection(e);
        }
        try {
            Welcome welcome = Welcome.parse(text);
            assertEquals(welcome, Welcome.parse(welcome.toJson()));
        } catch (HandshakeException e) {
            assertRejection(e);
        }
        try {
            Ack ack = Ack.parse(text);
            assertEquals(ack, Ack.parse(ack.toJson()));
        } catch (HandshakeException e) {
            assertRejection(e);
        }
    }

    private static void assertRejection(HandshakeException e) {
        assertTrue(HANDSHAKE_CODES.contains(e.closeCode()),
                () -> "expected a handshake close code but was " + e.closeCode() + ": " + e.getMessage());
        assertFalse(e.getMessage() == null || e.getMessage().isEmpty(), "a rejection says why");
    }

    // ---------------------------------------------------------------- mutations

    /** Removes or retypes one field of the message or of its settings. */
    private static String treeMutation(String json, Random random) {
        ObjectNode root;
        try {
            root = (ObjectNode) Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new AssertionError("a valid message must be JSON: " + json, e);
        }
        ObjectNode target = root.get("settings") instanceof ObjectNode settings && random.nextBoolean() ? settings : root;
        List<String> names = new ArrayList<>();
        target.fieldNames().forEachRemaining(names::add);
        String name = random.nextInt(8) == 0 ? "type" : names.get(random.nextInt(names.size()));
        String raw = null;
        switch (random.nextInt(4)) {
            case 0 -> target.remove(name);
            case 1 -> target.set(name, someValue(random, 3));
            default -> {
                target.put(name, RAW);
                raw = rawValue(random);
            }
        }
        String text = root.toString();
        return raw == null ? text : text.replace("\"" + RAW + "\"", raw);
    }

    /** JSON text no tree holds: numbers past 64 bits and past double, deep nesting, long and broken strings. */
    private static String rawValue(Random random) {
        return switch (random.nextInt(12)) {
            case 0 -> "1" + "0".repeat(random.nextInt(2000));
            case 1 -> "-9223372036854775809";
            case 2 -> "1e" + (random.nextBoolean() ? "" : "-") + (300 + random.nextInt(100_000));
            case 3 -> "2147483648";
            case 4 -> "1.5";
            case 5 -> "[".repeat(1 + random.nextInt(3000)) + "]".repeat(random.nextInt(3000));
            case 6 -> "{\"a\":".repeat(1 + random.nextInt(3000)) + "1" + "}".repeat(random.nextInt(3000));
            case 7 -> "\"" + "x".repeat(random.nextInt(64 * 1024)) + "\"";
            case 8 -> "\"" + (char) (0xd800 + random.nextInt(0x800)) + "\""; // a lone surrogate
            case 9 -> "\"\\ud800\\u0041\"";
            case 10 -> "[" + "\"mux\",".repeat(random.nextInt(5000)) + "\"mux\"]";
            default -> List.of("NaN", "Infinity", "-Infinity", "01", "+1", ".5", "1.", "-0", "0x10", "true", "\"\"",
                    "null", "{}", "[]", "\"mux\" , \"type\":\"hello\"").get(random.nextInt(15));
        };
    }

    /** Byte edits of the UTF-16 code units, so that lone surrogates and control characters appear. */
    private static String textMutation(String text, Random random) {
        byte[] units = new byte[text.length() * 2];
        for (int i = 0; i < text.length(); i++) {
            units[2 * i] = (byte) (text.charAt(i) >>> 8);
            units[2 * i + 1] = (byte) text.charAt(i);
        }
        byte[] mutated = new Mutations(random).mutate(units, units.length + 256);
        char[] chars = new char[mutated.length / 2];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = (char) (((mutated[2 * i] & 0xff) << 8) | (mutated[2 * i + 1] & 0xff));
        }
        return new String(chars);
    }

    // ---------------------------------------------------------------- generators

    @Provide
    Arbitrary<Random> randoms() {
        return Arbitraries.randoms();
    }

    @Provide
    Arbitrary<String> noise() {
        Arbitrary<String> any = Arbitraries.strings().all().ofMaxLength(200);
        Arbitrary<String> jsonish = Arbitraries.strings().withChars("{}[]\":,0123456789.eE+-truefalsnl \\u\t\n")
                .ofMaxLength(200);
        Arbitrary<String> someJson = Arbitraries.randoms().map(r -> someValue(r, 4).toString());
        return Arbitraries.oneOf(any, jsonish, someJson);
    }

    @Provide
    Arbitrary<Object> messages() {
        Arbitrary<String> strings = Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(20),
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8));
        Arbitrary<String> ids = strings.filter(s -> !s.isEmpty());
        Arbitrary<List<String>> features = strings.list().ofMaxSize(4);
        Arbitrary<Integer> versions = Arbitraries.oneOf(Arbitraries.of(1), Arbitraries.integers());
        Arbitrary<Object> hello = Combinators.combine(versions, features,
                Arbitraries.randoms().map(r -> someValue(r, 3)), settings()).as(Hello::new);
        Arbitrary<Object> welcome = Combinators.combine(versions, ids, features, settings()).as(Welcome::new);
        Arbitrary<Object> ack = ids.map(Ack::new);
        return Arbitraries.oneOf(hello, welcome, ack);
    }

    private static Arbitrary<Settings> settings() {
        long maxMillis = 86_400_000;
        // No flatMap: jqwik's edge cases of a flat-mapped arbitrary grow with the tries.
        Arbitrary<long[]> heartbeat = Combinators.combine(Arbitraries.longs().between(10, maxMillis - 1),
                Arbitraries.longs().between(0, Long.MAX_VALUE))
                .as((interval, pick) -> new long[] {interval, interval + 1 + pick % (maxMillis - interval)});
        return Combinators.combine(
                Arbitraries.integers().between(1024, 16_777_215),
                Arbitraries.integers().between(1024, Integer.MAX_VALUE),
                Arbitraries.integers().between(1024, Integer.MAX_VALUE),
                Arbitraries.integers().between(1, 1_000_000),
                Arbitraries.integers().between(1024, 16_777_215),
                heartbeat)
                .as((frame, stream, connection, streams, header, hb) ->
                        new Settings(frame, stream, connection, streams, header, hb[0], hb[1]));
    }

    /**
     * Any JSON value, built with the node types a parser makes of its text (int, long, double,
     * string, boolean, null, array, object), so that a message holding it round-trips as equal.
     */
    private static JsonNode someValue(Random random, int depth) {
        int kind = random.nextInt(depth <= 0 ? 6 : 8);
        return switch (kind) {
            case 0 -> NODES.numberNode(random.nextInt());
            case 1 -> NODES.numberNode(random.nextBoolean() ? Long.MAX_VALUE - random.nextInt(10) : random.nextLong());
            case 2 -> NODES.numberNode(finite(random));
            case 3 -> NODES.textNode(someString(random));
            case 4 -> NODES.booleanNode(random.nextBoolean());
            case 5 -> NODES.nullNode();
            case 6 -> {
                ArrayNode array = NODES.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    array.add(someValue(random, depth - 1));
                }
                yield array;
            }
            default -> {
                ObjectNode object = NODES.objectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    object.set(someString(random), someValue(random, depth - 1));
                }
                yield object;
            }
        };
    }

    private static double finite(Random random) {
        double d = random.nextBoolean() ? random.nextDouble() * 1000 : Double.longBitsToDouble(random.nextLong());
        return Double.isFinite(d) ? d : 0.5;
    }

    private static String someString(Random random) {
        char[] chars = new char[random.nextInt(12)];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = random.nextInt(4) == 0 ? (char) random.nextInt(0x10000) : (char) ('a' + random.nextInt(26));
        }
        return new String(chars);
    }

    private static String json(Object message) {
        if (message instanceof Hello hello) {
            return hello.toJson();
        }
        if (message instanceof Welcome welcome) {
            return welcome.toJson();
        }
        return ((Ack) message).toJson();
    }
}
