package io.swaggersocket.cli;

import java.io.PrintStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Where the server and agent commands report what a user cares about: one line per connect,
 * disconnect, refusal and retry, each with key fields ({@code agent}, {@code connection},
 * {@code reason}...). Implementations are thread-safe.
 */
interface EventLog {
    /** A normal change of state. {@code fields} alternate names and values. */
    void info(String message, Object... fields);

    /** Something went wrong that the process rides out, or a refusal. */
    void warn(String message, Object... fields);

    /** Through SLF4J (so Logback, in the text or JSON format) on logger {@code name}. */
    static EventLog slf4j(String name) {
        Logger logger = LoggerFactory.getLogger(name);
        return new EventLog() {
            @Override
            public void info(String message, Object... fields) {
                log(logger.atInfo(), message, fields);
            }

            @Override
            public void warn(String message, Object... fields) {
                log(logger.atWarn(), message, fields);
            }

            private void log(LoggingEventBuilder event, String message, Object... fields) {
                for (int i = 0; i + 1 < fields.length; i += 2) {
                    event = event.addKeyValue(String.valueOf(fields[i]), fields[i + 1]);
                }
                event.log(message);
            }
        };
    }

    /** The message alone, one a line on {@code out}: for tests and embedding. */
    static EventLog printing(PrintStream out) {
        return new EventLog() {
            @Override
            public void info(String message, Object... fields) {
                out.println(message);
            }

            @Override
            public void warn(String message, Object... fields) {
                out.println(message);
            }
        };
    }
}
