package io.swaggersocket.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.mux.ConnectionConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code Expect: 100-continue} end to end (PROTOCOL.md section 5.4), for every transport. The
 * continue timeout is set far above the tests' bound, so a call that had to wait it out fails.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public interface ContinueConformance {

    ConnectedPair connect(ConnectionConfig config, HttpRequestHandler dialerHandler, HttpRequestHandler acceptorHandler)
            throws Exception;

    /** A body of {@code size} bytes that records whether anything asked for it. */
    final class WatchedBody extends AbstractHttpEntity {
        final AtomicBoolean written = new AtomicBoolean();
        private final int size;

        WatchedBody(int size) {
            super(ContentType.APPLICATION_OCTET_STREAM, null);
            this.size = size;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            written.set(true);
            out.write(new byte[size]);
        }

        @Override
        public java.io.InputStream getContent() {
            throw new UnsupportedOperationException();
        }

        @Override
        public long getContentLength() {
            return size;
        }

        @Override
        public boolean isRepeatable() {
            return false;
        }

        @Override
        public boolean isStreaming() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    private static ConnectionConfig slowFallback() {
        return ConnectionConfig.builder().continueTimeout(Duration.ofMinutes(5)).build();
    }

    @Test
    default void aHandlerThatAnswersWithoutReadingNeverGetsTheBodySent() throws Exception {
        HttpRequestHandler refuses = (request, response, context) -> {
            response.setCode(413);
            response.setEntity(new StringEntity("too large", ContentType.TEXT_PLAIN));
        };
        try (ConnectedPair pair = connect(slowFallback(), null, refuses)) {
            assertTrue(pair.dialer().supportsContinue());
            for (int size : new int[] {100, 4 * 1024 * 1024}) { // within the stream window and beyond it
                WatchedBody body = new WatchedBody(size);
                assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                    try (ClassicHttpResponse response = pair.dialer().execute(ClassicRequestBuilder.put("/big")
                            .addHeader("Expect", "100-continue").setEntity(body).build())) {
                        assertEquals(413, response.getCode());
                        assertEquals("too large", EntityUtils.toString(response.getEntity()));
                    }
                });
                assertFalse(body.written.get(), "the body of " + size + " bytes was asked for");
            }
            pair.dialer().shutdown();
            assertTrue(pair.dialer().awaitTermination(Duration.ofSeconds(30)), "every stream ended");
        }
    }

    @Test
    default void aHandlerThatReadsGetsTheBodyWithoutTheFallbackWait() throws Exception {
        HttpRequestHandler counts = (request, response, context) -> response.setEntity(new StringEntity(
                "read " + EntityUtils.toByteArray(request.getEntity()).length, ContentType.TEXT_PLAIN));
        try (ConnectedPair pair = connect(slowFallback(), null, counts)) {
            for (int size : new int[] {100, 4 * 1024 * 1024}) {
                assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                    try (ClassicHttpResponse response = pair.dialer().execute(ClassicRequestBuilder.put("/upload")
                            .addHeader("Expect", "100-continue").setEntity(new WatchedBody(size)).build())) {
                        assertEquals("read " + size, EntityUtils.toString(response.getEntity()));
                    }
                    assertEquals("read " + size, EntityUtils.toString(pair.dialer().executeAsync(
                            ClassicRequestBuilder.put("/upload").addHeader("Expect", "100-continue")
                                    .setEntity(new WatchedBody(size)).build()).get().getEntity()));
                });
            }
        }
    }
}
