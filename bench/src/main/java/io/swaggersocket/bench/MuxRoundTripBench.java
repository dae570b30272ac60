package io.swaggersocket.bench;

import io.swaggersocket.frame.Frame;
import io.swaggersocket.frame.FrameCodec;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.testing.MemoryPipe;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The multiplexer alone, without sockets: a tiny GET from one SocketConnection to another over the
 * in-memory pipe (each end delivers on its own thread, like an I/O thread), and the frame codec.
 * What is left of a round trip here is the protocol core's own cost: head codec, locks, the
 * hand-offs to the handler executor and back to the caller.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class MuxRoundTripBench {
    private SocketConnection dialer;
    private SocketConnection acceptor;
    private final FrameCodec codec = new FrameCodec(65536, 65536);
    private final ByteBuffer dataFrame = FrameCodec.encode(new Frame.Data(1, ByteBuffer.allocate(16), true));

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        MemoryPipe pipe = new MemoryPipe();
        ConnectionConfig config = ConnectionConfig.defaults();
        CompletableFuture<SocketConnection> accepted = SocketConnection.accept(pipe.b(), "bench", null, config,
                new BenchHandler());
        dialer = SocketConnection.dial(pipe.a(), null, config, null).get(10, TimeUnit.SECONDS);
        acceptor = accepted.get(10, TimeUnit.SECONDS);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        dialer.shutdownNow();
        acceptor.shutdownNow();
    }

    @Benchmark
    public int tinyGetOverMemoryPipe() throws Exception {
        try (ClassicHttpResponse r = dialer.execute(ClassicRequestBuilder.get("/tiny").build())) {
            return EntityUtils.toByteArray(r.getEntity()).length;
        }
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Frame decodeDataFrame() throws Exception {
        return codec.decode(dataFrame);
    }
}
