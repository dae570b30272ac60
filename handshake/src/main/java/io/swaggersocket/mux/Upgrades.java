package io.swaggersocket.mux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpStatus;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;

/**
 * For request handlers: accepting an HTTP upgrade that came over a stream. A handler that gets a
 * request with {@code Upgrade} (only ever on a connection where both ends support upgrades: on
 * others the header is removed) may accept it:
 *
 * <pre>{@code
 * if (Upgrades.isRequested(request)) {
 *     Upgrades.accept(request, response, (in, out) -> in.transferTo(out)); // an echo
 * }
 * }</pre>
 *
 * The {@code 101} goes out when the handler returns; then the session runs on the handler's
 * thread, reading the caller's bytes from {@code in} and writing its own to {@code out} (flush
 * after each message: bytes wait until a frame is full otherwise). When the session returns, our
 * side ends (END_STREAM), and bytes of the caller's not read are dropped (the caller is told to
 * stop with RESET NO_ERROR). Any other answer is an ordinary response.
 */
public final class Upgrades {

    /** Our side of an upgraded stream. */
    @FunctionalInterface
    public interface Session {
        /**
         * Runs the upgraded protocol; returning ends our side.
         *
         * @param in the caller's bytes; -1 once the caller ended its side
         * @param out our bytes to the caller
         */
        void run(InputStream in, OutputStream out) throws IOException;
    }

    private Upgrades() {
    }

    /**
     * True if {@code request} asks to upgrade: it has an {@code Upgrade} header and no body framing
     * ({@code Content-Length} or {@code Transfer-Encoding}), as an upgrade over a stream has.
     */
    public static boolean isRequested(HttpRequest request) {
        return request.containsHeader(HttpHeaders.UPGRADE) && !request.containsHeader(HttpHeaders.CONTENT_LENGTH)
                && !request.containsHeader(HttpHeaders.TRANSFER_ENCODING);
    }

    /**
     * Answers {@code request} with {@code 101 Switching Protocols} and runs {@code session} once the
     * head is sent. The response's {@code Upgrade} header is the request's unless the handler set
     * one; other headers the handler set (such as {@code Sec-WebSocket-Accept}) go with it.
     *
     * @throws IllegalArgumentException if {@code request} asks for no upgrade
     */
    public static void accept(ClassicHttpRequest request, ClassicHttpResponse response, Session session) {
        Objects.requireNonNull(session, "session");
        Header asked = request.getFirstHeader(HttpHeaders.UPGRADE);
        if (asked == null || !isRequested(request)) {
            throw new IllegalArgumentException("request: expected an upgrade request (Upgrade, no body) but was none");
        }
        response.setCode(HttpStatus.SC_SWITCHING_PROTOCOLS);
        response.setReasonPhrase(null);
        if (!response.containsHeader(HttpHeaders.UPGRADE)) {
            response.setHeader(HttpHeaders.UPGRADE, asked.getValue());
        }
        response.setEntity(new SessionEntity(request.getEntity(), session));
    }

    /** The 101's "body": the session, run when the response is written. */
    private static final class SessionEntity extends AbstractHttpEntity {
        private final HttpEntity callerBytes;
        private final Session session;

        SessionEntity(HttpEntity callerBytes, Session session) {
            super((String) null, null);
            this.callerBytes = callerBytes;
            this.session = session;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            try (InputStream in = callerBytes == null ? InputStream.nullInputStream() : callerBytes.getContent()) {
                session.run(in, out);
            }
        }

        @Override
        public InputStream getContent() {
            throw new UnsupportedOperationException("an upgrade session is run, not read");
        }

        @Override
        public long getContentLength() {
            return -1;
        }

        @Override
        public boolean isStreaming() {
            return true;
        }

        @Override
        public boolean isRepeatable() {
            return false;
        }

        @Override
        public void close() {
            // the session's streams are closed when it ends
        }
    }
}
