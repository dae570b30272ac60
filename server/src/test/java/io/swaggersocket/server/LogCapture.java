package io.swaggersocket.server;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** Collects every record of some loggers at every level, without printing them. */
final class LogCapture extends Handler implements AutoCloseable {
    private final List<Logger> loggers;
    private final List<Level> levels = new java.util.ArrayList<>();
    private final ConcurrentLinkedQueue<String> messages = new ConcurrentLinkedQueue<>();
    private final SimpleFormatter formatter = new SimpleFormatter();

    LogCapture(String... names) {
        loggers = java.util.Arrays.stream(names).map(Logger::getLogger).toList();
        for (Logger l : loggers) {
            levels.add(l.getLevel());
            l.setLevel(Level.ALL);
            l.setUseParentHandlers(false);
            l.addHandler(this);
        }
    }

    List<String> messages() {
        return List.copyOf(messages);
    }

    @Override
    public void publish(LogRecord record) {
        if ("io.undertow.websockets.core.request".equals(record.getLoggerName())
                && String.valueOf(record.getMessage()).startsWith("Opening websocket connection to")) {
            return; // the test's own dialer (Undertow's client), which logs the address it dials, query and all
        }
        StringWriter text = new StringWriter();
        text.append(record.getLoggerName()).append(" [").append(Thread.currentThread().getName()).append("] ")
                .append(formatter.formatMessage(record));
        if (record.getThrown() != null) {
            record.getThrown().printStackTrace(new PrintWriter(text));
        }
        messages.add(text.toString());
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        for (int i = 0; i < loggers.size(); i++) {
            Logger l = loggers.get(i);
            l.removeHandler(this);
            l.setUseParentHandlers(true);
            l.setLevel(levels.get(i));
        }
    }
}
