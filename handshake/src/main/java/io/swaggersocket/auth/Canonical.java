package io.swaggersocket.auth;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The canonical request both the signer and the verifier build, byte for byte as docs/SIGNING.md
 * specifies it. Stateless and thread-safe. Failures are {@link IllegalArgumentException}s whose
 * messages never quote the request target (its query may carry a token).
 */
final class Canonical {
    static final String HOST = "host";
    static final String DATE = "x-sws-date";
    static final String CONTENT_SHA256 = "x-sws-content-sha256";
    static final String AUTHORIZATION = "authorization";

    private static final DateTimeFormatter DATE_FORMAT = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'", Locale.ROOT)
            .withResolverStyle(ResolverStyle.STRICT);
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final char[] HEX_UPPER = "0123456789ABCDEF".toCharArray();

    private Canonical() {
    }

    /**
     * The whole string to sign: the algorithm, the date, the method, the canonical path and query,
     * one {@code name:value} line per signed header, an empty line, the signed header names, and
     * the body's hash, joined with {@code \n} (no newline at the end).
     *
     * @param signedHeaders lowercase name to canonical value, sorted by name; it includes the date
     *        and the content hash
     */
    static String string(String date, String method, String rawTarget, SortedMap<String, String> signedHeaders,
            String contentSha256Hex) {
        StringBuilder s = new StringBuilder(256);
        s.append(RequestSigner.ALGORITHM).append('\n');
        s.append(date).append('\n');
        s.append(method.toUpperCase(Locale.ROOT)).append('\n');
        int q = rawTarget.indexOf('?');
        s.append(path(q < 0 ? rawTarget : rawTarget.substring(0, q))).append('\n');
        s.append(query(q < 0 ? "" : rawTarget.substring(q + 1))).append('\n');
        signedHeaders.forEach((name, value) -> s.append(name).append(':').append(value).append('\n'));
        s.append('\n');
        s.append(String.join(";", signedHeaders.keySet())).append('\n');
        s.append(contentSha256Hex);
        return s.toString();
    }

    /** The raw path with every character but {@code /} decoded and re-encoded. */
    static String path(String rawPath) {
        if (!rawPath.startsWith("/")) {
            throw new IllegalArgumentException("request target: expected an origin-form target starting with '/'");
        }
        if (rawPath.indexOf('#') >= 0) {
            throw new IllegalArgumentException("request target: expected no fragment ('#') in the target");
        }
        StringBuilder out = new StringBuilder(rawPath.length() + 16);
        int start = 0;
        while (start <= rawPath.length()) {
            int slash = rawPath.indexOf('/', start);
            int end = slash < 0 ? rawPath.length() : slash;
            out.append(encode(decode(rawPath.substring(start, end), "path")));
            if (slash < 0) {
                break;
            }
            out.append('/');
            start = slash + 1;
        }
        return out.toString();
    }

    /** The raw query's {@code name=value} pairs, decoded, re-encoded, sorted and joined with {@code &}. */
    static String query(String rawQuery) {
        if (rawQuery.indexOf('#') >= 0) {
            throw new IllegalArgumentException("request target: expected no fragment ('#') in the target");
        }
        List<String[]> pairs = new ArrayList<>();
        for (String part : rawQuery.split("&", -1)) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String name = eq < 0 ? part : part.substring(0, eq);
            String value = eq < 0 ? "" : part.substring(eq + 1);
            pairs.add(new String[] {encode(decode(name, "query")), encode(decode(value, "query"))});
        }
        pairs.sort((a, b) -> {
            int byName = a[0].compareTo(b[0]);
            return byName != 0 ? byName : a[1].compareTo(b[1]);
        });
        StringBuilder out = new StringBuilder(rawQuery.length() + 16);
        for (String[] pair : pairs) {
            if (out.length() > 0) {
                out.append('&');
            }
            out.append(pair[0]).append('=').append(pair[1]);
        }
        return out.toString();
    }

    /**
     * A header's canonical value: each value with the whitespace (SP, HTAB, CR, LF) at its ends
     * removed and every inner run of it replaced by one space, then the values joined with
     * {@code ,}.
     */
    static String headerValue(List<String> values) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            String v = values.get(i);
            boolean pendingSpace = false;
            boolean any = false;
            for (int j = 0; j < v.length(); j++) {
                char c = v.charAt(j);
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                    pendingSpace = any;
                } else {
                    if (pendingSpace) {
                        out.append(' ');
                        pendingSpace = false;
                    }
                    out.append(c);
                    any = true;
                }
            }
        }
        return out.toString();
    }

    /** Whether {@code name} is an HTTP token (RFC 9110 tchar), the syntax of a header name. */
    static boolean isToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The longest access key id, so that a message naming one stays short. */
    static final int MAX_KEY_ID_LENGTH = 128;

    /** Whether {@code s} is 1 to 128 visible ASCII characters but {@code ,}: the syntax of an access key id. */
    static boolean isKeyId(String s) {
        return !s.isEmpty() && s.length() <= MAX_KEY_ID_LENGTH && s.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ',');
    }

    /** Whether {@code s} is exactly 64 lowercase hex digits. */
    static boolean isSha256Hex(String s) {
        return s.length() == 64 && s.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f');
    }

    static String formatDate(Instant instant) {
        return DATE_FORMAT.format(instant.truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC));
    }

    /** The instant of an {@code X-Sws-Date} value, or {@code null} when it is not one. */
    static Instant parseDate(String value) {
        if (value.length() != 16) {
            return null;
        }
        try {
            return LocalDateTime.parse(value, DATE_FORMAT).toInstant(ZoneOffset.UTC);
        } catch (DateTimeException e) {
            return null;
        }
    }

    static byte[] hmacSha256(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e); // every JDK has it
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e); // every JDK has it
        }
    }

    static String hex(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[bytes[i] & 0xf];
        }
        return new String(out);
    }

    /** The bytes of lowercase hex digits the caller already checked. */
    static byte[] unhex(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(hex, 2 * i, 2 * i + 2, 16);
        }
        return out;
    }

    /** Percent-decodes to bytes; characters outside ASCII count as their UTF-8 bytes. */
    private static byte[] decode(String raw, String where) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); ) {
            char c = raw.charAt(i);
            if (c == '%') {
                int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int lo = hi >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (lo < 0 || raw.charAt(i + 1) > 0x7f || raw.charAt(i + 2) > 0x7f) {
                    throw new IllegalArgumentException("request target: expected two hex digits after each '%' in the "
                            + where + " but one is not");
                }
                out.write(hi << 4 | lo);
                i += 3;
            } else if (c < 0x80) {
                out.write(c);
                i++;
            } else {
                int cp = raw.codePointAt(i);
                out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp);
            }
        }
        return out.toByteArray();
    }

    /** Percent-encodes every byte but the RFC 3986 unreserved characters, with uppercase hex. */
    private static String encode(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length + 8);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX_UPPER[c >> 4]).append(HEX_UPPER[c & 0xf]);
            }
        }
        return out.toString();
    }
}
