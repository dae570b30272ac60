package io.swaggersocket.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swaggersocket.events.EventFilter;
import io.swaggersocket.events.EventSpec;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code /events} subscriber: its bounded queue of events, its registrations and docker filter,
 * its scope, and the pump that filters and writes to its {@link EventSink}. Thread-safe: the hub
 * {@link #offer}s under its lock, the socket's thread hands in {@link #command}s, and one delivery
 * thread at a time {@link #drain}s; the queue and counters are guarded by {@code this}.
 *
 * <p>Commands go through the same queue as events, so a registration applies to exactly the events
 * published after the command arrived, and its acknowledgement is sent between the two.
 *
 * <p><b>Overflow.</b> At most {@link EventLimits#subscriberQueue()} events wait; one more turns into
 * a gap marker at the queue's tail, later ones widen it, and once the subscriber catches up it gets
 * {@code websocket.gap} with reason {@code slow} where the events would have been. A socket that
 * takes no byte for {@link EventLimits#writeTimeout()} while sends wait closes the subscriber with
 * {@value #SLOW_CLOSE}.
 */
final class Subscriber {
    private static final System.Logger LOG = System.getLogger(Subscriber.class.getName());
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** The WebSocket close code of a subscriber closed for not reading (docs/EVENTS.md). */
    static final int SLOW_CLOSE = 4008;
    /** Commands that may wait in the queue; more is a client flooding us: closed with 1008. */
    static final int MAX_PENDING_COMMANDS = 256;
    /** How much of a bad command an error event repeats. */
    static final int MAX_ECHO = 256;

    /** A control event (hello, gap, acknowledgement, error), already JSON. */
    record Control(String json, String gapReason) {
    }

    /** A retained event replayed for {@code since}: bounded by the history, so not counted against the queue. */
    private record Replayed(EventHub.Stamped event) {
    }

    /** A command as the client sent it, parsed by the delivery thread. */
    private record Command(String text) {
    }

    /** Missed events {@code from} to {@code to}; widened while the queue stays full. */
    private static final class Gap {
        final long from;
        long to;

        Gap(long from, long to) {
            this.from = from;
            this.to = to;
        }
    }

    private final EventHub hub;
    private final EventSink sink;
    private final Grants grants;
    private final String who;
    // Used by the delivery thread only (handed from one to the next under this's monitor).
    private final Map<String, EventSpec> specs = new LinkedHashMap<>();
    private EventFilter docker;

    // Guarded by this.
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private int queuedEvents;
    private int queuedCommands;
    private Gap tailGap;
    private boolean scheduled;
    private int inFlight;
    private long lastProgress = System.nanoTime();
    private boolean closed;

    /**
     * @param grants whose {@code admin} patterns scope what it sees
     */
    Subscriber(EventHub hub, EventSink sink, Grants grants, String who) {
        this.hub = hub;
        this.sink = sink;
        this.grants = grants;
        this.who = who;
    }

    /** Registers {@code spec} before the subscription starts (query parameters). */
    void register(EventSpec spec) {
        specs.put(spec.toString(), spec);
    }

    /** Sets the docker filter before the subscription starts. */
    void filter(EventFilter filter) {
        docker = filter;
    }

    static Control hello(String epoch, long seq) {
        ObjectNode o = control("hello", "hello");
        o.putObject("Object").put("epoch", epoch).put("seq", seq);
        return new Control(o.toString(), null);
    }

    static Control gap(long from, long to, String reason) {
        ObjectNode o = control("gap", reason);
        o.putObject("Object").put("from", from).put("to", to).put("reason", reason);
        return new Control(o.toString(), reason);
    }

    /**
     * A gap in another history than this hub's (the server restarted): every event of
     * {@code epoch} from {@code from} on may have been missed, and none of them can be replayed.
     */
    static Control restartGap(String epoch, long from) {
        ObjectNode o = control("gap", "restart");
        o.putObject("Object").put("epoch", epoch).put("from", from).putNull("to").put("reason", "restart");
        return new Control(o.toString(), "restart");
    }

    /**
     * The shared event log of a cluster could not be read or written: events from {@code from} on
     * may be missing (the open end: those the log still holds follow once it is back, numbered).
     */
    static Control unavailableGap(long from) {
        ObjectNode o = control("gap", "unavailable");
        o.putObject("Object").put("from", from).putNull("to").put("reason", "unavailable");
        return new Control(o.toString(), "unavailable");
    }

    private static ObjectNode control(String action, String key) {
        return JSON.objectNode().put("Type", "websocket").put("Action", action).put("Key", key);
    }

    /** Queues something the hub replays (hello, history gap, retained events): never dropped. */
    synchronized void preload(Object item) {
        queue.addLast(item instanceof EventHub.Stamped s ? new Replayed(s) : item);
    }

    /** Queues a live event, or widens the tail gap when the queue is full. Never blocks. */
    void offer(EventHub.Stamped event) {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (queuedEvents >= hub.limits().subscriberQueue()) {
                if (tailGap != null) {
                    tailGap.to = event.seq();
                } else {
                    tailGap = new Gap(event.seq(), event.seq());
                    queue.addLast(tailGap);
                }
                return;
            }
            tailGap = null;
            queue.addLast(event);
            queuedEvents++;
            if (!schedule()) {
                return;
            }
        }
        hub.executor().execute(this::drain);
    }

    /** Queues a gap the hub found live (a shared log's hole, outage or restart), after what is queued. */
    void offerControl(Control control) {
        synchronized (this) {
            if (closed) {
                return;
            }
            queue.addLast(control);
            if (!schedule()) {
                return;
            }
        }
        hub.executor().execute(this::drain);
    }

    /** A text frame from the client. */
    void command(String text) {
        boolean flood;
        synchronized (this) {
            if (closed) {
                return;
            }
            flood = queuedCommands >= MAX_PENDING_COMMANDS;
            if (!flood) {
                queue.addLast(new Command(text));
                queuedCommands++;
                if (!schedule()) {
                    return;
                }
            }
        }
        if (flood) {
            close(1008, "more than " + MAX_PENDING_COMMANDS + " commands waiting: send fewer at once");
            return;
        }
        hub.executor().execute(this::drain);
    }

    /** Starts delivery of what was preloaded. */
    void start() {
        synchronized (this) {
            if (!schedule()) {
                return;
            }
        }
        hub.executor().execute(this::drain);
    }

    /** Under this: true when the caller must submit a drain. */
    private boolean schedule() {
        if (scheduled || closed) {
            return false;
        }
        scheduled = true;
        return true;
    }

    /** On a delivery thread: filters and sends until the queue is empty or the sink is full. */
    private void drain() {
        while (true) {
            Object item;
            synchronized (this) {
                if (closed || inFlight >= sink.maxInFlight()) {
                    scheduled = false;
                    return;
                }
                item = queue.pollFirst();
                if (item == null) {
                    scheduled = false;
                    return;
                }
                if (item instanceof EventHub.Stamped) {
                    queuedEvents--;
                } else if (item instanceof Command) {
                    queuedCommands--;
                } else if (item == tailGap) {
                    tailGap = null;
                }
            }
            String json = render(item);
            if (json != null) {
                send(json);
            }
        }
    }

    /** The JSON to send for one queued item, or {@code null} when it is not for this subscriber. */
    private String render(Object item) {
        if (item instanceof Replayed r) {
            item = r.event();
        }
        if (item instanceof EventHub.Stamped s) {
            if (!grants.mayAdmin(s.event().agent()) || !matches(s)) {
                return null;
            }
            hub.metrics().delivered();
            return s.json();
        }
        if (item instanceof Gap g) {
            hub.metrics().gap("slow");
            return gap(g.from, g.to, "slow").json();
        }
        if (item instanceof Control c) {
            return c.json();
        }
        return apply(((Command) item).text());
    }

    private boolean matches(EventHub.Stamped s) {
        if (docker != null && !docker.test(s.tree())) {
            return false;
        }
        for (EventSpec spec : specs.values()) {
            if (spec.matches(s.tree())) {
                return true;
            }
        }
        return false;
    }

    /** Applies a command; returns its acknowledgement or error event. */
    private String apply(String text) {
        int space = text.indexOf(' ');
        String verb = space < 0 ? text : text.substring(0, space);
        String arg = space < 0 ? "" : text.substring(space + 1);
        try {
            switch (verb) {
                case "register" -> {
                    EventSpec spec = EventSpec.parse(arg);
                    specs.put(spec.toString(), spec);
                }
                case "deregister" -> {
                    if (specs.remove(arg) == null) {
                        throw new IllegalArgumentException("deregister: \"" + echo(arg) + "\" is not registered"
                                + " (it must be the text of an earlier register)");
                    }
                }
                case "filters" -> docker = EventQuery.dockerFilter(arg);
                default -> throw new IllegalArgumentException("expected register SPEC, deregister SPEC or filters JSON"
                        + " but was \"" + echo(verb) + "\"");
            }
            return control(verb, arg).toString();
        } catch (IllegalArgumentException e) { // FilterSyntaxException included: its message has the position
            ObjectNode o = control("error", echo(text));
            o.putObject("Object").put("error", e.getMessage());
            return o.toString();
        }
    }

    private static String echo(String s) {
        return s.length() <= MAX_ECHO ? s : s.substring(0, MAX_ECHO);
    }

    private void send(String json) {
        synchronized (this) {
            if (inFlight++ == 0) {
                lastProgress = System.nanoTime();
            }
        }
        sink.send(json, failure -> {
            boolean again;
            synchronized (this) {
                inFlight--;
                lastProgress = System.nanoTime();
                again = failure == null && !queue.isEmpty() && schedule();
            }
            if (failure != null) {
                LOG.log(System.Logger.Level.DEBUG, "events to {0}: write failed: {1}", who, failure.toString());
                close(1006, "write failed");
            } else if (again) {
                hub.executor().execute(this::drain);
            }
        });
    }

    /** Closes the subscriber if sends have waited for the socket longer than {@code timeoutNanos}. */
    void checkWriteTimeout(long now, long timeoutNanos) {
        synchronized (this) {
            if (closed || inFlight == 0 || now - lastProgress < timeoutNanos) {
                return;
            }
        }
        LOG.log(System.Logger.Level.INFO, "events subscriber {0} closed with {1}: its socket took no byte for {2}",
                who, SLOW_CLOSE, hub.limits().writeTimeout());
        hub.metrics().closedSlow();
        close(SLOW_CLOSE, "too slow: no byte taken for " + hub.limits().writeTimeout());
    }

    /** Ends the subscription: drops what waits, leaves the hub, closes the sink with {@code code}. */
    void close(int code, String reason) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            queue.clear();
        }
        hub.unsubscribe(this);
        if (code != 1006) {
            sink.close(code, reason);
        }
    }

    /** The client went away: ends the subscription without writing anything. */
    void gone() {
        close(1006, "");
    }

    /** True while events are being dropped into a gap at the queue's tail; for tests. */
    synchronized boolean overflowing() {
        return tailGap != null;
    }

    @Override
    public String toString() {
        return "Subscriber[" + who + "]";
    }
}
