package io.pgtrickle.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The engine's only door to PostgreSQL. Catalog statements use bind parameters; generated
 * statements (which contain user text) travel as a parameter of {@code pgtrickle._exec}, so
 * neither pgjdbc nor PL/Java's SPI driver rewrites their text ({@code ?}, {@code --}, {@code $$}).
 * Never commits: the host owns the transaction.
 */
public final class Db {

    /** Maps one row; may throw. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private final Connection connection;
    private Consumer<String> warningSink = w -> { };

    public Db(Connection connection) {
        this.connection = connection;
    }

    public Connection connection() {
        return connection;
    }

    /** Where server WARNING/NOTICE messages raised by engine statements go (CLI prints them). */
    public void onWarning(Consumer<String> sink) {
        this.warningSink = sink;
    }

    /** Runs generated SQL through pgtrickle._exec; returns the affected row count. */
    public long exec(String generatedSql) throws SQLException {
        return queryOne("SELECT pgtrickle._exec(?)", rs -> rs.getLong(1), generatedSql).orElse(0L);
    }

    public <T> List<T> query(String sql, RowMapper<T> mapper, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(sql, params); ResultSet rs = ps.executeQuery()) {
            List<T> out = new ArrayList<>();
            while (rs.next()) {
                out.add(mapper.map(rs));
            }
            drainWarnings(ps.getWarnings());
            return out;
        }
    }

    public <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... params) throws SQLException {
        List<T> rows = query(sql, mapper, params);
        return rows.isEmpty() ? Optional.empty() : Optional.ofNullable(rows.get(0));
    }

    /** Runs a catalog DML statement with bind parameters (no user text in it). */
    public int update(String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(sql, params)) {
            int n = ps.executeUpdate();
            drainWarnings(ps.getWarnings());
            return n;
        }
    }

    public void warn(String message) throws SQLException {
        query("SELECT pgtrickle._raise('WARNING', ?)", rs -> null, message);
    }

    private PreparedStatement prepare(String sql, Object... params) throws SQLException {
        PreparedStatement ps = connection.prepareStatement(sql);
        for (int i = 0; i < params.length; i++) {
            // Typed setters where the type is known: PL/Java's setObject searches its type bridges
            // for every value, a noticeable part of a one-row refresh in the backend.
            Object p = params[i];
            if (p == null) {
                // PL/Java needs a type for NULL: send text and let the SQL cast it (?::int).
                ps.setNull(i + 1, Types.VARCHAR);
            } else if (p instanceof String v) {
                ps.setString(i + 1, v);
            } else if (p instanceof Long v) {
                ps.setLong(i + 1, v);
            } else if (p instanceof Integer v) {
                ps.setInt(i + 1, v);
            } else if (p instanceof Boolean v) {
                ps.setBoolean(i + 1, v);
            } else if (p instanceof Double v) {
                ps.setDouble(i + 1, v);
            } else {
                ps.setObject(i + 1, p);
            }
        }
        return ps;
    }

    private void drainWarnings(SQLWarning w) {
        for (; w != null; w = w.getNextWarning()) {
            // Class 01 is WARNING; NOTICEs (00000) such as "does not exist, skipping" are noise here.
            if (w.getSQLState() != null && w.getSQLState().startsWith("01")) {
                warningSink.accept(w.getMessage());
            }
        }
    }
}
