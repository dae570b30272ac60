package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.junit.jupiter.api.Test;

/** The agent's routing among its forwards, in memory: each route answers with what it was given. */
class ForwardRouterTest {
    private final Map<String, String> seenPrefix = new ConcurrentHashMap<>();

    private ForwardRouter router(String... specs) throws UsageException {
        List<ForwardRouter.Forward> forwards = new java.util.ArrayList<>();
        for (String spec : specs) {
            forwards.add(ForwardRouter.Forward.parse(spec));
        }
        return new ForwardRouter(forwards, f -> (request, response, context) -> {
            var prefix = request.getFirstHeader(ForwardRouter.FORWARDED_PREFIX);
            seenPrefix.put(f.shown(), prefix == null ? "" : prefix.getValue());
            response.setCode(request.getPath().equals("/redirect") ? 302 : 200);
            if (request.getPath().equals("/redirect")) {
                response.setHeader("Location", "/login");
            }
            response.setEntity(new StringEntity(f.shown() + " " + request.getPath()));
        });
    }

    private static ClassicHttpResponse call(ForwardRouter router, String path) throws Exception {
        BasicClassicHttpRequest request = new BasicClassicHttpRequest("GET", path);
        request.setHeader(ForwardRouter.FORWARDED_PREFIX, "/agents/a1");
        ClassicHttpResponse response = new BasicClassicHttpResponse(200);
        router.handle(request, response, null);
        return response;
    }

    private static String body(ClassicHttpResponse response) throws Exception {
        return EntityUtils.toString(response.getEntity());
    }

    @Test
    void theLongestWholeSegmentPrefixWinsAndIsTakenOff() throws Exception {
        ForwardRouter router = router("http://127.0.0.1:1", "/api=http://127.0.0.1:2", "/api/v2=http://127.0.0.1:3");
        assertEquals("/api /pets?limit=5", body(call(router, "/api/pets?limit=5")));
        assertEquals("/api/v2 /pets", body(call(router, "/api/v2/pets")));
        assertEquals("/api /", body(call(router, "/api")));
        assertEquals("/api /?q=1", body(call(router, "/api?q=1")));
        assertEquals("/ /apiary", body(call(router, "/apiary")), "/api is no prefix of /apiary");
        assertEquals("/ /", body(call(router, "/")));
        call(router, "/api/v2/x");
        assertEquals("/agents/a1/api/v2", seenPrefix.get("/api/v2"), "the prefix the caller sees, for the upstream");
    }

    @Test
    void aPathNoForwardServesGets404WithAJsonError() throws Exception {
        ForwardRouter router = router("/api=http://127.0.0.1:2", "/ui/=http://127.0.0.1:3");
        ClassicHttpResponse response = call(router, "/other/\"x\"");
        assertEquals(404, response.getCode());
        assertEquals("application/json; charset=UTF-8", response.getEntity().getContentType());
        assertEquals("{\"error\":\"no --forward of this agent serves /other/\\\"x\\\"\",\"forwards\":[\"/api\",\"/ui\"]}",
                body(response));
    }

    @Test
    void aRedirectToAnUpstreamPathStaysUnderItsBasePath() throws Exception {
        ClassicHttpResponse response = call(router("/api=http://127.0.0.1:2"), "/api/redirect");
        assertEquals("/api/login", response.getFirstHeader("Location").getValue());
    }

    @Test
    void badForwardsAreRefusedNamingWhatIsWrong() {
        assertEquals("--forward: expected PATH=URL or URL but was \"/api\"",
                assertThrows(UsageException.class, () -> ForwardRouter.Forward.parse("/api")).getMessage());
        assertTrue(assertThrows(UsageException.class, () -> ForwardRouter.Forward.parse("/a/../b=http://127.0.0.1:1"))
                .getMessage().startsWith("--forward: expected a plain base path"));
        assertTrue(assertThrows(UsageException.class, () -> ForwardRouter.Forward.parse("/a=ftp://127.0.0.1:1"))
                .getMessage().startsWith("--forward: expected an http:// or https:// URL"));
        assertTrue(assertThrows(UsageException.class, () -> ForwardRouter.Forward.parse("127.0.0.1:8080"))
                .getMessage().endsWith("did you mean http://127.0.0.1:8080?"));
        assertTrue(assertThrows(UsageException.class, () -> ForwardRouter.Forward.parse("/ui=localhost:3000/x"))
                .getMessage().endsWith("did you mean http://localhost:3000/x?"));
        assertEquals("--forward: base path /api is given twice", assertThrows(UsageException.class,
                () -> router("/api=http://127.0.0.1:1", "/api/=http://127.0.0.1:2")).getMessage());
        assertEquals(new ForwardRouter.Forward("", URI.create("http://127.0.0.1:1")),
                assertDoesNotThrowParse("http://127.0.0.1:1"));
    }

    private static ForwardRouter.Forward assertDoesNotThrowParse(String spec) {
        try {
            return ForwardRouter.Forward.parse(spec);
        } catch (UsageException e) {
            throw new AssertionError(e);
        }
    }
}
