package io.swaggersocket.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The signer's output and the canonical forms it signs, byte for byte. */
class RequestSignerTest {
    static final String KEY_ID = "AKIDEXAMPLE";
    static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    static final Instant TIME = Instant.parse("2026-12-07T02:36:04Z");

    private final RequestSigner signer = RequestSigner.of(KEY_ID, SECRET).withClock(Clock.fixed(TIME, ZoneOffset.UTC));

    /** The expected signature was computed apart from this code, with {@code openssl dgst -sha256 -hmac}. */
    @Test
    void aFixedRequestHasAKnownSignature() {
        Map<String, String> headers = signer.sign("GET", "/agents/edge-7/status",
                Map.of("Host", List.of("tunnel.example.com"), "Accept", List.of("*/*")), null);
        assertEquals(List.of("Authorization", "X-Sws-Date", "X-Sws-Content-Sha256"), List.copyOf(headers.keySet()));
        assertEquals("SWS1-HMAC-SHA256 Credential=AKIDEXAMPLE, SignedHeaders=host;x-sws-content-sha256;x-sws-date,"
                + " Signature=07d5f20468dc6842fb6e0a68dbd211b5f57e49d40d6d9707a673f9f554238735", headers.get("Authorization"));
        assertEquals("20261207T023604Z", headers.get("X-Sws-Date"));
        assertEquals(RequestSigner.EMPTY_SHA256, headers.get("X-Sws-Content-Sha256"));
        assertEquals(String.join("\n", "SWS1-HMAC-SHA256", "20261207T023604Z", "GET", "/agents/edge-7/status", "",
                "host:tunnel.example.com",
                "x-sws-content-sha256:" + RequestSigner.EMPTY_SHA256,
                "x-sws-date:20261207T023604Z", "", "host;x-sws-content-sha256;x-sws-date", RequestSigner.EMPTY_SHA256),
                signer.signing("get", "/agents/edge-7/status", Map.of("host", List.of("tunnel.example.com")),
                        RequestSigner.EMPTY_SHA256).canonicalString());
    }

    @Test
    void signDigestEqualsSignOfTheBody() {
        byte[] body = "{\"name\":\"rex\"}".getBytes(StandardCharsets.UTF_8);
        Map<String, List<String>> headers = Map.of("Host", List.of("h"));
        assertEquals(signer.sign("POST", "/pets", headers, body),
                signer.signDigest("POST", "/pets", headers, RequestSigner.sha256Hex(body).toUpperCase()));
        assertEquals("2e6228164663fe0e10b7af402cc0d20f477bd7a7fa2d9dd48c3a7d425199a167", RequestSigner.sha256Hex(body)); // sha256sum
        assertEquals(RequestSigner.EMPTY_SHA256, RequestSigner.sha256Hex(new byte[0]));
    }

    @Test
    void thePathIsDecodedAndReEncodedSegmentBySegment() {
        assertEquals("/a/~b/c%2Fd/%C3%A9/%20/%2B/%3B%3D", Canonical.path("/a/%7eb/c%2fd/é/%20/+/;="));
        assertEquals(Canonical.path("/x/%7E"), Canonical.path("/x/~"));
        assertEquals(Canonical.path("/x/%c3%a9"), Canonical.path("/x/%C3%A9"));
        assertNotEquals(Canonical.path("/x/a%2Fb"), Canonical.path("/x/a/b"));
        assertEquals("/a/../b//c/", Canonical.path("/a/../b//c/"), "no dot-segment or slash normalisation");
        assertEquals("/", Canonical.path("/"));
    }

    @Test
    void theQueryIsSortedDecodedAndReEncoded() {
        assertEquals("a=1&a=2&b=&c=x%20y&d=a%2Bb", Canonical.query("d=a+b&c=x%20y&b&&a=2&a=1&"));
        assertEquals(Canonical.query("a=1&b=2"), Canonical.query("b=2&a=1"));
        assertEquals(Canonical.query("t=a+b"), Canonical.query("t=a%2Bb"));
        assertNotEquals(Canonical.query("t=a+b"), Canonical.query("t=a%20b"), "'+' is a plus, not a space");
        assertEquals("k=a%3Db", Canonical.query("k=a=b"), "split at the first '='");
        assertEquals("", Canonical.query(""));
    }

    @Test
    void headerValuesAreTrimmedFoldedAndJoined() {
        assertEquals("a b c,d", Canonical.headerValue(List.of("  a \t b   c ", "d")));
        assertEquals(",x", Canonical.headerValue(List.of(" ", "x")));
    }

    @Test
    void headersAreMatchedIgnoringCaseAndOnlyTheChosenOnesAreSigned() {
        RequestSigner typed = signer.withSignedHeaders(List.of("Content-Type", "X-Missing"));
        String canonical = typed.signing("PUT", "/p", Map.of("HOST", List.of("h:8443"), "content-TYPE",
                List.of("text/plain;  charset=utf-8"), "X-Other", List.of("o"), "x-sws-date", List.of("old")),
                RequestSigner.EMPTY_SHA256).canonicalString();
        assertTrue(canonical.contains("\ncontent-type:text/plain; charset=utf-8\nhost:h:8443\nx-sws-content-sha256:"),
                canonical);
        assertTrue(canonical.endsWith("\n\ncontent-type;host;x-sws-content-sha256;x-sws-date\n"
                + RequestSigner.EMPTY_SHA256), canonical);
        assertFalse(canonical.contains("x-other") || canonical.contains("x-missing") || canonical.contains("old"), canonical);
        assertEquals(List.of("content-type", "x-missing"), List.copyOf(typed.signedHeaders()));
    }

    @Test
    void badKeysAreRefusedWithoutQuotingTheSecret() {
        assertEquals("secretKey: expected no whitespace or control characters but it has some",
                assertThrows(IllegalArgumentException.class, () -> RequestSigner.of("k", "s3cr3t value")).getMessage());
        assertEquals("secretKey: expected a non-empty secret but it is empty",
                assertThrows(IllegalArgumentException.class, () -> RequestSigner.of("k", "")).getMessage());
        assertEquals("accessKeyId: expected 1 to 128 visible ASCII characters other than ',' but it has others",
                assertThrows(IllegalArgumentException.class, () -> RequestSigner.of("a,b", "s")).getMessage());
        assertEquals("accessKeyId: expected 1 to 128 visible ASCII characters other than ',' but it is empty",
                assertThrows(IllegalArgumentException.class, () -> RequestSigner.of("", "s")).getMessage());
        assertEquals("RequestSigner[accessKeyId=AKIDEXAMPLE]", signer.toString());
        assertEquals("RequestSigner[accessKeyId=AKIDEXAMPLE, signedHeaders=[content-type]]",
                signer.withSignedHeaders(List.of("Content-Type", "Host")).toString());
    }

    @Test
    void badRequestsAreRefused() {
        Map<String, List<String>> none = Map.of();
        assertEquals("signed header: Authorization carries the signature and cannot be signed",
                assertThrows(IllegalArgumentException.class, () -> signer.withSignedHeaders(List.of("authorization")))
                        .getMessage());
        assertEquals("signed header: expected a header name (an HTTP token) but was \"a b\"",
                assertThrows(IllegalArgumentException.class, () -> signer.withSignedHeaders(List.of("a b"))).getMessage());
        assertEquals("method: expected an HTTP token but was \"GE T\"",
                assertThrows(IllegalArgumentException.class, () -> signer.sign("GE T", "/", none, null)).getMessage());
        assertEquals("request target: expected an origin-form target starting with '/'",
                assertThrows(IllegalArgumentException.class, () -> signer.sign("GET", "http://h/", none, null)).getMessage());
        assertEquals("request target: expected two hex digits after each '%' in the query but one is not",
                assertThrows(IllegalArgumentException.class, () -> signer.sign("GET", "/p?a=%g1", none, null)).getMessage());
        assertEquals("request target: expected two hex digits after each '%' in the path but one is not",
                assertThrows(IllegalArgumentException.class, () -> signer.sign("GET", "/%4", none, null)).getMessage());
        assertEquals("request target: expected no fragment ('#') in the target",
                assertThrows(IllegalArgumentException.class, () -> signer.sign("GET", "/p#f", none, null)).getMessage());
        assertEquals("bodySha256Hex: expected 64 hex digits but has 3 characters",
                assertThrows(IllegalArgumentException.class, () -> signer.signDigest("GET", "/", none, "abc")).getMessage());
    }
}
