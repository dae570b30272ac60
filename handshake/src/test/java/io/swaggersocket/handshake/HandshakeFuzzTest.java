package io.swaggersocket.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swaggersocket.testing.Fuzz;
import io.swaggersocket.testing.Mutations;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link Hello#parse}, {@link Welcome#parse} and {@link Ack#parse} with random and mutated
 * JSON text: every text is either read as a message that writes back to itself, or rejected with a
 * {@link HandshakeException} whose close code is a handshake one; never another exception.
 *
 * <p>Mutations: fields removed or retyped, numbers far beyond 64 bits, nesting far beyond any
 * parser's limit, lone surrogates (text that is not valid UTF-16), strings of up to 64 K chars, and
 * edits of the text itself. Each property runs {@code fuzz.tries} seeded inputs through
 * {@link Fuzz} (docs/FUZZING.md).
 */
class HandshakeFuzzTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Set<CloseCode> HANDSHAKE_CODES = Set.of(CloseCode.HANDSHAKE_MALFORMED,
            CloseCode.HANDSHAKE_UNEXPECTED_MESSAGE);
    /** Marks where a mutation puts raw JSON text that no tree can hold (huge numbers, deep nesting). */
    private static final String RAW = "@@raw@@";

    @Test
    void validMessagesRoundTrip() {
        Fuzz.check(HandshakeFuzzTest::message, message -> {
            if (message instanceof Hello hello) {
                assertEquals(hello, Hello.parse(hello.toJson()));
            } else if (message instanceof Welcome welcome) {
                assertEquals(welcome, Welcome.parse(welcome.toJson()));
            } else {
                Ack ack = (Ack) message;
                assertEquals(ack, Ack.parse(ack.toJson()));
            }
        });
    }

    @Test
    void randomTextIsReadOrRejectedWithACloseCode() {
        Fuzz.check(HandshakeFuzzTest::noise, HandshakeFuzzTest::readsOrRejects);
    }

    /** A valid message, and the text it became. */
    record Mutated(Object message, String text) {
    }

    @Test
    void mutatedMessagesAreReadOrRejectedWithACloseCode() {
        Fuzz.check(random -> {
            Object message = message(random);
            String json = json(message);
            String text = switch (random.nextInt(3)) {
                case 0 -> treeMutation(json, random);
                case 1 -> textMutation(json, random);
                default -> textMutation(treeMutation(json, random), random);
            };
            return new Mutated(message, text);
        }, mutated -> readsOrRejects(mutated.text()));
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
    private static String treeMutation(String json, SplittableRandom random) {
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
    private static String rawValue(SplittableRandom random) {
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
    private static String textMutation(String text, SplittableRandom random) {
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

    /** Any text, JSON-ish text, or any JSON value. */
    static String noise(SplittableRandom random) {
        return switch (random.nextInt(3)) {
            case 0 -> Fuzz.anyChars(random, 0, 200);
            case 1 -> Fuzz.string(random, "{}[]\":,0123456789.eE+-truefalsnl \\u\t\n", 0, 200);
            default -> someValue(random, 4).toString();
        };
    }

    /** A valid Hello, Welcome or Ack. */
    static Object message(SplittableRandom random) {
        return switch (random.nextInt(3)) {
            case 0 -> new Hello(version(random), features(random), someValue(random, 3), settings(random));
            case 1 -> new Welcome(version(random), id(random), features(random), settings(random));
            default -> new Ack(id(random));
        };
    }

    private static int version(SplittableRandom random) {
        return random.nextBoolean() ? 1 : Fuzz.anyInt(random);
    }

    /** Any chars (lone surrogates included), or a short alphabetic word. */
    private static String string(SplittableRandom random) {
        return random.nextBoolean() ? Fuzz.anyChars(random, 0, 20)
                : Fuzz.string(random, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 1, 8);
    }

    private static String id(SplittableRandom random) {
        String id;
        do {
            id = string(random);
        } while (id.isEmpty());
        return id;
    }

    private static List<String> features(SplittableRandom random) {
        return Fuzz.list(random, 0, 4, HandshakeFuzzTest::string);
    }

    private static Settings settings(SplittableRandom random) {
        long maxMillis = 86_400_000;
        long interval = Fuzz.between(random, 10L, maxMillis - 1);
        long timeout = Fuzz.between(random, interval + 1, maxMillis);
        return new Settings(
                Fuzz.between(random, 1024, 16_777_215),
                Fuzz.between(random, 1024, Integer.MAX_VALUE),
                Fuzz.between(random, 1024, Integer.MAX_VALUE),
                Fuzz.between(random, 1, 1_000_000),
                Fuzz.between(random, 1024, 16_777_215),
                interval, timeout);
    }

    /**
     * Any JSON value, built with the node types a parser makes of its text (int, long, double,
     * string, boolean, null, array, object), so that a message holding it round-trips as equal.
     */
    private static JsonNode someValue(SplittableRandom random, int depth) {
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

    private static double finite(SplittableRandom random) {
        double d = random.nextBoolean() ? random.nextDouble() * 1000 : Double.longBitsToDouble(random.nextLong());
        return Double.isFinite(d) ? d : 0.5;
    }

    private static String someString(SplittableRandom random) {
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
