package io.swaggersocket.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * The command's logging backend, Logback, set up in code (no logback.xml to find or get wrong):
 * one console appender on standard output, text or one JSON object a line. The libraries log
 * through System.Logger, which slf4j-jdk-platform-logging routes here, and Undertow, XNIO and
 * jboss-logging through SLF4J too. Not thread-safe: call {@link #configure} before the command
 * starts its work.
 */
final class Logs {
    /** The default of --log-level. */
    static final String DEFAULT_LEVEL = "info";
    /**
     * The text format: ISO-8601 time with offset, level, logger, message (the key fields are in
     * the message already, in words; the JSON format carries them as fields).
     */
    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{36} - %msg%n%ex";

    /** --log-format. */
    enum Format { TEXT, JSON }

    private Logs() {
    }

    /**
     * Sends every log line to standard output at {@code level} and above, in {@code format}.
     * Undertow, XNIO and JBoss announce each start and stop at INFO: they stay at WARN unless
     * {@code level} is debug or trace.
     *
     * @throws IllegalArgumentException {@code level} is no Logback level
     */
    static void configure(String level, Format format) {
        Level parsed = Level.toLevel(level.toUpperCase(Locale.ROOT), null);
        if (parsed == null || !level.equalsIgnoreCase(parsed.levelStr)) {
            throw new IllegalArgumentException("--log-level: expected trace, debug, info, warn, error or off but was \""
                    + level + "\"");
        }
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        Encoder<ILoggingEvent> encoder;
        if (format == Format.JSON) {
            JsonEncoder json = new JsonEncoder();
            // time, level, logger, message (as written and formatted) and the key fields; not the sequence, nanos, thread or context
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithThreadName(false);
            json.setWithContext(false);
            json.setWithMDC(false);
            json.setWithArguments(false);
            json.setWithMessage(true);
            json.setWithFormattedMessage(true);
            encoder = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern(TEXT_PATTERN);
            encoder = text;
        }
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("console");
        console.setEncoder(encoder);
        console.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(parsed);
        root.addAppender(console);
        if (parsed.isGreaterOrEqual(Level.INFO)) {
            for (String noisy : new String[] {"io.undertow", "org.xnio", "org.jboss"}) {
                context.getLogger(noisy).setLevel(Level.toLevel(Math.max(parsed.toInt(), Level.WARN_INT), Level.WARN));
            }
        }
    }
}
