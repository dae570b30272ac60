package io.swaggersocket.testing;

import io.swaggersocket.mux.MessageChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Two linked in-memory channels. Each end delivers to its listener on its own single "I/O" thread,
 * in order, like a WebSocket; a send's callback fires once the peer's listener has taken the
 * message, which gives senders real backpressure. Pings are answered with pongs.
 *
 * <p>Failure hooks: {@link End#freeze()} makes an end stop reading (a half-open peer),
 * {@link End#loseSends()} loses what one end sends while it still receives (one direction of a
 * half-open connection), and {@link #sever()} loses the transport under both ends at once.
 * {@link #settle()} waits until everything sent has been delivered, for tests that step time.
 */
public final class MemoryPipe {
    private final End a = new End("a");
    private final End b = new End("b");

    public MemoryPipe() {
        a.peer = b;
        b.peer = a;
    }

    /** The dialing end, by convention. */
    public End a() {
        return a;
    }

    /** The accepting end, by convention. */
    public End b() {
        return b;
    }

    /**
     * Waits (at most 10 s per end and round) until both ends have delivered what was sent to them,
     * and what those deliveries sent in turn (a ping's pong, a close's echo). Call it only once
     * both ends are started.
     */
    public void settle() throws InterruptedException {
        for (int round = 0; round < 4; round++) {
            a.drain();
            b.drain();
        }
    }

    /** Loses the transport: both ends see close code 1006 and nothing more is delivered. */
    public void sever() {
        a.lost("transport severed");
        b.lost("transport severed");
    }

    public static final class End implements MessageChannel {
        private final String name;
        private final ExecutorService io;
        private final CountDownLatch started = new CountDownLatch(1);
        private final AtomicBoolean closeDelivered = new AtomicBoolean();
        private volatile End peer;
        private volatile Listener listener;
        private volatile boolean closeSent;
        private volatile boolean frozen;
        private volatile boolean losing;

        End(String name) {
            this.name = name;
            this.io = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "memory-io-" + name);
                t.setDaemon(true);
                return t;
            });
        }

        /** This end stops reading: nothing sent to it is delivered or answered from now on. */
        public void freeze() {
            frozen = true;
        }

        /**
         * From now on everything this end sends is lost on the way (messages, the pongs it answers
         * with, its close and the news of its abort), while it still receives.
         */
        public void loseSends() {
            losing = true;
        }

        private void drain() throws InterruptedException {
            CountDownLatch done = new CountDownLatch(1);
            try {
                io.execute(done::countDown);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return; // closed: nothing more is delivered
            }
            if (!done.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("end " + name + " did not settle within 10 s");
            }
        }

        @Override
        public void start(Listener listener) {
            this.listener = listener;
            started.countDown();
        }

        @Override
        public void sendText(String text, Callback callback) {
            send(callback, l -> l.onText(text));
        }

        @Override
        public void sendBinary(ByteBuffer message, Callback callback) {
            send(callback, l -> l.onBinary(message));
        }

        @Override
        public void sendPing(ByteBuffer payload, Callback callback) {
            send(callback, l -> {
                l.onPing(payload.duplicate());
                peer.send(Callback.IGNORE, x -> x.onPong(payload.duplicate()));
            });
        }

        @Override
        public void close(int code, String reason) {
            if (closeSent || frozen || losing) {
                return; // a hung end sends nothing, not even a close; a losing end's close is lost
            }
            closeSent = true;
            End p = peer;
            p.deliver(l -> {
                p.closeSent = true;
                p.closed(code, reason);
                deliver(x -> closed(code, reason)); // the echo of the close frame
            });
        }

        @Override
        public void abort() {
            if (frozen) {
                return;
            }
            lost("aborted by " + name);
            if (!losing) {
                peer.lost("aborted by peer " + name);
            }
        }

        @Override
        public SocketAddress remoteAddress() {
            return InetSocketAddress.createUnresolved("memory-" + peer.name, 0);
        }

        private interface Delivery {
            void to(Listener listener);
        }

        private void send(Callback callback, Delivery delivery) {
            if (closeSent || closeDelivered.get()) {
                callback.completed(new IOException("channel " + name + " is closed"));
                return;
            }
            End p = peer;
            if (p.frozen || frozen || losing) {
                return; // a hung end neither reads nor writes, a losing end's sends vanish: never completes
            }
            p.deliver(l -> {
                delivery.to(l);
                callback.completed(null);
            });
        }

        private void deliver(Delivery delivery) {
            try {
                io.execute(() -> {
                    try {
                        started.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (!closeDelivered.get() && !frozen) {
                        delivery.to(listener);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException ignored) {
                // this end is gone
            }
        }

        private void closed(int code, String reason) {
            if (closeDelivered.compareAndSet(false, true)) {
                listener.onClose(code, reason);
                io.shutdown();
            }
        }

        private void lost(String reason) {
            try {
                io.execute(() -> {
                    try {
                        started.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    closed(1006, reason);
                });
            } catch (java.util.concurrent.RejectedExecutionException ignored) {
                // already closed
            }
        }
    }
}
