package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.auth.RequestSigner;
import io.swaggersocket.auth.SignatureVerifier;
import io.swaggersocket.auth.SignatureVerifier.Valid;
import io.swaggersocket.auth.SignatureVerifier.Verdict;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code swaggersocket sign} without a server: what it prints parses as headers that a verifier accepts. */
class SignCommandTest {
    private static final String SECRET = "s3cr3t-K3y/for+tests";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T02:36:04Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private record Result(int code, Lines out, Lines err) {
    }

    private static Result run(Map<String, String> env, String... args) {
        Lines out = new Lines();
        Lines err = new Lines();
        int code = SignCommand.run(List.of(args), out.stream, err.stream, env, CLOCK);
        assertFalse(out.text().contains(SECRET) || err.text().contains(SECRET), "the secret is never shown");
        return new Result(code, out, err);
    }

    /** Verifies headers as the server would receive them, with curl's Host for {@code host}. */
    private static Verdict verify(String method, String target, String host, Map<String, List<String>> sent) {
        Map<String, List<String>> received = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        received.put("Host", List.of(host));
        received.put("User-Agent", List.of("curl/8.5.0"));
        received.putAll(sent);
        return SignatureVerifier.builder().clock(CLOCK).build().verify(method, target,
                name -> received.getOrDefault(name, List.of()),
                id -> id.equals("AKIDCLI") ? Optional.of(SECRET) : Optional.empty());
    }

    private static Map<String, List<String>> parseLines(List<String> lines) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String line : lines) {
            int colon = line.indexOf(": ");
            assertTrue(colon > 0, line);
            headers.computeIfAbsent(line.substring(0, colon), k -> new ArrayList<>()).add(line.substring(colon + 2));
        }
        return headers;
    }

    @Test
    void itPrintsHeadersThatVerifyWithTheBodyHash() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), SECRET + "\n");
        byte[] body = "{\"name\":\"rex\"}".getBytes(StandardCharsets.UTF_8);
        Path data = Files.write(dir.resolve("pet.json"), body);
        Result r = run(Map.of(), "--access-key", "AKIDCLI", "--secret-key-file", secret.toString(),
                "--header", "Content-Type:  application/json", "--data-file", data.toString(), "POST",
                "https://tunnel.example.com:8443/agents/edge-7/pets?limit=10&tag=a+b");
        assertEquals(0, r.code(), r.err().all().toString());
        List<String> lines = r.out().all();
        assertEquals(List.of("Content-Type", "Authorization", "X-Sws-Date", "X-Sws-Content-Sha256"),
                lines.stream().map(l -> l.substring(0, l.indexOf(':'))).toList());
        assertEquals("Content-Type: application/json", lines.get(0));
        assertTrue(lines.get(1).startsWith("Authorization: SWS1-HMAC-SHA256 Credential=AKIDCLI, SignedHeaders="
                + "content-type;host;x-sws-content-sha256;x-sws-date, Signature="), lines.get(1));
        assertEquals(new Valid("AKIDCLI", RequestSigner.sha256Hex(body)), verify("POST",
                "/agents/edge-7/pets?limit=10&tag=a+b", "tunnel.example.com:8443", parseLines(lines)));
        assertFalse(verify("POST", "/agents/edge-7/pets?limit=10&tag=a+b", "tunnel.example.com", parseLines(lines))
                instanceof Valid, "the port is part of the signed host");
    }

    @Test
    void theSecretMayComeFromTheEnvironmentAndCurlGetsQuotedArguments() {
        Result r = run(Map.of(SignCommand.SECRET_ENV, SECRET), "--curl", "--access-key", "AKIDCLI",
                "--header", "X-Note: it's here", "GET", "http://127.0.0.1:80/status");
        assertEquals(0, r.code(), r.err().all().toString());
        assertEquals(1, r.out().all().size());
        String line = r.out().all().get(0);
        assertTrue(line.startsWith("-H 'X-Note: it'\\''s here' -H 'Authorization: SWS1-HMAC-SHA256 Credential=AKIDCLI, "),
                line);
        List<String> unquoted = new ArrayList<>();
        Matcher m = Pattern.compile("-H '((?:[^']|'\\\\'')*)'").matcher(line);
        while (m.find()) {
            unquoted.add(m.group(1).replace("'\\''", "'"));
        }
        assertEquals(4, unquoted.size(), line);
        assertEquals(new Valid("AKIDCLI", RequestSigner.EMPTY_SHA256),
                verify("GET", "/status", "127.0.0.1", parseLines(unquoted)), "port 80 is left out of http's Host");
    }

    @Test
    void badCommandLinesExit2WithAReason() {
        Map<String, String> env = Map.of(SignCommand.SECRET_ENV, SECRET);
        assertUsage(env, "--access-key is required", "GET", "http://h/");
        assertUsage(env, "expected METHOD and URL after the options but there are neither", "--access-key", "k");
        assertUsage(env, "expected METHOD and URL after the options but there is only GET", "--access-key", "k", "GET");
        assertUsage(env, "Unmatched argument at index 4: 'extra'", "--access-key", "k", "GET", "http://h/", "extra");
        assertUsage(env, "URL: expected an http:// or https:// URL with a host but was ftp://h", "--access-key", "k",
                "GET", "ftp://h/");
        assertUsage(env, "METHOD: expected an HTTP method such as GET but was \"G T\"", "--access-key", "k", "G T",
                "http://h/");
        assertUsage(env, "--access-key: accessKeyId: expected 1 to 128 visible ASCII characters other than ',' but it"
                + " has others", "--access-key", "a,b", "GET", "http://h/");
        assertUsage(env, "--header: expected 'Name: value' with a header name before the colon", "--access-key", "k",
                "--header", "no colon here", "GET", "http://h/");
        assertUsage(env, "--header: Authorization is what this command prints", "--access-key", "k",
                "--header", "Authorization: Bearer x", "GET", "http://h/");
        assertUsage(env, "--header: x-a is given twice; give its values in one, separated by ','", "--access-key", "k",
                "--header", "X-A: 1", "--header", "x-a: 2", "GET", "http://h/");
        assertUsage(Map.of(), "--secret-key-file or the environment variable SWAGGERSOCKET_SECRET_KEY is required",
                "--access-key", "k", "GET", "http://h/");
        assertUsage(env, "Unknown options: '--secret-key', 'http://h/'", "--secret-key", SECRET, "--access-key", "k", "GET", "http://h/");
    }

    private static void assertUsage(Map<String, String> env, String reason, String... args) {
        Result r = run(env, args);
        assertEquals(2, r.code(), List.of(args) + ": " + r.err().all());
        assertEquals(List.of("swaggersocket sign: " + reason + " (try --help)"), r.err().all(), List.of(args).toString());
        assertEquals(List.of(), r.out().all());
    }

    @Test
    void unreadableFilesAndBadSecretsExit1WithoutShowingTheSecret() throws Exception {
        Result noFile = run(Map.of(), "--access-key", "k", "--secret-key-file", "/nonexistent/secret", "GET", "http://h/");
        assertEquals(1, noFile.code());
        assertEquals(List.of("swaggersocket sign: cannot read secret key file /nonexistent/secret: no such file"),
                noFile.err().all());

        Result noData = run(Map.of(SignCommand.SECRET_ENV, SECRET), "--access-key", "k", "--data-file",
                "/nonexistent/body", "PUT", "http://h/");
        assertEquals(1, noData.code());
        assertEquals(List.of("swaggersocket sign: cannot read data file /nonexistent/body: no such file"),
                noData.err().all());

        Path twoWords = Files.writeString(dir.resolve("bad-secret"), SECRET + " " + SECRET + "\n");
        Result bad = run(Map.of(), "--access-key", "k", "--secret-key-file", twoWords.toString(), "GET", "http://h/");
        assertEquals(1, bad.code());
        assertEquals(List.of("swaggersocket sign: the secret key in " + twoWords + " is not valid: secretKey: expected"
                + " no whitespace or control characters but it has some"), bad.err().all());
    }

    @Test
    void helpExits0() {
        Result r = run(Map.of(), "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().text().contains("Usage: swaggersocket sign [-hV] [--curl] [--access-key=ID]"), r.out().text());
    }
}
