package io.swaggersocket.bench.soak;

import io.swaggersocket.mux.SocketConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;

/**
 * The soak's HTTP callers, each one call at a time until {@link #stop}: ingress callers (JDK
 * {@link HttpClient}) to every CLI agent and to {@code soak-lib}, and two library callers over the
 * embedded pair, one each way. Every call has a fresh id and a random body of 0 B to 8 MiB, either
 * sent ({@code POST /echo}) or asked for ({@code GET /bytes}), and ends in one {@link Tally} class;
 * a call with no outcome within {@link SoakOptions#lostAfter} is lost. Thread-safe.
 */
final class Callers {
    static final String INGRESS_CLI = "ingress -> agent --forward -> upstream";
    static final String INGRESS_LIB = "ingress -> SocketClient handler";
    static final String AGENT_TO_SERVER = "library: agent -> embedded server handler";
    static final String SERVER_TO_AGENT = "library: embedded server -> agent handler";
    /** A body at least this big counts as "large": the chaos loop cuts links carrying one. */
    static final int LARGE = 1 << 20;

    private final SoakOptions options;
    private final Tally tally;
    private final LibraryRig library;
    private final List<String> targets;
    private final String ingress;
    private final String token;
    private final HttpClient http;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong ids = new AtomicLong();
    private final ConcurrentMap<String, AtomicInteger> largeInFlight = new ConcurrentHashMap<>();
    private final ExecutorService work = Executors.newCachedThreadPool(daemon("soak-call"));
    private final List<Thread> threads = new ArrayList<>();

    Callers(SoakOptions options, Tally tally, LibraryRig library, List<String> targets, int ingressPort, String token) {
        this.options = options;
        this.tally = tally;
        this.library = library;
        this.targets = List.copyOf(targets);
        this.ingress = "http://127.0.0.1:" + ingressPort + "/agents/";
        this.token = token;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).executor(work).build();
    }

    void start() {
        for (int i = 0; i < options.callers(); i++) {
            long seed = options.seed() + i;
            loop("soak-ingress-" + i, seed, this::ingressCall);
        }
        loop("soak-lib-up", options.seed() + 1000, r -> libraryCall(r, AGENT_TO_SERVER, library::agentSide));
        loop("soak-lib-down", options.seed() + 2000, r -> libraryCall(r, SERVER_TO_AGENT, library::serverSide));
    }

    /** Names of targets with a large body in flight now. */
    List<String> carryingLargeBodies() {
        List<String> out = new ArrayList<>();
        largeInFlight.forEach((k, v) -> {
            if (v.get() > 0) {
                out.add(k);
            }
        });
        return out;
    }

    /** Stops starting calls and waits for every call under way to end (each is bounded by lostAfter). */
    void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(options.lostAfter().toMillis() + 30_000);
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " did not end: a call escaped its bound");
            }
        }
        work.shutdownNow();
    }

    private interface Call {
        void run(SplittableRandom random) throws InterruptedException;
    }

    private void loop(String name, long seed, Call call) {
        Thread t = new Thread(() -> {
            SplittableRandom random = new SplittableRandom(seed);
            try {
                while (running.get()) {
                    call.run(random);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void ingressCall(SplittableRandom random) throws InterruptedException {
        String target = targets.get(random.nextInt(targets.size()));
        String path = target.equals(LibraryRig.LIB_AGENT) ? INGRESS_LIB : INGRESS_CLI;
        String id = Long.toString(ids.incrementAndGet());
        int size = Payload.size(random);
        boolean echo = random.nextBoolean();
        long seed = random.nextLong();
        byte[] expected = Payload.bytes(seed, size);
        String call = (echo ? "POST " : "GET ") + target + " id " + id + " (" + size + " B)";
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(ingress + target
                        + (echo ? "/echo?id=" + id : "/bytes?id=" + id + "&n=" + size + "&seed=" + seed)))
                .header("Authorization", "Bearer " + token);
        HttpRequest request = echo ? b.POST(HttpRequest.BodyPublishers.ofByteArray(expected)).build() : b.GET().build();
        tally.start();
        AtomicInteger large = size >= LARGE ? largeInFlight.computeIfAbsent(target, k -> new AtomicInteger()) : null;
        if (large != null) {
            large.incrementAndGet();
        }
        CompletableFuture<HttpResponse<byte[]>> f = http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
        try {
            HttpResponse<byte[]> r = f.get(options.lostAfter().toMillis(), TimeUnit.MILLISECONDS);
            record(path, call + ": ", Verdict.judge(call, echo, r.statusCode(), r.headers().firstValue(Payload.ID).orElse(null),
                    r.headers().firstValue(Payload.SHA).orElse(null), r.body(), id, expected));
        } catch (TimeoutException e) {
            f.cancel(true);
            tally.bad(path, Tally.Outcome.LOST, call + ": no answer and no error within " + options.lostAfter());
        } catch (java.util.concurrent.ExecutionException e) {
            tally.failed(path, Verdict.kind(e), call + ": " + Verdict.message(e));
        } finally {
            if (large != null) {
                large.decrementAndGet();
            }
        }
    }

    private void libraryCall(SplittableRandom random, String path, Supplier<Optional<SocketConnection>> side)
            throws InterruptedException {
        String id = Long.toString(ids.incrementAndGet());
        int size = Payload.size(random);
        boolean echo = random.nextBoolean();
        long seed = random.nextLong();
        byte[] expected = Payload.bytes(seed, size);
        String call = path + (echo ? " POST" : " GET") + " id " + id + " (" + size + " B)";
        tally.start();
        Optional<SocketConnection> connection = side.get();
        if (connection.isEmpty()) {
            tally.failed(path, "not connected (reconnecting)");
            Thread.sleep(100); // not a synchronisation: a caller's pause before trying a reconnecting client again
            return;
        }
        AtomicInteger large = size >= LARGE
                ? largeInFlight.computeIfAbsent(LibraryRig.PAIR, k -> new AtomicInteger()) : null;
        if (large != null) {
            large.incrementAndGet();
        }
        Callable<Verdict> task = () -> {
            ClassicRequestBuilder b = echo
                    ? ClassicRequestBuilder.post("/echo?id=" + id).setEntity(new ByteArrayEntity(expected, ContentType.APPLICATION_OCTET_STREAM))
                    : ClassicRequestBuilder.get("/bytes?id=" + id + "&n=" + size + "&seed=" + seed);
            try (ClassicHttpResponse r = connection.get().execute(b.build())) {
                byte[] body = r.getEntity() == null ? new byte[0] : r.getEntity().getContent().readAllBytes();
                return Verdict.judge(call, echo, r.getCode(), value(r.getFirstHeader(Payload.ID)),
                        value(r.getFirstHeader(Payload.SHA)), body, id, expected);
            } catch (Exception e) {
                return Verdict.failed(Verdict.kind(e), Verdict.message(e));
            }
        };
        Future<Verdict> f = work.submit(task);
        try {
            record(path, call, f.get(options.lostAfter().toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            f.cancel(true);
            tally.bad(path, Tally.Outcome.LOST, call + ": no answer and no error within " + options.lostAfter());
        } catch (java.util.concurrent.ExecutionException e) {
            tally.failed(path, Verdict.kind(e), Verdict.message(e));
        } finally {
            if (large != null) {
                large.decrementAndGet();
            }
        }
    }

    private void record(String path, String call, Verdict v) {
        switch (v.outcome()) {
            case CORRECT -> tally.correct(path, v.bytes());
            case FAILED -> tally.failed(path, v.kind(), call.endsWith(": ") ? call + v.example() : v.example());
            default -> tally.bad(path, v.outcome(), v.detail());
        }
    }

    private static String value(Header h) {
        return h == null ? null : h.getValue();
    }

    static java.util.concurrent.ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
