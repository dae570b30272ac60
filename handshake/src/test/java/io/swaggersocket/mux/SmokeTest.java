package io.swaggersocket.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.swaggersocket.testing.MemoryPipe;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class SmokeTest {
    @Test
    void echo() throws Exception {
        MemoryPipe pipe = new MemoryPipe();
        var acc = SocketConnection.accept(pipe.b(), "c1", null, ConnectionConfig.defaults(), (req, resp, ctx) -> {
            String body = req.getEntity() == null ? "" : EntityUtils.toString(req.getEntity());
            resp.setEntity(new StringEntity("echo " + req.getPath() + " " + body, ContentType.TEXT_PLAIN));
        });
        var dial = SocketConnection.dial(pipe.a(), null, ConnectionConfig.defaults(), null);
        SocketConnection client = dial.get(5, TimeUnit.SECONDS);
        SocketConnection server = acc.get(5, TimeUnit.SECONDS);
        try (ClassicHttpResponse r = client.execute(ClassicRequestBuilder.post("/x?y=1").setEntity("hi").build())) {
            assertEquals(200, r.getCode());
            assertEquals("echo /x?y=1 hi", EntityUtils.toString(r.getEntity()));
        }
        try (ClassicHttpResponse r = server.execute(ClassicRequestBuilder.get("/back").build(), Duration.ofSeconds(5))) {
            assertEquals(503, r.getCode());
        }
    }
}
