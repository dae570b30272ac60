package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.auth.RequestSigner;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access model on its own: grants, credentials, and access files with their errors. */
class AccessPolicyTest {
    @TempDir
    Path dir;

    private static UpgradeRequest bearer(String token) {
        return new UpgradeRequest("/tunnel", Map.of("Authorization", List.of("Bearer " + token)), Map.of(),
                new InetSocketAddress("127.0.0.1", 1));
    }

    private static GrantedPrincipal accepted(AuthResult result) {
        return (GrantedPrincipal) assertInstanceOf(AuthResult.Accepted.class, result).principal();
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    @Test
    void patternsMatchExactNamesAndStarsAndNothingElse() {
        Grants g = new Grants(List.of("a*", "exact", "*-prod", "x*y*z"), List.of(), List.of("*"));
        for (String yes : List.of("a", "a1", "abc", "exact", "eu-prod", "-prod", "xyz", "x1y2z", "xyyzz")) {
            assertTrue(g.mayRegister(yes), yes);
        }
        for (String no : List.of("b1", "exact2", "Exact", "eu-prod2", "xy", "zyx", "A1")) {
            assertFalse(g.mayRegister(no), no);
        }
        assertFalse(g.mayRegister(null), "a nameless agent needs *");
        assertFalse(g.mayCall("a1"), "no call grant");
        assertTrue(g.mayAdmin(null) && g.adminsEverything());
        assertFalse(Grants.glob("a*a*a*a*a*a*a*a*b", "a".repeat(5000)), "no exponential backtracking");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Grants(List.of("ok", "has space"), List.of(), List.of()));
        assertEquals("register: expected an agent name or a pattern with * (1 to 256 characters, no whitespace) but was"
                + " \"has space\"", e.getMessage());
    }

    @Test
    void thePublishGrantIsAFourthListAbsentMeaningNone() throws Exception {
        Grants three = new Grants(List.of("a*"), List.of(), List.of());
        assertEquals(List.of(), three.publish(), "the 3-argument constructor grants no publish");
        assertFalse(three.mayPublish("a1"));
        assertTrue(Grants.all().mayPublish("anything") && Grants.all().mayPublish(null));
        Grants four = new Grants(List.of(), List.of(), List.of(), List.of("team-*"));
        assertTrue(four.mayPublish("team-x"));
        assertFalse(four.mayPublish("other") || four.mayPublish(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Grants(List.of(), List.of(), List.of(), List.of("")));
        assertTrue(e.getMessage().startsWith("publish: "), e.getMessage());
        AccessPolicy policy = AccessPolicy.read(write("publish.yaml", String.join("\n", "principals:",
                "  - name: pub", "    tokens: [\"pub-token\"]", "    publish: [\"p-*\"]",
                "  - name: none", "    tokens: [\"none-token\"]", "")));
        assertEquals(List.of("p-*"), accepted(policy.authenticate(bearer("pub-token"))).grants().publish());
        assertEquals(List.of(), accepted(policy.authenticate(bearer("none-token"))).grants().publish());
    }

    @Test
    void eachCredentialNamesItsPrincipalAndNothingSecret() throws Exception {
        AccessPolicy policy = AccessPolicy.builder()
                .principal("team-a", new Grants(List.of("a*"), List.of("a*"), List.of()))
                .token("team-a", "first-token")
                .tokenSha256("team-a", RequestSigner.sha256Hex("second-token".getBytes(StandardCharsets.UTF_8)))
                .principal("ops", Grants.all())
                .token("ops", "ops-token")
                .build();
        GrantedPrincipal first = accepted(policy.authenticate(bearer("first-token")));
        assertEquals("team-a", first.getName());
        assertEquals("token 1", first.credential());
        assertEquals(List.of("a*"), first.grants().register());
        assertEquals("token 2", accepted(policy.authenticate(bearer("second-token"))).credential(),
                "a digest in the policy accepts the token itself");
        assertEquals("ops", accepted(policy.authenticate(new UpgradeRequest("/x", Map.of(),
                Map.of("token", List.of("ops-token")), new InetSocketAddress("127.0.0.1", 1)))).getName());
        AuthResult.Rejected wrong = assertInstanceOf(AuthResult.Rejected.class, policy.authenticate(bearer("nope")));
        assertEquals(401, wrong.status());
        assertEquals("invalid token", wrong.message());
        AuthResult.Rejected basic = assertInstanceOf(AuthResult.Rejected.class, policy.authenticate(
                new UpgradeRequest("/x", Map.of("Authorization", List.of("Basic b3BzOnRva2Vu")), Map.of(),
                        new InetSocketAddress("127.0.0.1", 1))));
        assertTrue(basic.message().startsWith("unsupported Authorization header"), basic.message());
        assertFalse(policy.toString().contains("token-"), policy.toString());
        assertEquals("team-a", first.toString());
    }

    @Test
    void oneCredentialBelongsToOnePrincipal() {
        AccessPolicy.Builder b = AccessPolicy.builder().principal("a", Grants.all()).principal("b", Grants.none())
                .token("a", "shared-secret");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.token("b", "shared-secret"));
        assertEquals("principal b: holds a token that principal a holds too", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.token("c", "x"));
        assertEquals("principal c: not given (call principal(name, grants) before its credentials)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.tokenSha256("a", "abc"));
        assertEquals("principal a: expected a token's SHA-256 as 64 hex digits but was 3 characters", e.getMessage());
        b.accessKey("a", "AK1", "secret-one");
        e = assertThrows(IllegalArgumentException.class, () -> b.accessKey("b", "AK1", "secret-two"));
        assertEquals("principal b: access key AK1 is given twice", e.getMessage());
        b.certificate("a", "edge-7");
        e = assertThrows(IllegalArgumentException.class, () -> b.certificate("b", "edge-7"));
        assertEquals("principal b: certificate CN=edge-7 belongs to principal a already", e.getMessage());
        assertThrows(IllegalStateException.class, () -> AccessPolicy.builder().build());
    }

    @Test
    void aPlainTokensFileStillMeansFullAccess() throws Exception {
        Path file = write("tokens.txt", "# the old format\nfirst-token\n\n  second-token  \n");
        AccessPolicy policy = AccessPolicy.read(file);
        GrantedPrincipal p = accepted(policy.authenticate(bearer("second-token")));
        assertEquals(AccessPolicy.DEFAULT_PRINCIPAL, p.getName());
        assertEquals(Grants.all(), p.grants());
        IOException empty = assertThrows(IOException.class, () -> AccessPolicy.read(write("empty", "# nothing\n")));
        assertTrue(empty.getMessage().contains("holds no token and no principals"), empty.getMessage());
    }

    @Test
    void aYamlFileGivesPrincipalsEveryKindOfCredential() throws Exception {
        write("key.secret", "file-secret-1\n");
        Path file = write("access.yaml", String.join("\n",
                "principals:",
                "  - name: team-a",
                "    tokens: [\"a-token\"]",
                "    accessKeys:",
                "      - {id: AK1, secretFile: key.secret}",
                "      - {id: AK2, secret: inline-secret-2}",
                "    certificates: [edge-7.example]",
                "    register: [\"a*\"]",
                "    call: [\"a*\"]",
                "signatureWindowSeconds: 60",
                ""));
        AccessPolicy policy = AccessPolicy.read(file);
        assertEquals(List.of("team-a"), List.copyOf(policy.principals()));
        assertEquals(List.of(), policy.grants("team-a").orElseThrow().admin(), "a list left out grants nothing");
        UpgradeRequest signed = new UpgradeRequest("/tunnel", Map.of("Host", List.of("h")), Map.of(),
                new InetSocketAddress("127.0.0.1", 1));
        Map<String, String> headers = RequestSigner.of("AK1", "file-secret-1").sign("GET", "/tunnel", signed.headers(),
                new byte[0]);
        UpgradeRequest withSignature = new UpgradeRequest("/tunnel", Map.of("Host", List.of("h"),
                "Authorization", List.of(headers.get("Authorization")),
                RequestSigner.DATE_HEADER, List.of(headers.get(RequestSigner.DATE_HEADER)),
                RequestSigner.CONTENT_SHA256_HEADER, List.of(headers.get(RequestSigner.CONTENT_SHA256_HEADER))),
                Map.of(), new InetSocketAddress("127.0.0.1", 1));
        assertEquals("access key AK1", accepted(policy.authenticate(withSignature)).credential());
    }

    @Test
    void fileErrorsNameTheLineAndNeverASecret() throws Exception {
        assertFileError(String.join("\n", "principals:", "  - name: a", "    tokens: [\"s3cret-token\"]",
                "    regster: [\"a*\"]", ""), "line 4", "unknown field \"regster\"");
        assertFileError(String.join("\n", "principals:", "  - name: a", "    tokens: [\"s3cret-token\"]",
                "    register: [\"a b\"]", ""), "line 2", "register: expected an agent name or a pattern");
        assertFileError(String.join("\n", "principals:", "  - name: a", "    tokens: [\"s3cret-token\"]",
                "  - name: a", "    tokens: [\"other-s3cret\"]", ""), "line 4", "principal a: given twice");
        assertFileError(String.join("\n", "principals:", "  - name: a", "    tokens: s3cret-token: [", ""),
                "line 3", "is not valid YAML");
        assertFileError(String.join("\n", "principals:", "  - name: a", "    accessKeys: [{id: K, secret: s3cret-token,"
                + " secretEnv: X}]", ""), "line 2", "access key K: expected exactly one of secret, secretFile, secretEnv"
                + " but 2 are given");
        assertFileError(String.join("\n", "principals:", "  - tokens: [\"s3cret-token\"]", ""), "",
                "line 2: a required field is missing: name");
        assertFileError("principals: []\n", "", "expected at least one entry under principals:");
    }

    private void assertFileError(String text, String line, String what) throws IOException {
        Path file = write("bad.yaml", text);
        IOException e = assertThrows(IOException.class, () -> AccessPolicy.read(file), text);
        assertTrue(e.getMessage().startsWith("access file " + file + (line.isEmpty() ? "" : " " + line)), e.getMessage());
        assertTrue(e.getMessage().contains(what), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), "a secret in the message: " + e.getMessage());
    }
}
