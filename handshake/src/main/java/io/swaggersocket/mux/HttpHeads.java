package io.swaggersocket.mux;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpMessage;
import org.apache.hc.core5.http.HttpRequestFactory;
import org.apache.hc.core5.http.MethodNotSupportedException;
import org.apache.hc.core5.http.HttpStatus;
import org.apache.hc.core5.http.Method;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.io.DefaultClassicHttpRequestFactory;
import org.apache.hc.core5.http.impl.io.DefaultHttpRequestParser;
import org.apache.hc.core5.http.impl.io.DefaultHttpRequestWriter;
import org.apache.hc.core5.http.impl.io.DefaultHttpResponseParser;
import org.apache.hc.core5.http.impl.io.DefaultHttpResponseWriter;
import org.apache.hc.core5.http.impl.io.SessionInputBufferImpl;
import org.apache.hc.core5.http.impl.io.SessionOutputBufferImpl;
import org.apache.hc.core5.http.io.HttpMessageWriter;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;

/**
 * HTTP/1.1 message heads in their wire form, written and read by httpcore5. The body is framed
 * by DATA frames and END_STREAM, so on the way out hop-by-hop headers are dropped and the body
 * length is stated afresh: {@code Content-Length} when known, {@code Transfer-Encoding: chunked}
 * (informational only: DATA carries raw bytes) when not.
 */
final class HttpHeads {
    /** Headers that describe one HTTP/1.1 hop, meaningless inside a stream. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "upgrade", "te", "trailer", "content-length");

    /**
     * Takes a request target that starts with '/' as a path, as RFC 9112 reads origin-form: the
     * default factory parses it as a URI, so {@code //a/b} would lose {@code a} to the authority.
     */
    private static final HttpRequestFactory<ClassicHttpRequest> ORIGIN_FORM = new HttpRequestFactory<>() {
        @Override
        public ClassicHttpRequest newHttpRequest(String method, String uri) throws MethodNotSupportedException {
            if (uri.startsWith("/")) {
                BasicClassicHttpRequest request = new BasicClassicHttpRequest(method, "/");
                request.setPath(uri);
                return request;
            }
            return DefaultClassicHttpRequestFactory.INSTANCE.newHttpRequest(method, uri);
        }

        @Override
        public ClassicHttpRequest newHttpRequest(String method, java.net.URI uri) {
            return DefaultClassicHttpRequestFactory.INSTANCE.newHttpRequest(method, uri);
        }
    };

    private HttpHeads() {
    }

    /** A message's declared body: none, of unknown length, or of a known length. */
    static final long NO_BODY = -2;
    static final long UNKNOWN_LENGTH = -1;

    /** The head of a {@code 100 Continue}, the same for every stream. */
    static final byte[] CONTINUE_HEAD = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** True if the request carries {@code Expect: 100-continue} (RFC 9110 section 10.1.1). */
    static boolean expectsContinue(HttpMessage request) {
        org.apache.hc.core5.http.Header expect = request.getFirstHeader(HttpHeaders.EXPECT);
        return expect != null && "100-continue".equalsIgnoreCase(expect.getValue().trim());
    }

    static long requestBodyLength(ClassicHttpRequest request) {
        HttpEntity entity = request.getEntity();
        if (entity == null) {
            return NO_BODY;
        }
        long length = entity.getContentLength();
        return length < 0 ? UNKNOWN_LENGTH : length;
    }

    /** The body the response sends on the wire, given the request method it answers. */
    static long responseBodyLength(ClassicHttpResponse response, String requestMethod) {
        int status = response.getCode();
        if (Method.HEAD.isSame(requestMethod) || status == HttpStatus.SC_NO_CONTENT
                || status == HttpStatus.SC_NOT_MODIFIED || status < HttpStatus.SC_OK) {
            return NO_BODY;
        }
        HttpEntity entity = response.getEntity();
        if (entity == null) {
            return NO_BODY;
        }
        long length = entity.getContentLength();
        return length < 0 ? UNKNOWN_LENGTH : length;
    }

    static byte[] writeRequest(ClassicHttpRequest request, long bodyLength) throws IOException {
        return writeRequest(request, bodyLength, false);
    }

    /** With {@code upgrade}, the request's {@code Upgrade} header and {@code Connection: Upgrade} are kept. */
    static byte[] writeRequest(ClassicHttpRequest request, long bodyLength, boolean upgrade) throws IOException {
        BasicClassicHttpRequest copy = new BasicClassicHttpRequest(request.getMethod(), "/");
        copy.setPath(request.getRequestUri()); // as a path: a target "//a/b" is not an authority
        copyHeaders(request, copy);
        if (upgrade) {
            keepUpgrade(request, copy);
        }
        if (!copy.containsHeader(HttpHeaders.HOST) && request.getAuthority() != null) {
            copy.setHeader(HttpHeaders.HOST, request.getAuthority().toString());
        }
        describeBody(copy, request.getEntity(), bodyLength, false);
        try {
            return write(copy, new DefaultHttpRequestWriter());
        } catch (HttpException e) {
            throw new IllegalArgumentException("request head cannot be written: " + e.getMessage(), e);
        }
    }

    static byte[] writeResponse(ClassicHttpResponse response, String requestMethod) throws IOException {
        BasicClassicHttpResponse copy = new BasicClassicHttpResponse(response.getCode(), response.getReasonPhrase());
        copyHeaders(response, copy);
        if (response.getCode() == HttpStatus.SC_SWITCHING_PROTOCOLS) {
            keepUpgrade(response, copy);
        }
        HttpEntity entity = response.getEntity();
        long wireLength = responseBodyLength(response, requestMethod);
        if (wireLength == NO_BODY && Method.HEAD.isSame(requestMethod) && entity != null) {
            describeBody(copy, entity, entity.getContentLength() < 0 ? UNKNOWN_LENGTH : entity.getContentLength(), true);
        } else {
            int status = response.getCode();
            boolean mayHaveBody = status >= 200 && status != HttpStatus.SC_NO_CONTENT && status != HttpStatus.SC_NOT_MODIFIED;
            describeBody(copy, entity, wireLength, mayHaveBody);
        }
        try {
            return write(copy, new DefaultHttpResponseWriter());
        } catch (HttpException e) {
            throw new IllegalArgumentException("response head cannot be written: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a request head that came from the peer.
     *
     * @throws HttpException if the head is not a valid HTTP/1.1 request head, or is over
     *     {@code maxHeaderSize}: the stream is reset with PROTOCOL_ERROR, the connection goes on
     * @throws IOException if the head cannot be read as a whole (a line over the limit, too many fields)
     */
    static ClassicHttpRequest readRequest(byte[] head, int maxHeaderSize) throws IOException, HttpException {
        if (head.length == 0) {
            throw new HttpException("expected a request head but it was empty");
        }
        SessionInputBufferImpl buffer = new SessionInputBufferImpl(Math.min(head.length, 8192), maxHeaderSize);
        ClassicHttpRequest request;
        try {
            request = new DefaultHttpRequestParser(http1(maxHeaderSize), null, ORIGIN_FORM)
                    .parse(buffer, new ByteArrayInputStream(head));
        } catch (RuntimeException e) {
            throw malformed(e);
        }
        if (request == null) {
            throw new HttpException("empty request head");
        }
        return request;
    }

    /**
     * Reads a response head that came from the peer.
     *
     * @throws HttpException if the head is not a valid HTTP/1.1 response head, or is over
     *     {@code maxHeaderSize}: the stream is failed with PROTOCOL_ERROR, the connection goes on
     * @throws IOException if the head cannot be read as a whole (a line over the limit, too many fields)
     */
    static ClassicHttpResponse readResponse(byte[] head, int maxHeaderSize) throws IOException, HttpException {
        if (head.length == 0) {
            throw new HttpException("expected a response head but it was empty");
        }
        SessionInputBufferImpl buffer = new SessionInputBufferImpl(Math.min(head.length, 8192), maxHeaderSize);
        ClassicHttpResponse response;
        try {
            response = new DefaultHttpResponseParser(http1(maxHeaderSize))
                    .parse(buffer, new ByteArrayInputStream(head));
        } catch (RuntimeException e) {
            throw malformed(e);
        }
        if (response == null) {
            throw new HttpException("empty response head");
        }
        return response;
    }

    /**
     * httpcore5's parsers check some fields with unchecked exceptions (a version {@code HTTP/1.-1}
     * fails {@code Args.notNegative}); the peer's bytes must fail a stream, never escape the read loop.
     */
    private static ProtocolException malformed(RuntimeException e) {
        return new ProtocolException(e.getMessage(), e);
    }

    /** The declared body length of a received head: a Content-Length, or {@link #UNKNOWN_LENGTH}. */
    static long declaredLength(HttpMessage message) throws HttpException {
        Header header = message.getFirstHeader(HttpHeaders.CONTENT_LENGTH);
        if (header == null) {
            return UNKNOWN_LENGTH;
        }
        try {
            long length = Long.parseLong(header.getValue().trim());
            if (length < 0) {
                throw new NumberFormatException();
            }
            return length;
        } catch (NumberFormatException e) {
            throw new HttpException("invalid Content-Length: " + header.getValue());
        }
    }

    private static Http1Config http1(int maxHeaderSize) {
        return Http1Config.custom().setMaxLineLength(maxHeaderSize).setMaxHeaderCount(maxHeaderSize / 4).build();
    }

    private static void copyHeaders(HttpMessage from, HttpMessage to) {
        for (Header h : from.getHeaders()) {
            if (!HOP_BY_HOP.contains(h.getName().toLowerCase(Locale.ROOT))) {
                to.addHeader(h);
            }
        }
    }

    /** The hop-by-hop headers an upgrade needs on the wire: the message's Upgrade, and Connection naming it. */
    private static void keepUpgrade(HttpMessage from, HttpMessage to) {
        for (Header h : from.getHeaders(HttpHeaders.UPGRADE)) {
            to.addHeader(h);
        }
        to.setHeader(HttpHeaders.CONNECTION, "Upgrade");
    }

    private static void describeBody(HttpMessage message, HttpEntity entity, long length, boolean mayHaveBody) {
        if (length >= 0) {
            message.setHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(length));
        } else if (length == UNKNOWN_LENGTH) {
            message.setHeader(HttpHeaders.TRANSFER_ENCODING, "chunked");
        } else if (mayHaveBody) {
            message.setHeader(HttpHeaders.CONTENT_LENGTH, "0");
        }
        if (entity != null) {
            if (entity.getContentType() != null && !message.containsHeader(HttpHeaders.CONTENT_TYPE)) {
                message.setHeader(HttpHeaders.CONTENT_TYPE, entity.getContentType());
            }
            if (entity.getContentEncoding() != null && !message.containsHeader(HttpHeaders.CONTENT_ENCODING)) {
                message.setHeader(HttpHeaders.CONTENT_ENCODING, entity.getContentEncoding());
            }
        }
    }

    private static <T extends HttpMessage> byte[] write(T message, HttpMessageWriter<T> writer)
            throws IOException, HttpException {
        SessionOutputBufferImpl buffer = new SessionOutputBufferImpl(1024);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        writer.write(message, buffer, out);
        buffer.flush(out);
        return out.toByteArray();
    }
}
