package io.swaggersocket.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.swaggersocket.testing.FuzzBudget;
import io.swaggersocket.testing.Mutations;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpMessage;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;

/**
 * Fuzzes the reading of HTTP message heads in {@link HttpHeads}: a head from the peer is read as a
 * message or rejected with the {@link IOException} or {@link HttpException} its callers turn into a
 * stream reset; never another exception, which would escape the connection's read loop. A declared
 * body length is read or rejected with {@link HttpException}. Heads this side writes read back as
 * written. Inputs are at most a few KiB against head limits of 1 and 4 KiB.
 */
@AddLifecycleHook(FuzzBudget.class)
class HttpHeadsFuzzTest {
    private static final int MAX_INPUT = 6 * 1024;
    private static final Set<String> REWRITTEN = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "upgrade", "te", "trailer", "content-length");

    @Property
    void requestHeadsRoundTrip(@ForAll("requests") ClassicHttpRequest request,
            @ForAll("bodyLengths") long bodyLength) throws Exception {
        byte[] head = HttpHeads.writeRequest(request, bodyLength);
        ClassicHttpRequest read = HttpHeads.readRequest(head, 64 * 1024);
        assertEquals(request.getMethod(), read.getMethod());
        assertEquals(request.getPath(), read.getPath());
        assertEquals(kept(request), kept(read));
        assertEquals(bodyLength >= 0 ? bodyLength : HttpHeads.UNKNOWN_LENGTH, HttpHeads.declaredLength(read));
        assertEquals(bodyLength == HttpHeads.UNKNOWN_LENGTH, read.containsHeader(HttpHeaders.TRANSFER_ENCODING));
    }

    @Property
    void responseHeadsRoundTrip(@ForAll("responses") ClassicHttpResponse response,
            @ForAll("requestMethods") String requestMethod) throws Exception {
        byte[] head = HttpHeads.writeResponse(response, requestMethod);
        ClassicHttpResponse read = HttpHeads.readResponse(head, 64 * 1024);
        assertEquals(response.getCode(), read.getCode());
        assertEquals(response.getReasonPhrase(), read.getReasonPhrase());
        assertEquals(kept(response), kept(read));
        long wire = HttpHeads.responseBodyLength(response, requestMethod);
        if (wire >= 0) {
            assertEquals(wire, HttpHeads.declaredLength(read));
        }
    }

    @Property
    void randomBytesAreReadOrRejected(@ForAll("noise") byte[] head, @ForAll("limits") int maxHeaderSize) {
        readsOrRejects(head, maxHeaderSize);
    }

    @Property
    void mutatedHeadsAreReadOrRejected(@ForAll("validHeads") byte[] valid, @ForAll("limits") int maxHeaderSize,
            @ForAll("randoms") Random random) {
        readsOrRejects(new Mutations(random).mutate(valid, MAX_INPUT), maxHeaderSize);
    }

    /** The property every input must have, read as a request head and as a response head. */
    private static void readsOrRejects(byte[] head, int maxHeaderSize) {
        try {
            lengthReadOrRejected(HttpHeads.readRequest(head, maxHeaderSize));
        } catch (IOException | HttpException e) {
            // a malformed head: the stream is reset, the connection goes on
        }
        try {
            lengthReadOrRejected(HttpHeads.readResponse(head, maxHeaderSize));
        } catch (IOException | HttpException e) {
            // as above
        }
    }

    private static void lengthReadOrRejected(HttpMessage message) {
        try {
            HttpHeads.declaredLength(message);
        } catch (HttpException e) {
            // an invalid Content-Length: the stream is reset
        }
    }

    /** The header fields a head keeps as they are: all but the ones that describe one hop or the body. */
    private static List<String> kept(HttpMessage message) {
        List<String> out = new ArrayList<>();
        for (Header h : message.getHeaders()) {
            if (!REWRITTEN.contains(h.getName().toLowerCase(Locale.ROOT))) {
                out.add(h.getName() + ": " + h.getValue());
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- generators

    @Provide
    Arbitrary<Random> randoms() {
        return Arbitraries.randoms();
    }

    @Provide
    Arbitrary<Integer> limits() {
        return Arbitraries.of(1024, 4096);
    }

    @Provide
    Arbitrary<Long> bodyLengths() {
        return Arbitraries.oneOf(Arbitraries.of(HttpHeads.NO_BODY, HttpHeads.UNKNOWN_LENGTH, 0L, Long.MAX_VALUE),
                Arbitraries.longs().between(0, Long.MAX_VALUE));
    }

    @Provide
    Arbitrary<String> requestMethods() {
        return Arbitraries.of("GET", "HEAD", "POST");
    }

    private static Arbitrary<String> tokens() {
        return Arbitraries.strings().withChars("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
                .ofMinLength(1).ofMaxLength(16);
    }

    /** Field values: visible ASCII and Latin-1 with inner spaces and tabs, no edge whitespace. */
    private static Arbitrary<String> fieldValues() {
        Arbitrary<Character> visible = Arbitraries.oneOf(Arbitraries.chars().range('!', '~'),
                Arbitraries.chars().range('\u00a0', '\u00ff'));
        Arbitrary<Character> any = Arbitraries.oneOf(visible, Arbitraries.of(' ', '\t'));
        return Combinators.combine(visible, any.list().ofMaxSize(40), visible)
                .as((first, middle, last) -> {
                    StringBuilder sb = new StringBuilder().append(first);
                    middle.forEach(sb::append);
                    return sb.append(last).toString();
                });
    }

    private static Arbitrary<List<Header>> headers() {
        Arbitrary<String> names = Arbitraries.oneOf(tokens(), Arbitraries.of("Host", "Content-Type", "Connection",
                "Transfer-Encoding", "Content-Length", "TE", "Upgrade", "Keep-Alive", "Accept"));
        return Combinators.combine(names, fieldValues())
                .as((name, value) -> (Header) new org.apache.hc.core5.http.message.BasicHeader(name, value))
                .list().ofMaxSize(8);
    }

    private static Arbitrary<String> paths() {
        Arbitrary<String> segment = Arbitraries.strings()
                .withChars("abcXYZ019-._~!$&'()*+,;=:@%").ofMaxLength(10);
        Arbitrary<String> query = Arbitraries.strings().withChars("abc019-._~!$&'()*+,;=:@/?%").ofMaxLength(12)
                .map(q -> "?" + q);
        return Combinators.combine(segment.list().ofMinSize(1).ofMaxSize(4), query.optional())
                .as((segments, q) -> "/" + String.join("/", segments) + q.orElse(""));
    }

    @Provide
    Arbitrary<ClassicHttpRequest> requests() {
        Arbitrary<String> methods = Arbitraries.oneOf(Arbitraries.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD",
                "OPTIONS"), tokens());
        return Combinators.combine(methods, paths(), headers()).as((method, path, headers) -> {
            BasicClassicHttpRequest request = new BasicClassicHttpRequest(method, "/");
            request.setPath(path);
            headers.forEach(request::addHeader);
            return request;
        });
    }

    @Provide
    Arbitrary<ClassicHttpResponse> responses() {
        Arbitrary<String> reasons = Arbitraries.oneOf(Arbitraries.of("OK", "Not Found"),
                Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(20));
        Arbitrary<HttpEntity> entities = Arbitraries.oneOf(Arbitraries.just(null),
                Arbitraries.integers().between(0, 100).map(n -> new ByteArrayEntity(new byte[n], null)),
                Arbitraries.just(new InputStreamEntity(InputStream.nullInputStream(), -1, null)));
        return Combinators.combine(Arbitraries.integers().between(100, 599), reasons, headers(), entities)
                .as((code, reason, headers, entity) -> {
                    BasicClassicHttpResponse response = new BasicClassicHttpResponse(code, reason);
                    headers.forEach(response::addHeader);
                    response.setEntity(entity);
                    return response;
                });
    }

    @Provide
    Arbitrary<byte[]> noise() {
        Arbitrary<byte[]> any = Arbitraries.bytes().array(byte[].class).ofMaxSize(MAX_INPUT);
        Arbitrary<byte[]> textual = Arbitraries.strings().withChars("GETPOSTHP/1.0 \r\n:;,/?#%*\t-content-length0123456789")
                .ofMaxLength(400).map(s -> s.getBytes(StandardCharsets.ISO_8859_1));
        return Arbitraries.oneOf(any, textual);
    }

    /** Heads this side writes, and heads of shapes a peer may send that this side never writes. */
    @Provide
    Arbitrary<byte[]> validHeads() {
        Arbitrary<byte[]> written = Arbitraries.oneOf(
                Combinators.combine(requests(), bodyLengths()).as(HttpHeadsFuzzTest::writeRequest),
                Combinators.combine(responses(), requestMethods()).as(HttpHeadsFuzzTest::writeResponse));
        Arbitrary<byte[]> foreign = Arbitraries.of(
                "GET http://example.com:8080/a?b HTTP/1.1\r\nHost: example.com\r\n\r\n",
                "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
                "OPTIONS * HTTP/1.1\r\n\r\n",
                "GET //a/b HTTP/1.0\r\nX-Folded: one\r\n two\r\n\r\n",
                "POST /p HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 12345678901234567890\r\n\r\n",
                "HTTP/1.0 404\r\nX: \u00ff\u00fe\r\n\r\n",
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
                "GET /\u00e9? HTTP/1.1\r\nHost: [::1]:80\r\n\r\n")
                .map(s -> s.getBytes(StandardCharsets.ISO_8859_1));
        return Arbitraries.oneOf(written, foreign);
    }

    private static byte[] writeRequest(ClassicHttpRequest request, long bodyLength) {
        try {
            return HttpHeads.writeRequest(request, bodyLength);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] writeResponse(ClassicHttpResponse response, String requestMethod) {
        try {
            return HttpHeads.writeResponse(response, requestMethod);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
