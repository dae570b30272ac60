package io.swaggersocket.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.swaggersocket.testing.Fuzz;
import io.swaggersocket.testing.Mutations;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
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
import org.apache.hc.core5.http.message.BasicHeader;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the reading of HTTP message heads in {@link HttpHeads}: a head from the peer is read as a
 * message or rejected with the {@link IOException} or {@link HttpException} its callers turn into a
 * stream reset; never another exception, which would escape the connection's read loop. A declared
 * body length is read or rejected with {@link HttpException}. Heads this side writes read back as
 * written. Inputs are at most a few KiB against head limits of 1 and 4 KiB. Each property runs
 * {@code fuzz.tries} seeded inputs through {@link Fuzz} (docs/FUZZING.md).
 */
class HttpHeadsFuzzTest {
    private static final int MAX_INPUT = 6 * 1024;
    private static final Set<String> REWRITTEN = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "upgrade", "te", "trailer", "content-length");

    @Test
    void requestHeadsRoundTrip() {
        Fuzz.check(HttpHeadsFuzzTest::requestCase, c -> {
            ClassicHttpRequest request = c.request();
            long bodyLength = c.bodyLength();
            byte[] head = HttpHeads.writeRequest(request, bodyLength);
            ClassicHttpRequest read = HttpHeads.readRequest(head, 64 * 1024);
            assertEquals(request.getMethod(), read.getMethod());
            assertEquals(request.getPath(), read.getPath());
            assertEquals(kept(request), kept(read));
            assertEquals(bodyLength >= 0 ? bodyLength : HttpHeads.UNKNOWN_LENGTH, HttpHeads.declaredLength(read));
            assertEquals(bodyLength == HttpHeads.UNKNOWN_LENGTH, read.containsHeader(HttpHeaders.TRANSFER_ENCODING));
        });
    }

    @Test
    void responseHeadsRoundTrip() {
        Fuzz.check(HttpHeadsFuzzTest::responseCase, c -> {
            ClassicHttpResponse response = c.response();
            String requestMethod = c.requestMethod();
            byte[] head = HttpHeads.writeResponse(response, requestMethod);
            ClassicHttpResponse read = HttpHeads.readResponse(head, 64 * 1024);
            assertEquals(response.getCode(), read.getCode());
            assertEquals(response.getReasonPhrase(), read.getReasonPhrase());
            assertEquals(kept(response), kept(read));
            long wire = HttpHeads.responseBodyLength(response, requestMethod);
            if (wire >= 0) {
                assertEquals(wire, HttpHeads.declaredLength(read));
            }
        });
    }

    /** Bytes read as a head under a limit. */
    record Input(byte[] head, int maxHeaderSize) {
    }

    @Test
    void randomBytesAreReadOrRejected() {
        Fuzz.check(random -> new Input(noise(random), limit(random)),
                input -> readsOrRejects(input.head(), input.maxHeaderSize()));
    }

    /** A valid head and the bytes it became, read under a limit. */
    record Mutated(byte[] valid, byte[] head, int maxHeaderSize) {
    }

    @Test
    void mutatedHeadsAreReadOrRejected() {
        Fuzz.check(random -> {
            byte[] valid = validHead(random);
            int limit = limit(random);
            return new Mutated(valid, new Mutations(random).mutate(valid, MAX_INPUT), limit);
        }, input -> readsOrRejects(input.head(), input.maxHeaderSize()));
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

    private static int limit(SplittableRandom random) {
        return Fuzz.pick(random, 1024, 4096);
    }

    private static long bodyLength(SplittableRandom random) {
        return random.nextBoolean()
                ? Fuzz.pick(random, HttpHeads.NO_BODY, HttpHeads.UNKNOWN_LENGTH, 0L, Long.MAX_VALUE)
                : Fuzz.between(random, 0L, Long.MAX_VALUE);
    }

    private static String requestMethod(SplittableRandom random) {
        return Fuzz.pick(random, "GET", "HEAD", "POST");
    }

    private static String token(SplittableRandom random) {
        return Fuzz.string(random, "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 1, 16);
    }

    /** Field values: visible ASCII and Latin-1 with inner spaces and tabs, no edge whitespace. */
    private static String fieldValue(SplittableRandom random) {
        StringBuilder sb = new StringBuilder().append(visible(random));
        for (int i = Fuzz.size(random, 0, 40); i > 0; i--) {
            sb.append(random.nextBoolean() ? visible(random) : random.nextBoolean() ? ' ' : '\t');
        }
        return sb.append(visible(random)).toString();
    }

    private static char visible(SplittableRandom random) {
        return random.nextBoolean() ? (char) random.nextInt('!', '~' + 1) : (char) random.nextInt('\u00a0', '\u00ff' + 1);
    }

    private static List<Header> headers(SplittableRandom random) {
        return Fuzz.list(random, 0, 8, r -> new BasicHeader(r.nextBoolean() ? token(r)
                : Fuzz.pick(r, "Host", "Content-Type", "Connection", "Transfer-Encoding", "Content-Length", "TE",
                        "Upgrade", "Keep-Alive", "Accept"), fieldValue(r)));
    }

    private static String path(SplittableRandom random) {
        List<String> segments = Fuzz.list(random, 1, 4, r -> Fuzz.string(r, "abcXYZ019-._~!$&'()*+,;=:@%", 0, 10));
        String query = random.nextBoolean() ? "" : "?" + Fuzz.string(random, "abc019-._~!$&'()*+,;=:@/?%", 0, 12);
        return "/" + String.join("/", segments) + query;
    }

    /** A request this side writes, and the body length it declares. */
    record RequestCase(String method, String path, List<Header> headers, long bodyLength) {
        ClassicHttpRequest request() {
            BasicClassicHttpRequest request = new BasicClassicHttpRequest(method, "/");
            request.setPath(path);
            headers.forEach(request::addHeader);
            return request;
        }
    }

    static RequestCase requestCase(SplittableRandom random) {
        String method = random.nextBoolean()
                ? Fuzz.pick(random, "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS") : token(random);
        return new RequestCase(method, path(random), headers(random), bodyLength(random));
    }

    /**
     * A response this side writes, to a request with {@code requestMethod}; {@code entity} is
     * {@code -2} for none, {@code -1} for a stream of unknown length, else a body of that many bytes.
     */
    record ResponseCase(int code, String reason, List<Header> headers, int entity, String requestMethod) {
        ClassicHttpResponse response() {
            BasicClassicHttpResponse response = new BasicClassicHttpResponse(code, reason);
            headers.forEach(response::addHeader);
            HttpEntity body = switch (entity) {
                case -2 -> null;
                case -1 -> new InputStreamEntity(InputStream.nullInputStream(), -1, null);
                default -> new ByteArrayEntity(new byte[entity], null);
            };
            response.setEntity(body);
            return response;
        }
    }

    static ResponseCase responseCase(SplittableRandom random) {
        String reason = random.nextBoolean() ? Fuzz.pick(random, "OK", "Not Found") : Fuzz.string(random,
                "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~", 1, 20);
        int entity = switch (random.nextInt(3)) {
            case 0 -> -2;
            case 1 -> Fuzz.between(random, 0, 100);
            default -> -1;
        };
        return new ResponseCase(Fuzz.between(random, 100, 599), reason, headers(random), entity, requestMethod(random));
    }

    /** Any bytes, or text made of the characters of heads. */
    static byte[] noise(SplittableRandom random) {
        return random.nextBoolean() ? Fuzz.bytes(random, 0, MAX_INPUT)
                : Fuzz.string(random, "GETPOSTHP/1.0 \r\n:;,/?#%*\t-content-length0123456789", 0, 400)
                        .getBytes(StandardCharsets.ISO_8859_1);
    }

    private static final List<String> FOREIGN = List.of(
            "GET http://example.com:8080/a?b HTTP/1.1\r\nHost: example.com\r\n\r\n",
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\n\r\n",
            "GET //a/b HTTP/1.0\r\nX-Folded: one\r\n two\r\n\r\n",
            "POST /p HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 12345678901234567890\r\n\r\n",
            "HTTP/1.0 404\r\nX: \u00ff\u00fe\r\n\r\n",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
            "GET /\u00e9? HTTP/1.1\r\nHost: [::1]:80\r\n\r\n");

    /** Heads this side writes, and heads of shapes a peer may send that this side never writes. */
    static byte[] validHead(SplittableRandom random) {
        if (random.nextBoolean()) {
            return FOREIGN.get(random.nextInt(FOREIGN.size())).getBytes(StandardCharsets.ISO_8859_1);
        }
        if (random.nextBoolean()) {
            RequestCase c = requestCase(random);
            return writeRequest(c.request(), c.bodyLength());
        }
        ResponseCase c = responseCase(random);
        return writeResponse(c.response(), c.requestMethod());
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
