package io.swaggersocket.cli;

import io.swaggersocket.server.EventLimits;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * The {@code server} options bounding the event stream ({@code /events}, docs/EVENTS.md): the
 * history kept for resumes and what each subscriber may hold or take. A picocli mixin, so that the
 * environment ({@code SWAGGERSOCKET_EVENTS_HISTORY}, ...) and the config file ({@code
 * events-history: 5000}) name them as the other options; each one not given keeps the default of
 * {@link EventLimits#defaults()}. Not thread-safe (filled by picocli).
 */
final class EventLimitOptions {
    /** A day: the library's upper bound of the write timeout. */
    private static final int MAX_SECONDS = 86_400;
    private static final Pattern SIZE = Pattern.compile("(\\d{1,19})\\s*(|b|k|kib|m|mib|g|gib)");

    @Option(names = "--events-history", paramLabel = "N",
            description = "events kept for resumes (?since=) of /events (default: 10000)")
    String history;

    @Option(names = "--events-history-bytes", paramLabel = "SIZE",
            description = "the most event JSON kept for resumes, the oldest going first: bytes, or with KiB, MiB, GiB (default: 32MiB)")
    String historyBytes;

    @Option(names = "--events-queue", paramLabel = "N",
            description = "events waiting for one /events subscriber; past it the subscriber gets a 'slow' gap (default: 1024)")
    String queue;

    @Option(names = "--events-write-timeout", paramLabel = "SECONDS",
            description = "a subscriber whose socket takes no byte for this long while events wait is closed (default: 30)")
    String writeTimeout;

    @Option(names = "--events-max-subscribers", paramLabel = "N",
            description = "/events subscribers at once; more get 429 (default: 1024)")
    String maxSubscribers;

    @Option(names = "--events-max-subscribers-per-principal", paramLabel = "N",
            description = "/events subscribers of one principal at once; more get 429 (default: 64)")
    String maxSubscribersPerPrincipal;

    /**
     * The limits, the defaults where no option is given.
     *
     * @throws UsageException naming the option whose value is no number or out of its range
     */
    EventLimits check() throws UsageException {
        EventLimits.Builder b = EventLimits.builder();
        set("--events-history", history, v -> b.historySize(toInt("--events-history", v)));
        set("--events-history-bytes", historyBytes, v -> b.historyBytes(bytes(v)));
        set("--events-queue", queue, v -> b.subscriberQueue(toInt("--events-queue", v)));
        set("--events-write-timeout", writeTimeout, v -> b.writeTimeout(seconds(toInt("--events-write-timeout", v))));
        set("--events-max-subscribers", maxSubscribers, v -> b.maxSubscribers(toInt("--events-max-subscribers", v)));
        set("--events-max-subscribers-per-principal", maxSubscribersPerPrincipal,
                v -> b.maxSubscribersPerPrincipal(toInt("--events-max-subscribers-per-principal", v)));
        return b.build();
    }

    /**
     * Gives {@code value} to {@code setter} when there is one; the library's range check becomes a
     * usage error naming the option rather than the library's setting.
     */
    private static void set(String option, String value, Consumer<String> setter) throws UsageException {
        if (value == null) {
            return;
        }
        try {
            setter.accept(value.trim());
        } catch (Bad e) {
            throw new UsageException(option + ": " + e.getMessage() + " but was \"" + value + "\"");
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            int colon = message.indexOf(": ");
            throw new UsageException(option + ": " + (colon < 0 ? message : message.substring(colon + 2)));
        }
    }

    private static int toInt(String option, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new Bad("expected a whole number");
        }
    }

    /** Whole seconds, as the command's other waits; the library's finer range is no use here. */
    private static Duration seconds(int value) {
        if (value < 1 || value > MAX_SECONDS) {
            throw new Bad("expected 1 to " + MAX_SECONDS + " seconds");
        }
        return Duration.ofSeconds(value);
    }

    /** {@code 1048576}, {@code 512KiB}, {@code 32MiB}, {@code 1GiB} (also {@code k}, {@code m}, {@code g}, any case). */
    static long bytes(String value) {
        Matcher m = SIZE.matcher(value.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new Bad("expected a size in bytes, or with KiB, MiB or GiB");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new Bad("expected a size in bytes, or with KiB, MiB or GiB");
        }
        int shift = switch (m.group(2)) {
            case "k", "kib" -> 10;
            case "m", "mib" -> 20;
            case "g", "gib" -> 30;
            default -> 0;
        };
        if (n > Long.MAX_VALUE >> shift) {
            throw new Bad("expected a size of at most 16GiB");
        }
        return n << shift;
    }

    /** A value the command refuses itself (no number at all; the library checks most ranges). */
    private static final class Bad extends IllegalArgumentException {
        Bad(String message) {
            super(message);
        }
    }
}
