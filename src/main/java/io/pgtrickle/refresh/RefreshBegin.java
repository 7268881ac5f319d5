package io.pgtrickle.refresh;

import io.pgtrickle.sql.Db;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code pgtrickle._refresh_begin} found, in the one round trip a refresh starts with: each
 * source is still the relation the SQL was built for, locked and readable by the owner; the
 * refresh's settings are set (the values they replaced are kept to restore); the changes pending
 * since the frontier are counted and what only a FULL refresh can handle is named; the frontier the
 * commit latency is measured from and AUTO's cost model are read. Arrays travel as text: PL/Java's
 * SPI driver does not read them as {@link java.sql.Array}.
 */
record RefreshBegin(long pending, String fullReason, long sourceRows, List<Long> unanalysed,
                    boolean measureLatency, String prevFrontier, String prevXid, String[] oldSettings,
                    boolean readByOthers, CostModel cost) {

    static RefreshBegin run(Db db, long id, Map<String, String> settings) throws SQLException {
        String[] names = settings.keySet().toArray(String[]::new);
        return db.queryOne("SELECT pending, full_reason, source_rows, array_to_string(unanalysed, ','), measure_latency,"
                        + " prev_frontier, prev_xid, array_to_string(old_settings, chr(1)), read_by_others, full_ms,"
                        + " differential_fixed_ms, differential_ms_per_change"
                        + " FROM pgtrickle._refresh_begin(?, ?::text[], ?::text[])",
                rs -> new RefreshBegin(rs.getLong(1), rs.getString(2), rs.getLong(3), longs(rs.getString(4)),
                        rs.getBoolean(5), rs.getString(6), rs.getString(7), strings(rs.getString(8), names.length),
                        rs.getBoolean(9),
                        CostModel.of((Double) rs.getObject(10), (Double) rs.getObject(11), (Double) rs.getObject(12))),
                id, textArray(names), textArray(settings.values().toArray(String[]::new))).orElseThrow();
    }

    /** A text[] literal of {@code values}. */
    static String textArray(String[] values) {
        StringBuilder out = new StringBuilder("{");
        for (String v : values) {
            out.append(out.length() == 1 ? "" : ",").append('"')
                    .append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return out.append('}').toString();
    }

    /** {@code n} values joined by chr(1) (an empty value is an empty string). */
    private static String[] strings(String joined, int n) {
        return n == 0 ? new String[0] : (joined == null ? "" : joined).split("\u0001", -1);
    }

    private static List<Long> longs(String joined) {
        List<Long> out = new ArrayList<>();
        if (joined != null && !joined.isEmpty()) {
            for (String v : joined.split(",")) {
                out.add(Long.parseLong(v));
            }
        }
        return out;
    }
}
