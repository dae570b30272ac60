package io.swaggersocket.mux;

import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The HTTP head codec on the hot path of every call: a request head written by the caller and read
 * by the responder, a response head the other way. In the mux package because HttpHeads is
 * package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class HttpHeadsBench {
    private final ClassicHttpRequest request = ClassicRequestBuilder.get("/tiny")
            .addHeader("Accept", "application/json").build();
    private final byte[] requestHead;
    private final ClassicHttpResponse response = new BasicClassicHttpResponse(200);
    private final byte[] responseHead;

    public HttpHeadsBench() {
        try {
            response.setEntity(new ByteArrayEntity(new byte[16], ContentType.TEXT_PLAIN));
            requestHead = HttpHeads.writeRequest(request, HttpHeads.NO_BODY);
            responseHead = HttpHeads.writeResponse(response, "GET");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Benchmark
    public byte[] writeRequest() throws Exception {
        return HttpHeads.writeRequest(request, HttpHeads.NO_BODY);
    }

    @Benchmark
    public ClassicHttpRequest readRequest() throws Exception {
        return HttpHeads.readRequest(requestHead, 65536);
    }

    @Benchmark
    public byte[] writeResponse() throws Exception {
        return HttpHeads.writeResponse(response, "GET");
    }

    @Benchmark
    public ClassicHttpResponse readResponse() throws Exception {
        return HttpHeads.readResponse(responseHead, 65536);
    }
}
