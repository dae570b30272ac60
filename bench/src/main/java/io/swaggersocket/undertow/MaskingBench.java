package io.swaggersocket.undertow;

import io.undertow.websockets.core.protocol.version07.Masker;
import java.lang.reflect.Constructor;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Masking one 64 KiB DATA frame (a client's upload): Undertow's {@code Masker}, byte by byte, against
 * {@link ClientWebSocketChannel#mask}, eight bytes at a time. In the undertow package because the
 * fast mask is package-private; Undertow's constructor is reached by reflection.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class MaskingBench {
    private final ByteBuffer frame = ByteBuffer.allocate(65536 + 8);
    private Masker undertow;

    @Setup
    public void setUp() throws Exception {
        Constructor<Masker> c = Masker.class.getDeclaredConstructor(int.class);
        c.setAccessible(true);
        undertow = c.newInstance(0x12345678);
    }

    @Benchmark
    public ByteBuffer undertowMasker64k() {
        undertow.beforeWrite(frame, 0, frame.remaining());
        return frame;
    }

    @Benchmark
    public ByteBuffer longWiseMask64k() {
        ClientWebSocketChannel.mask(frame, 0, frame.remaining(), 0x12345678);
        return frame;
    }
}
