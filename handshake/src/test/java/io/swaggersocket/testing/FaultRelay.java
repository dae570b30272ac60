package io.swaggersocket.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TCP relay on 127.0.0.1 that breaks the network under a live connection on demand. Thread-safe:
 * faults are switched from any thread while bytes flow.
 *
 * <p>A test dials {@link #port()} instead of its target; every connection is relayed by two
 * threads, one per {@link Direction}. A fault set on the relay applies to every connection, those
 * open now and those made later; a fault set on one connection's {@link Link} applies to it alone;
 * a connection suffers both.
 * <ul>
 *   <li>{@link #delay}: each chunk read is written that much later (latency; order is kept).
 *   <li>{@link #bandwidth}: each direction of each connection moves at most that many bytes per second.
 *   <li>{@link #stall}: nothing moves either way, not even a close or a reset; the sockets stay open
 *       and the relay stops reading, so TCP buffers fill behind it: a peer that vanished from the
 *       network, or a half-open connection that only a heartbeat can find.
 *   <li>{@link #halfOpen(Direction)}: the same for one direction; the other one flows.
 *   <li>{@link #cut}: every connection open now is closed at once with a TCP reset on both sides
 *       ({@code SO_LINGER} 0); connections made later are relayed.
 *   <li>{@link #heal}: every fault is lifted; bytes held by a stall flow on, in order, none lost.
 * </ul>
 * {@link #close} resets every connection and ends every thread. Threads are daemons named
 * {@code fault-relay-PORT-...}; each blocking call is bounded or ended by {@link #close}.
 */
public final class FaultRelay implements AutoCloseable {

    /** Immutable: a direction of a relayed connection. */
    public enum Direction {
        /** From the side that dialed the relay to the target. */
        TO_TARGET,
        /** From the target back to the side that dialed the relay. */
        FROM_TARGET
    }

    /** The most one read takes: a chunk, the unit of {@link #delay}. */
    private static final int CHUNK = 256 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    private static final long JOIN_MILLIS = 10_000;

    private final InetSocketAddress target;
    private final ServerSocket listener;
    private final Thread acceptor;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled on every change of faults or of a link's state. */
    private final Condition changed = lock.newCondition();
    private final Faults faults = new Faults(); // guarded by lock
    private final List<Link> links = new ArrayList<>(); // guarded by lock: the open ones
    private final List<Thread> pumps = new ArrayList<>(); // guarded by lock
    private boolean closed; // guarded by lock
    private int accepted; // guarded by lock

    /** Relays to {@code targetPort} on 127.0.0.1. */
    public FaultRelay(int targetPort) throws IOException {
        this(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
    }

    /** Relays to {@code target}; listens on 127.0.0.1 on a free port. */
    public FaultRelay(InetSocketAddress target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "fault-relay-" + port() + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The port to dial instead of the target's. */
    public int port() {
        return listener.getLocalPort();
    }

    /** Delays every chunk of every connection by {@code perChunk}; {@link Duration#ZERO} for none. */
    public FaultRelay delay(Duration perChunk) {
        update(() -> faults.delayNanos = nonNegative(perChunk));
        return this;
    }

    /** Caps each direction of every connection at {@code bytesPerSecond}; 0 for no cap. */
    public FaultRelay bandwidth(long bytesPerSecond) {
        update(() -> faults.bytesPerSecond = nonNegative(bytesPerSecond));
        return this;
    }

    /** Stops every connection, now and later, both ways, closing nothing. */
    public FaultRelay stall() {
        update(() -> faults.stalled = true);
        return this;
    }

    /** Stops every connection, now and later, in {@code direction} only, closing nothing. */
    public FaultRelay halfOpen(Direction direction) {
        update(() -> faults.blocked[direction.ordinal()] = true);
        return this;
    }

    /** Lifts every fault, of the relay and of each connection. */
    public FaultRelay heal() {
        update(() -> {
            faults.clear();
            links.forEach(l -> l.faults.clear());
        });
        return this;
    }

    /** Resets every connection open now, both sides at once; later connections are relayed. */
    public void cut() {
        List<Link> open;
        lock.lock();
        try {
            open = new ArrayList<>(links);
        } finally {
            lock.unlock();
        }
        open.forEach(l -> l.end(true));
    }

    /** How many relayed connections are open. */
    public int connections() {
        lock.lock();
        try {
            return links.size();
        } finally {
            lock.unlock();
        }
    }

    /** The connections open now, oldest first, to break one of them alone. */
    public List<Link> links() {
        lock.lock();
        try {
            return List.copyOf(links);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Resets every connection, stops accepting and waits for every relay thread to end.
     *
     * @throws IllegalStateException if a thread is still running after a generous bound: a leak
     */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        listener.close();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_MILLIS);
        join(acceptor, deadline); // after it, no link starts
        cut();
        List<Thread> threads;
        lock.lock();
        try {
            threads = new ArrayList<>(pumps);
        } finally {
            lock.unlock();
        }
        for (Thread t : threads) {
            join(t, deadline);
        }
    }

    private static void join(Thread t, long deadline) throws InterruptedIOException {
        try {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("closing the relay: interrupted while joining " + t.getName());
        }
        if (t.isAlive()) {
            throw new IllegalStateException("expected relay thread " + t.getName() + " to end but it still runs");
        }
    }

    /** One relayed connection; its faults add to the relay's. Thread-safe. */
    public final class Link {
        private final String name;
        private final Socket dialer;
        private final Socket upstream;
        private final Faults faults = new Faults(); // guarded by lock
        private boolean open = true; // guarded by lock
        private int pumping = 2; // guarded by lock
        /** Per direction: when the bandwidth cap lets the next bytes go; each touched by its own pump only. */
        private final long[] nextSend = new long[2];

        private Link(String name, Socket dialer, Socket upstream) {
            this.name = name;
            this.dialer = dialer;
            this.upstream = upstream;
        }

        /** Delays each chunk of this connection by {@code perChunk}. */
        public Link delay(Duration perChunk) {
            update(() -> faults.delayNanos = nonNegative(perChunk));
            return this;
        }

        /** Caps each direction of this connection at {@code bytesPerSecond}; 0 for no cap. */
        public Link bandwidth(long bytesPerSecond) {
            update(() -> faults.bytesPerSecond = nonNegative(bytesPerSecond));
            return this;
        }

        /** Stops this connection both ways, closing nothing. */
        public Link stall() {
            update(() -> faults.stalled = true);
            return this;
        }

        /** Stops this connection in {@code direction} only, closing nothing. */
        public Link halfOpen(Direction direction) {
            update(() -> faults.blocked[direction.ordinal()] = true);
            return this;
        }

        /** Lifts this connection's own faults; the relay's stay. */
        public Link heal() {
            update(faults::clear);
            return this;
        }

        /** Resets this connection, both sides at once. */
        public void cut() {
            end(true);
        }

        /** Whether the connection is still relayed. */
        public boolean isOpen() {
            lock.lock();
            try {
                return open;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public String toString() {
            return name;
        }

        private void start() {
            startPump(Direction.TO_TARGET, dialer, upstream);
            startPump(Direction.FROM_TARGET, upstream, dialer);
        }

        private void startPump(Direction direction, Socket from, Socket to) {
            Thread t = new Thread(() -> pump(direction, from, to), name + "-" + direction.name().toLowerCase());
            t.setDaemon(true);
            lock.lock();
            try {
                pumps.removeIf(p -> p.getState() == Thread.State.TERMINATED);
                pumps.add(t);
            } finally {
                lock.unlock();
            }
            t.start();
        }

        private void pump(Direction direction, Socket from, Socket to) {
            byte[] buffer = new byte[CHUNK];
            boolean reset = true;
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    long readAt = System.nanoTime();
                    if (!forward(direction, buffer, n, readAt, out)) {
                        return;
                    }
                }
                // The end of the stream is held by a stall like any byte: a vanished peer sends no FIN.
                if (!awaitPassable(direction)) {
                    return;
                }
                to.shutdownOutput();
                reset = false;
            } catch (IOException e) {
                // Reset or closed under us: passed on as a reset, once the faults let anything pass.
                awaitPassable(direction);
            } finally {
                pumpEnded(reset);
            }
        }

        /** Writes one chunk once the faults allow; false if the link ended meanwhile. */
        private boolean forward(Direction direction, byte[] buffer, int length, long readAt, OutputStream out)
                throws IOException {
            if (!awaitPassable(direction) || !awaitUntil(readAt + delayNanos())) {
                return false;
            }
            int d = direction.ordinal();
            for (int off = 0; off < length; ) {
                if (!awaitPassable(direction)) {
                    return false;
                }
                long rate = bytesPerSecond();
                int piece = length - off;
                if (rate == 0) {
                    nextSend[d] = 0;
                } else {
                    // Pay for a piece before it goes, so n bytes never take less than n / rate.
                    piece = (int) Math.min(piece, Math.max(1, rate / 50));
                    long start = Math.max(System.nanoTime(), nextSend[d]);
                    nextSend[d] = start + (long) Math.ceil(piece * 1e9 / rate);
                    if (!awaitUntil(nextSend[d])) {
                        return false;
                    }
                }
                out.write(buffer, off, piece);
                off += piece;
            }
            return true;
        }

        /** Waits while a fault holds {@code direction}; false if the link ended. */
        private boolean awaitPassable(Direction direction) {
            int d = direction.ordinal();
            lock.lock();
            try {
                while (open && (FaultRelay.this.faults.holds(d) || faults.holds(d))) {
                    changed.awaitUninterruptibly();
                }
                return open;
            } finally {
                lock.unlock();
            }
        }

        /** Waits until {@code deadline} (a {@link System#nanoTime()} value); false if the link ended. */
        private boolean awaitUntil(long deadline) {
            lock.lock();
            try {
                for (long left; open && (left = deadline - System.nanoTime()) > 0; ) {
                    try {
                        changed.awaitNanos(left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
                return open;
            } finally {
                lock.unlock();
            }
        }

        private long delayNanos() {
            lock.lock();
            try {
                return Math.max(FaultRelay.this.faults.delayNanos, faults.delayNanos);
            } finally {
                lock.unlock();
            }
        }

        private long bytesPerSecond() {
            lock.lock();
            try {
                long a = FaultRelay.this.faults.bytesPerSecond;
                long b = faults.bytesPerSecond;
                return a == 0 ? b : b == 0 ? a : Math.min(a, b);
            } finally {
                lock.unlock();
            }
        }

        private void pumpEnded(boolean reset) {
            boolean last;
            lock.lock();
            try {
                last = --pumping == 0;
            } finally {
                lock.unlock();
            }
            if (reset || last) {
                end(reset);
            }
        }

        /** Closes both sockets, with a reset or after both FINs went through; once. */
        private void end(boolean reset) {
            lock.lock();
            try {
                if (!open) {
                    return;
                }
                open = false;
                links.remove(this);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            close(dialer, reset);
            close(upstream, reset);
        }
    }

    private void acceptLoop() {
        while (true) {
            Socket dialer;
            try {
                dialer = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            Socket upstream = new Socket();
            Link link;
            lock.lock();
            try {
                // Registered before the target sees the connection, so that a test that saw it
                // accepted finds it in links().
                link = closed ? null : new Link("fault-relay-" + port() + "-" + ++accepted, dialer, upstream);
                if (link != null) {
                    links.add(link);
                }
            } finally {
                lock.unlock();
            }
            if (link == null) {
                close(dialer, true);
                return;
            }
            try {
                dialer.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                upstream.connect(target, CONNECT_TIMEOUT_MILLIS);
            } catch (IOException e) {
                link.end(true); // the target refused, or the relay was closed: so is the dialer
                continue;
            }
            link.start();
        }
    }

    private void update(Runnable change) {
        lock.lock();
        try {
            change.run();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static void close(Socket socket, boolean reset) {
        try {
            if (reset) {
                socket.setSoLinger(true, 0); // RST, not FIN
            }
        } catch (IOException ignored) {
            // not connected or closed already: close() below is all there is to do
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // closed already
        }
    }

    private static long nonNegative(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("delay: expected a duration >= 0 but was " + d);
        }
        return d.toNanos();
    }

    private static long nonNegative(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("bandwidth: expected bytes per second >= 0 but was " + bytesPerSecond);
        }
        return bytesPerSecond;
    }

    /** One set of faults, of the relay or of a link. Guarded by the relay's lock. */
    private static final class Faults {
        boolean stalled;
        final boolean[] blocked = new boolean[Direction.values().length];
        long delayNanos;
        long bytesPerSecond;

        boolean holds(int direction) {
            return stalled || blocked[direction];
        }

        void clear() {
            stalled = false;
            blocked[0] = false;
            blocked[1] = false;
            delayNanos = 0;
            bytesPerSecond = 0;
        }
    }
}
