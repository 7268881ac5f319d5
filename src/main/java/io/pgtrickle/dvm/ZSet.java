package io.pgtrickle.dvm;

import java.util.List;

/**
 * SQL for the states of an operator's input inside a delta statement. The current state is the
 * input as of the refresh snapshot; the OLD state (as of the previous frontier) is current minus
 * delta, as a weighted relation or expanded back into plain rows.
 */
public final class ZSet {

    public static final String RID = DiffResult.ROW_ID;
    public static final String W = DiffResult.WEIGHT;

    private ZSet() {
    }

    /** The current state with weight 1 on every row. */
    public static String current(DiffResult r) {
        String cols = Sql.columns("c", r.columns());
        return "SELECT " + cols + ", c." + RID + ", 1 AS " + W + " FROM (" + r.currentSql() + ") c";
    }

    /** The old state as a weighted relation: current rows with +1, delta rows with negated weight. */
    public static String old(DiffResult r) {
        return "SELECT " + Sql.columns("c", r.columns()) + ", c." + RID + ", 1 AS " + W + " FROM (" + r.currentSql()
                + ") c UNION ALL SELECT " + Sql.columns("d", r.columns()) + ", d." + RID + ", -d." + W + " FROM ("
                + r.deltaSql() + ") d";
    }

    /**
     * The old state as plain rows (duplicates repeated), restricted to rows satisfying
     * {@code filter} (an expression over the columns, or null for all).
     */
    public static String oldRows(DiffResult r, String filter) {
        String cols = Sql.columns(null, r.columns());
        return "SELECT " + Sql.columns("o", r.columns()) + ", o." + RID + " FROM (SELECT " + cols + ", " + RID
                + ", sum(" + W + ") AS __pgt_n FROM (" + old(r) + ") z"
                + (filter == null ? "" : " WHERE " + filter) + " GROUP BY " + cols + ", " + RID
                + " HAVING sum(" + W + ") > 0) o CROSS JOIN LATERAL generate_series(1, o.__pgt_n)";
    }

    /**
     * A 64-bit hash of the values of {@code exprs} by their types' own hash functions: equal for
     * values PostgreSQL considers equal however they print (20 and 20.0, '1 day' and '24 hours',
     * jsonb 1 and 1.00, float 0 and -0). The front end refuses keys of types without one. A
     * collision of two keys shows up as a duplicate row id (the refresh fails; nothing is merged):
     * jsonb's hash does not tell a scalar from a one-element array holding it ('1', '[1]').
     */
    public static String hash(List<String> exprs) {
        // seed 0 would hash a float or numeric zero like NULL (the seed is what they hash to)
        return "pg_catalog.hash_record_extended(ROW(" + String.join(", ", exprs) + "), 7)";
    }

    /**
     * A necessary condition for a row's group to be among {@code keyValues} (a subquery yielding
     * values of {@code firstKey}), written so that an index on the first group column can serve it:
     * the exact test on the full key's hash goes alongside it.
     */
    public static String keyPrefilter(String firstKey, String keyValues) {
        return "((" + firstKey + ") = ANY (ARRAY(" + keyValues + ")) OR (" + firstKey + ") IS NULL)";
    }

    /**
     * Whether a row's group (its values of {@code keys}) has a row in the delta of {@code r}: the
     * groups an operator must recompute. With no keys everything is one group, touched when the
     * delta is not empty.
     */
    public static String touchedGroups(DiffResult r, List<String> keys) {
        if (keys.isEmpty()) {
            return changed(r);
        }
        String first = keys.get(0);
        String key = hash(keys);
        return keyPrefilter(first, "SELECT DISTINCT " + first + " FROM (" + r.deltaSql() + ") d") + " AND " + key
                + " IN (SELECT " + key + " FROM (" + r.deltaSql() + ") d)";
    }

    /** Whether the delta has any row: an uncorrelated test PostgreSQL evaluates once. */
    public static String changed(DiffResult r) {
        return "EXISTS (SELECT 1 FROM (" + r.deltaSql() + ") __pgt_any)";
    }

    /** {@code cols} of relation {@code alias} renamed positionally to {@code names}. */
    public static String renamed(String alias, List<String> cols, List<String> names) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cols.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(alias).append('.').append(Sql.q(cols.get(i)))
                    .append(" AS ").append(Sql.q(names.get(i)));
        }
        return b.toString();
    }
}
