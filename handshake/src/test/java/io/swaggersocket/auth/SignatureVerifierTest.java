package io.swaggersocket.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.auth.SignatureVerifier.Failure;
import io.swaggersocket.auth.SignatureVerifier.Invalid;
import io.swaggersocket.auth.SignatureVerifier.Valid;
import io.swaggersocket.auth.SignatureVerifier.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every check of the verifier, each refusing with its own failure and message. */
@Timeout(60)
class SignatureVerifierTest {
    private static final String KEY_ID = RequestSignerTest.KEY_ID;
    private static final String SECRET = RequestSignerTest.SECRET;
    private static final Instant T0 = RequestSignerTest.TIME;
    private static final Function<String, Optional<String>> SECRETS =
            id -> id.equals(KEY_ID) ? Optional.of(SECRET) : Optional.empty();

    private final SteppedClock clock = new SteppedClock(T0);
    private final RequestSigner signer = RequestSigner.of(KEY_ID, SECRET).withClock(clock)
            .withSignedHeaders(List.of("Content-Type"));
    private final SignatureVerifier verifier = SignatureVerifier.builder().clock(clock).build();

    /** A request as the server receives it: method, raw target, headers (names in any case), body. */
    private static final class Request {
        String method = "POST";
        String target = "/agents/edge-7/pets?limit=10&tag=a+b";
        final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        byte[] body = "{\"name\":\"rex\"}".getBytes(StandardCharsets.UTF_8);

        Request() {
            headers.put("Host", List.of("tunnel.example.com:8443"));
            headers.put("Content-Type", List.of("application/json"));
            headers.put("User-Agent", List.of("curl/8"));
        }

        Request signedBy(RequestSigner signer) {
            signer.sign(method, target, headers, body).forEach((name, value) -> headers.put(name, List.of(value)));
            return this;
        }

        List<String> header(String name) {
            return headers.getOrDefault(name, List.of());
        }
    }

    private Request signed() {
        return new Request().signedBy(signer);
    }

    private Verdict verify(Request r) {
        return verifier.verify(r.method, r.target, r::header, SECRETS);
    }

    private static void assertRefused(Failure failure, String message, Verdict verdict) {
        assertEquals(new Invalid(failure, message), verdict);
        assertFalse(message.contains(SECRET), message);
    }

    /** Signs a request, lets {@code change} alter it, and returns the verdict on it. */
    private Verdict verifyChanged(Consumer<Request> change) {
        clock.advance(Duration.ofSeconds(1)); // a new signature each time, never a replay of the last
        Request r = signed();
        change.accept(r);
        return verify(r);
    }

    @Test
    void aCorrectSignatureIsAcceptedAndCarriesTheBodyHash() {
        Request r = signed();
        assertEquals(new Valid(KEY_ID, RequestSigner.sha256Hex(r.body)), verify(r));
        assertTrue(SignatureVerifier.isSigned(r::header));
        assertEquals(1, verifier.remembered());
    }

    @Test
    void anyChangeToWhatIsSignedIsABadSignature() {
        String bad = "Signature: does not match the request as signed with the secret of access key id AKIDEXAMPLE"
                + " (check the secret, the signed headers and the canonical string of docs/SIGNING.md)";
        assertRefused(Failure.BAD_SIGNATURE, bad, verifyChanged(r -> r.method = "PUT"));
        assertRefused(Failure.BAD_SIGNATURE, bad, verifyChanged(r -> r.target = "/agents/edge-8/pets?limit=10&tag=a+b"));
        assertRefused(Failure.BAD_SIGNATURE, bad, verifyChanged(r -> r.target = "/agents/edge-7/pets?limit=11&tag=a+b"));
        assertRefused(Failure.BAD_SIGNATURE, bad, verifyChanged(r -> r.target += "&admin=1"));
        assertRefused(Failure.BAD_SIGNATURE, bad, verifyChanged(r -> r.target = "/agents/edge-7/pets?limit=10&tag=a%20b"));
        assertRefused(Failure.BAD_SIGNATURE, bad, verifyChanged(r -> r.headers.put("X-Sws-Content-Sha256",
                List.of(RequestSigner.sha256Hex("{}".getBytes(StandardCharsets.UTF_8))))));
        assertRefused(Failure.BAD_SIGNATURE, bad, verifyChanged(r -> r.headers.put("Content-Type", List.of("text/plain"))));
        assertRefused(Failure.BAD_SIGNATURE, bad, verifyChanged(r -> r.headers.put("Host", List.of("evil.example.com"))));
        assertRefused(Failure.BAD_SIGNATURE, bad, verifyChanged(r -> r.headers.put("Content-Type",
                List.of("application/json", "text/plain"))));
        assertRefused(Failure.BAD_SIGNATURE, bad, verifyChanged(r -> r.headers.put("X-Sws-Date", List.of("20261207T023605Z"))));
        assertRefused(Failure.BAD_SIGNATURE, bad,
                verifier.verify("POST", "/p", signedWith(RequestSigner.of(KEY_ID, "another-secret").withClock(clock)), SECRETS));
        assertEquals(0, verifier.remembered(), "refused signatures are not remembered");
    }

    @Test
    void whatDoesNotChangeTheCanonicalFormIsStillValid() {
        assertInstanceOf(Valid.class, verifyChanged(r -> r.target = "/agents/edge-7/pets?tag=a+b&limit=10"), "reordered");
        assertInstanceOf(Valid.class, verifyChanged(r -> r.target = "/agents/edge-7/p%65ts?limit=10&tag=a%2bb"), "escapes");
        assertInstanceOf(Valid.class, verifyChanged(r -> r.headers.put("User-Agent", List.of("other"))), "unsigned");
        assertInstanceOf(Valid.class, verifyChanged(r -> r.headers.put("Content-Type", List.of("  application/json "))));
        assertInstanceOf(Valid.class, verifyChanged(r -> r.method = "post"));
        assertInstanceOf(Valid.class, verifyChanged(r -> r.body = new byte[0]),
                "the body is the server's to check against Valid.contentSha256Hex");
    }

    @Test
    void aTimeOutsideTheWindowIsClockSkewEitherWay() {
        Request early = signed();
        clock.advance(Duration.ofMinutes(5).plusSeconds(1));
        assertRefused(Failure.CLOCK_SKEW, "X-Sws-Date: expected a time within 300 s of the server's time"
                + " 2026-12-07T02:41:05Z but the request's time 2026-12-07T02:36:04Z is 301 s behind", verify(early));

        Request late = signed(); // signed at 02:41:05, judged at 02:36:04
        clock.set(T0);
        assertRefused(Failure.CLOCK_SKEW, "X-Sws-Date: expected a time within 300 s of the server's time"
                + " 2026-12-07T02:36:04Z but the request's time 2026-12-07T02:41:05Z is 301 s ahead", verify(late));

        Request edge = signed();
        clock.advance(Duration.ofMinutes(5));
        assertInstanceOf(Valid.class, verify(edge), "exactly the window away is still within it");
    }

    @Test
    void aSignatureIsAcceptedOnce() {
        Request r = signed();
        assertInstanceOf(Valid.class, verify(r));
        clock.advance(Duration.ofMinutes(4));
        assertRefused(Failure.REPLAYED, "Signature: expected a signature not used before but this one was already"
                + " accepted within the window; sign each request anew", verify(r));
        assertInstanceOf(Valid.class, verify(signed()), "the same request signed anew");
    }

    @Test
    void anUnknownKeyIsNamed() {
        Request r = new Request().signedBy(RequestSigner.of("AKIDOTHER", "x").withClock(clock));
        assertRefused(Failure.UNKNOWN_KEY, "Credential: unknown access key id AKIDOTHER", verify(r));
        assertRefused(Failure.CLOCK_SKEW, "X-Sws-Date: expected a time within 300 s of the server's time"
                + " 2026-12-07T03:36:04Z but the request's time 2026-12-07T02:36:04Z is 3600 s behind",
                SignatureVerifier.builder().clock(new SteppedClock(T0.plusSeconds(3600))).build()
                        .verify(r.method, r.target, r::header, SECRETS)); // the clock is checked before the key
    }

    @Test
    void malformedRequestsSayWhatWasExpected() {
        String auth = "Authorization";
        assertMalformed("Authorization: expected one SWS1-HMAC-SHA256 header but there is none", r -> r.headers.remove(auth));
        assertMalformed("Authorization: expected one SWS1-HMAC-SHA256 header but there are 2",
                r -> r.headers.put(auth, List.of(r.header(auth).get(0), "Bearer t0k3n")));
        assertMalformed("Authorization: expected the SWS1-HMAC-SHA256 scheme but the header has another",
                r -> r.headers.put(auth, List.of("Bearer t0k3n")));
        assertMalformed("Authorization: expected Credential, SignedHeaders and Signature after the scheme but there is"
                + " nothing", r -> r.headers.put(auth, List.of("SWS1-HMAC-SHA256")));
        assertMalformed("Authorization: expected only the parameters Credential, SignedHeaders and Signature but there"
                + " is another", r -> edit(r, auth, s -> s + ", Extra=1"));
        assertMalformed("Authorization: expected Credential once but it is given twice",
                r -> edit(r, auth, s -> s + ", Credential=AKIDEXAMPLE"));
        assertMalformed("Authorization: expected Credential, SignedHeaders and Signature but SignedHeaders is missing",
                r -> edit(r, auth, s -> s.replaceAll("SignedHeaders=[^,]*, ", "")));
        assertMalformed("Authorization: expected NAME=VALUE parameters separated by ', ' but a parameter has no '='",
                r -> edit(r, auth, s -> s + ","));
        assertMalformed("Signature: expected 64 lowercase hex digits but was 64 characters with some not lowercase hex",
                r -> edit(r, auth, s -> s.substring(0, s.length() - 64) + s.substring(s.length() - 64).toUpperCase()));
        assertMalformed("Credential: expected an access key id of 1 to 128 visible ASCII characters other than ','"
                + " but was 0 characters", r -> edit(r, auth, s -> s.replace("Credential=AKIDEXAMPLE", "Credential=")));
        assertMalformed("SignedHeaders: expected lowercase header names, sorted, each once, separated by ';' but was"
                + " \"x-sws-date;host\"", r -> edit(r, auth, s -> s.replaceAll("SignedHeaders=[^,]*", "SignedHeaders=x-sws-date;host")));
        assertMalformed("SignedHeaders: expected x-sws-content-sha256 among the signed headers but it is not",
                r -> edit(r, auth, s -> s.replaceAll("SignedHeaders=[^,]*", "SignedHeaders=content-type;host;x-sws-date")));
        assertMalformed("SignedHeaders: expected host among the signed headers since the request has a Host header but"
                + " it is not", r -> edit(r, auth, s -> s.replaceAll("SignedHeaders=[^,]*", "SignedHeaders=x-sws-content-sha256;x-sws-date")));
        assertMalformed("SignedHeaders: expected headers other than authorization, which carries the signature, but it is"
                + " listed", r -> edit(r, auth, s -> s.replaceAll("SignedHeaders=[^,]*", "SignedHeaders=authorization;host;x-sws-content-sha256;x-sws-date")));
        assertMalformed("SignedHeaders: expected the signed header content-type in the request but it is missing",
                r -> r.headers.remove("Content-Type"));
        assertMalformed("X-Sws-Date: expected one header but there is none", r -> r.headers.remove("X-Sws-Date"));
        assertMalformed("X-Sws-Date: expected a UTC time as yyyyMMdd'T'HHmmss'Z', such as 20261207T023604Z, but was"
                + " \"20261307T023604Z\"", r -> r.headers.put("X-Sws-Date", List.of("20261307T023604Z")));
        assertMalformed("X-Sws-Content-Sha256: expected one header but there are 2",
                r -> r.headers.put("X-Sws-Content-Sha256", List.of(RequestSigner.EMPTY_SHA256, RequestSigner.EMPTY_SHA256)));
        assertMalformed("X-Sws-Content-Sha256: expected 64 lowercase hex digits (the body's SHA-256) but was 9 characters",
                r -> r.headers.put("X-Sws-Content-Sha256", List.of("UNSIGNED!")));
        assertMalformed("request target: expected two hex digits after each '%' in the path but one is not",
                r -> r.target = "/agents/%zz");
        assertMalformed("request target: expected an origin-form target starting with '/'", r -> r.target = "*");
    }

    private void assertMalformed(String message, Consumer<Request> change) {
        Verdict verdict = verifyChanged(change);
        assertRefused(Failure.MALFORMED, message, verdict);
        assertFalse(message.contains("t0k3n"));
    }

    private static void edit(Request r, String name, Function<String, String> change) {
        r.headers.put(name, List.of(change.apply(r.header(name).get(0))));
    }

    private static Function<String, List<String>> signedWith(RequestSigner other) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        other.sign("POST", "/p", Map.of(), null).forEach((n, v) -> headers.put(n, List.of(v)));
        return name -> headers.getOrDefault(name, List.of());
    }

    @Test
    void isSignedLooksAtTheScheme() {
        assertTrue(SignatureVerifier.isSigned(n -> List.of("sws1-hmac-sha256 Credential=x")));
        assertTrue(SignatureVerifier.isSigned(n -> List.of("SWS1-HMAC-SHA256")));
        assertFalse(SignatureVerifier.isSigned(n -> List.of("SWS1-HMAC-SHA256X Credential=x")));
        assertFalse(SignatureVerifier.isSigned(n -> List.of("Bearer abc")));
        assertFalse(SignatureVerifier.isSigned(n -> List.of()));
    }

    /** Eight threads present the same signature at once, 200 times over: one wins each round. */
    @Test
    void concurrentReplaysOfOneSignatureYieldExactlyOneValid() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 200; round++) {
                clock.advance(Duration.ofSeconds(1)); // a new time, so a new signature
                Request r = signed();
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<Verdict>> verdicts = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    verdicts.add(pool.submit(() -> {
                        start.await();
                        return verify(r);
                    }));
                }
                int valid = 0;
                for (Future<Verdict> f : verdicts) {
                    Verdict v = f.get();
                    if (v instanceof Valid) {
                        valid++;
                    } else {
                        assertEquals(Failure.REPLAYED, ((Invalid) v).failure(), v.toString());
                    }
                }
                assertEquals(1, valid, "round " + round);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFullMemoryRefusesNewSignaturesUntilTheWindowFreesIt() {
        SignatureVerifier small = SignatureVerifier.builder().clock(clock).window(Duration.ofMinutes(1))
                .maxRemembered(3).build();
        for (int i = 0; i < 3; i++) {
            Request r = new Request();
            r.target = "/n/" + i;
            assertInstanceOf(Valid.class, small.verify(r.method, r.target, r.signedBy(signer)::header, SECRETS));
        }
        Request fourth = new Request();
        fourth.target = "/n/3";
        fourth.signedBy(signer);
        assertRefused(Failure.TOO_MANY_SIGNATURES, "too many signatures: expected fewer than 3 accepted within the"
                + " window but the limit is reached; try again later",
                small.verify(fourth.method, fourth.target, fourth::header, SECRETS));
        assertEquals(3, small.remembered());

        clock.advance(Duration.ofMinutes(1).plusSeconds(1)); // the three have expired
        Request fifth = new Request();
        fifth.target = "/n/4";
        fifth.signedBy(signer);
        assertInstanceOf(Valid.class, small.verify(fifth.method, fifth.target, fifth::header, SECRETS));
        assertEquals(1, small.remembered(), "the expired ones were dropped on the way");
    }

    @Test
    void theBuilderChecksItsValues() {
        assertEquals("window: PT0S is out of range [PT1S, PT168H]",
                assertThrows(IllegalArgumentException.class, () -> SignatureVerifier.builder().window(Duration.ZERO))
                        .getMessage());
        assertEquals("maxRemembered: 0 is not positive",
                assertThrows(IllegalArgumentException.class, () -> SignatureVerifier.builder().maxRemembered(0))
                        .getMessage());
        assertEquals("SignatureVerifier[window=PT5M, maxRemembered=100000]", SignatureVerifier.builder().build().toString());
    }
}
