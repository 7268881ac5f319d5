package io.pgtrickle.support;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The correctness oracle: a stream table must hold exactly the rows of its defining query run
 * from scratch, as a multiset (duplicates counted, order ignored, NULLs equal to NULLs).
 */
public final class Oracle {

    private Oracle() {
    }

    /**
     * Rows in one side and not the other, rendered as text; empty when they match. Rows compare
     * by their types' equality (so 20 and 20.0 are one value, as in PostgreSQL); by text when
     * some column's type has no equality (json, point).
     */
    public static List<String> differences(Connection c, String streamTable, String query) throws SQLException {
        String cols = "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute"
                + " WHERE attrelid = '" + streamTable.replace("'", "''") + "'::regclass AND attnum > 0"
                + " AND NOT attisdropped AND attname NOT LIKE '\\_\\_pgt\\_%'";
        String list;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(cols)) {
            rs.next();
            list = rs.getString(1);
        }
        try {
            return diff(c, "SELECT " + list + " FROM " + streamTable, "SELECT * FROM (" + query + ") q");
        } catch (SQLException e) {
            if (!"42883".equals(e.getSQLState())) { // undefined_function: a type without equality
                throw e;
            }
            return diff(c, "SELECT ROW(" + list + ")::text AS r FROM " + streamTable,
                    "SELECT ROW(q.*)::text AS r FROM (" + query + ") q");
        }
    }

    private static List<String> diff(Connection c, String stored, String fresh) throws SQLException {
        String diff = "(SELECT 'missing ' || ROW(a.*)::text FROM (" + fresh + " EXCEPT ALL " + stored + ") a)"
                + " UNION ALL (SELECT 'extra ' || ROW(b.*)::text FROM (" + stored + " EXCEPT ALL " + fresh + ") b) LIMIT 20";
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(diff)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    public static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The first column of the first row as text. */
    public static String single(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
