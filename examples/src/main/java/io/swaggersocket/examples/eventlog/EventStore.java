package io.swaggersocket.examples.eventlog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Thread-safe: the events in an embedded H2 database (a file, so the log survives a restart),
 * through plain JDBC. Appends are serialised on one connection that stays open for the store's
 * life (which also keeps the database open); each read takes a connection of its own and reads
 * in chunks by keyset ({@code (ts, seq)}), so no cursor stays open while a slow caller reads.
 */
final class EventStore implements AutoCloseable {
    /** Rows read per query of a find. */
    static final int CHUNK = 1000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() { };

    private final String url;
    private final Connection writer; // guarded by this
    private long lastSeq; // guarded by this

    private EventStore(String url, Connection writer, long lastSeq) {
        this.url = url;
        this.writer = writer;
        this.lastSeq = lastSeq;
    }

    /** Opens (creating if needed) the database {@code eventlog} in {@code directory}. */
    static EventStore open(Path directory) throws SQLException {
        String url = "jdbc:h2:file:" + directory.toAbsolutePath().resolve("eventlog") + ";DB_CLOSE_ON_EXIT=FALSE";
        Connection writer = DriverManager.getConnection(url, "sa", "");
        try (Statement s = writer.createStatement()) {
            // VARCHAR lengths in UTF-16 units: twice the schema's code-point limits
            s.execute("CREATE TABLE IF NOT EXISTS events (seq BIGINT PRIMARY KEY, id VARCHAR(128) NOT NULL,"
                    + " ts DOUBLE PRECISION NOT NULL, source VARCHAR(2048) NOT NULL, tags VARCHAR(1000000) NOT NULL,"
                    + " content VARCHAR(131072) NOT NULL)");
            s.execute("CREATE INDEX IF NOT EXISTS events_ts ON events(ts, seq)");
            try (ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(seq), 0) FROM events")) {
                rs.next();
                return new EventStore(url, writer, rs.getLong(1));
            }
        } catch (SQLException e) {
            writer.close();
            throw e;
        }
    }

    /** Stores {@code events} in one transaction, giving each the next seq; returns them as stored. */
    synchronized List<LoggedEvent> append(List<LoggedEvent> events) throws SQLException {
        List<LoggedEvent> stored = new ArrayList<>(events.size());
        long seq = lastSeq;
        writer.setAutoCommit(false);
        try (PreparedStatement insert = writer.prepareStatement(
                "INSERT INTO events (seq, id, ts, source, tags, content) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (LoggedEvent e : events) {
                LoggedEvent s = new LoggedEvent(++seq, e.id(), e.timestamp(), e.source(), e.tags(), e.content());
                insert.setLong(1, s.seq());
                insert.setString(2, s.id());
                insert.setDouble(3, s.timestamp());
                insert.setString(4, s.source());
                insert.setString(5, tagsText(s.tags()));
                insert.setString(6, s.content());
                insert.addBatch();
                stored.add(s);
            }
            insert.executeBatch();
            writer.commit();
            lastSeq = seq;
        } catch (SQLException | RuntimeException e) {
            writer.rollback();
            throw e;
        } finally {
            writer.setAutoCommit(true);
        }
        return stored;
    }

    /** How many events are stored. */
    long count() throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "sa", "");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM events")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** A reader of the events within the query's time range, in order; close it when done. */
    Reader read(EventQuery query, boolean descending) throws SQLException {
        return new Reader(DriverManager.getConnection(url, "sa", ""), query, descending);
    }

    @Override
    public synchronized void close() throws SQLException {
        writer.close(); // the last connection: H2 closes the database (DB_CLOSE_DELAY is 0)
    }

    private static String tagsText(List<String> tags) {
        try {
            return JSON.writeValueAsString(tags);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a list of strings is always JSON", e);
        }
    }

    /**
     * Not thread-safe: the events of one find, chunk by chunk, after the last one returned. The
     * time bound that moves with the keyset is the one the index range starts from, so each chunk
     * is an index range scan rather than a sort of what is left.
     */
    static final class Reader implements AutoCloseable {
        private final Connection connection;
        private final PreparedStatement next;
        private final boolean descending;
        private final double start;
        private final double end;
        private double lastTs;
        private long lastSeq;

        private Reader(Connection connection, EventQuery query, boolean descending) throws SQLException {
            this.connection = connection;
            this.descending = descending;
            String after = descending ? "(ts < ? OR seq < ?)" : "(ts > ? OR seq > ?)";
            String order = descending ? "ts DESC, seq DESC" : "ts, seq";
            try {
                this.next = connection.prepareStatement("SELECT seq, id, ts, source, tags, content FROM events"
                        + " WHERE ts >= ? AND ts <= ? AND " + after + " ORDER BY " + order + " LIMIT ?");
            } catch (SQLException e) {
                connection.close();
                throw e;
            }
            start = query.start() == null ? 0 : query.start();
            end = query.end() == null ? Double.MAX_VALUE : query.end();
            lastTs = descending ? Double.MAX_VALUE : -1;
            lastSeq = descending ? Long.MAX_VALUE : -1;
        }

        /** Up to {@code max} more events; empty at the end. */
        List<LoggedEvent> next(int max) throws SQLException {
            next.setDouble(1, descending ? start : Math.max(start, lastTs));
            next.setDouble(2, descending ? Math.min(end, lastTs) : end);
            next.setDouble(3, lastTs);
            next.setLong(4, lastSeq);
            next.setInt(5, max);
            List<LoggedEvent> chunk = new ArrayList<>(Math.min(max, CHUNK));
            try (ResultSet rs = next.executeQuery()) {
                while (rs.next()) {
                    chunk.add(new LoggedEvent(rs.getLong(1), rs.getString(2), rs.getDouble(3), rs.getString(4),
                            tags(rs.getString(5)), rs.getString(6)));
                }
            }
            if (!chunk.isEmpty()) {
                LoggedEvent last = chunk.get(chunk.size() - 1);
                lastTs = last.timestamp();
                lastSeq = last.seq();
            }
            return chunk;
        }

        private static List<String> tags(String text) throws SQLException {
            try {
                return JSON.readValue(text, STRINGS);
            } catch (JsonProcessingException e) {
                throw new SQLException("a stored tags column is not a JSON list: " + e.getOriginalMessage(), e);
            }
        }

        @Override
        public void close() throws SQLException {
            connection.close();
        }
    }
}
