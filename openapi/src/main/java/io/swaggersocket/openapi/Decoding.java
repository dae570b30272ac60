package io.swaggersocket.openapi;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Percent-decoding of paths and query strings, strictly UTF-8; no state. */
final class Decoding {
    private Decoding() {
    }

    /**
     * Decodes {@code %XX} escapes as UTF-8 ({@code +} as a space when {@code plusIsSpace}).
     *
     * @throws IllegalArgumentException on a truncated or non-hex escape, or bytes that are not UTF-8
     */
    static String decode(String s, boolean plusIsSpace) {
        if (s.indexOf('%') < 0 && (!plusIsSpace || s.indexOf('+') < 0)) {
            return s;
        }
        ByteBuffer bytes = ByteBuffer.allocate(s.length() * 3);
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw new IllegalArgumentException("truncated escape");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("bad escape");
                }
                bytes.put((byte) (hi << 4 | lo));
                i += 2;
                continue;
            }
            flush(bytes, out);
            out.append(plusIsSpace && c == '+' ? ' ' : c);
        }
        flush(bytes, out);
        return out.toString();
    }

    private static void flush(ByteBuffer bytes, StringBuilder out) {
        if (bytes.position() == 0) {
            return;
        }
        bytes.flip();
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes);
            out.append(chars);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("not UTF-8", e);
        }
        bytes.clear();
    }

    /**
     * The decoded segments of an origin-form path: {@code /a/b} is {@code [a, b]}, {@code /} is
     * {@code [""]} and {@code /a/} is {@code [a, ""]}, so a trailing slash stays significant.
     * Splitting happens before decoding, so {@code %2F} stays inside its segment.
     */
    static List<String> segments(String rawPath) {
        String[] raw = rawPath.substring(1).split("/", -1);
        List<String> out = new ArrayList<>(raw.length);
        for (String segment : raw) {
            out.add(decode(segment, false));
        }
        return out;
    }

    /** A query string ({@code a=1&b=2&a=3}, form-encoded) as a multimap in order of first appearance. */
    static Map<String, List<String>> query(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return Map.of();
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq), true);
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1), true);
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        out.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return Collections.unmodifiableMap(out);
    }
}
