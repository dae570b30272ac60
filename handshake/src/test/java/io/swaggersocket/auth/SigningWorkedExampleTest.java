package io.swaggersocket.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.auth.SignatureVerifier.Valid;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/SIGNING.md's worked example, read from the file: the inputs come from its fenced blocks,
 * and every output block must be what the code produces, byte for byte. The document cannot drift
 * from the code.
 */
class SigningWorkedExampleTest {
    private static Map<String, String> blocks;
    private static RequestSigner signer;
    private static String secret;
    private static Instant time;
    private static String method;
    private static String rawTarget;
    private static Map<String, List<String>> headers;
    private static byte[] body;

    @BeforeAll
    static void readTheDocument() throws IOException {
        blocks = fencedBlocks(Files.readString(Path.of("../docs/SIGNING.md"), StandardCharsets.UTF_8));

        Map<String, String> key = new LinkedHashMap<>();
        for (String line : block("example-key").split("\n")) {
            int colon = line.indexOf(':');
            key.put(line.substring(0, colon), line.substring(colon + 1).strip());
        }
        time = Instant.parse(key.get("time"));
        secret = key.get("secret key");
        signer = RequestSigner.of(key.get("access key id"), secret)
                .withClock(Clock.fixed(time, ZoneOffset.UTC))
                .withSignedHeaders(Arrays.asList(key.get("extra signed headers").split(",\\s*")));

        String request = block("example-request");
        int blank = request.indexOf("\n\n");
        body = request.substring(blank + 2).getBytes(StandardCharsets.UTF_8);
        List<String> head = List.of(request.substring(0, blank).split("\n"));
        String[] requestLine = head.get(0).split(" ");
        assertEquals(3, requestLine.length, head.get(0));
        method = requestLine[0];
        rawTarget = requestLine[1];
        headers = new LinkedHashMap<>();
        for (String line : head.subList(1, head.size())) {
            int colon = line.indexOf(':');
            headers.computeIfAbsent(line.substring(0, colon), k -> new ArrayList<>()).add(line.substring(colon + 1));
        }
    }

    /** The blocks whose info string is a language and a name, such as {@code ```text example-key}, by name. */
    private static Map<String, String> fencedBlocks(String markdown) {
        Map<String, String> found = new LinkedHashMap<>();
        String name = null;
        StringBuilder content = new StringBuilder();
        for (String line : markdown.split("\n", -1)) {
            if (name == null && line.startsWith("```") && line.strip().split("\\s+").length == 2) {
                name = line.strip().split("\\s+")[1];
                content.setLength(0);
            } else if (name != null && line.equals("```")) {
                found.put(name, content.length() == 0 ? "" : content.substring(0, content.length() - 1));
                name = null;
            } else if (name != null) {
                content.append(line).append('\n');
            }
        }
        return found;
    }

    private static String block(String name) {
        String text = blocks.get(name);
        assertTrue(text != null, "docs/SIGNING.md has no block ```... " + name + "; it has " + blocks.keySet());
        return text;
    }

    @Test
    void theBodyHashIsTheDocuments() {
        assertEquals(29, body.length);
        assertEquals(block("example-body-sha256"), RequestSigner.sha256Hex(body));
    }

    @Test
    void theCanonicalStringAndItsHashAreTheDocuments() {
        String canonical = signer.signing(method, rawTarget, headers, RequestSigner.sha256Hex(body)).canonicalString();
        assertEquals(block("example-canonical-string"), canonical);
        assertEquals(block("example-canonical-string-sha256"),
                RequestSigner.sha256Hex(canonical.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theSignatureHeadersAreTheDocuments() {
        StringBuilder lines = new StringBuilder();
        signer.sign(method, rawTarget, headers, body).forEach((name, value) ->
                lines.append(lines.length() == 0 ? "" : "\n").append(name).append(": ").append(value));
        assertEquals(block("example-signature-headers"), lines.toString());
    }

    @Test
    void theVerifierAcceptsTheExampleAtItsTime() {
        Map<String, List<String>> received = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        received.putAll(headers);
        for (String line : block("example-signature-headers").split("\n")) {
            int colon = line.indexOf(':');
            received.put(line.substring(0, colon), List.of(line.substring(colon + 2)));
        }
        SignatureVerifier verifier = SignatureVerifier.builder().clock(Clock.fixed(time, ZoneOffset.UTC)).build();
        assertEquals(new Valid(signer.accessKeyId(), block("example-body-sha256")),
                verifier.verify(method, rawTarget, name -> received.getOrDefault(name, List.of()),
                        id -> id.equals(signer.accessKeyId()) ? Optional.of(secret) : Optional.empty()));
    }
}
