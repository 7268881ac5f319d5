package io.pgtrickle.dvm;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shared state while generating one stream table's SQL. The frontier of the refresh is read from
 * the CTE {@value #FRONTIER_CTE} (columns {@code prev}, {@code prev_xid}, {@code prev_change_id})
 * that the refresher puts in front of every delta statement, the stored rows from
 * {@value #STORAGE_CTE}.
 */
public final class DiffContext {

    public static final String FRONTIER_CTE = "__pgt_f";

    /**
     * The stream table's own storage as of the previous refresh, which the refresher also puts in
     * front of every delta statement (not materialized, so lookups by row id use its index).
     */
    public static final String STORAGE_CTE = "__pgt_storage";

    /**
     * The groups a HAVING left out as of the previous refresh (their counters), which the refresher
     * also puts in front of the delta statement of a stream table that keeps them
     * ({@link #keepLeftOut}); the delta's rows of weight 0 say how that table changes: the row put
     * there ({@value #LEFT_OUT_FLAG} true) or taken out (false).
     */
    public static final String LEFT_OUT_CTE = "__pgt_left_out";
    public static final String LEFT_OUT_FLAG = "__pgt_out";

    private final AtomicInteger aliases;
    private String leftOutSql;
    private final StringBuilder deltas = new StringBuilder();
    private final Map<String, String> shared = new HashMap<>();
    private int deltaCount;

    public DiffContext() {
        this(new AtomicInteger());
    }

    private DiffContext(AtomicInteger aliases) {
        this.aliases = aliases;
    }

    /**
     * A context whose shared deltas go nowhere, for SQL an operator generates only for its current
     * state (a recursive CTE's step inside {@code WITH RECURSIVE}); aliases stay unique.
     */
    public DiffContext scratch() {
        return new DiffContext(aliases);
    }

    /** A fresh alias for a generated subquery. */
    public String alias() {
        return "__pgt_s" + aliases.incrementAndGet();
    }

    /** The frontier columns of stream table {@code idExpr} under the names {@link #consumedAtFrontier} uses. */
    public static String frontierOf(String idExpr) {
        return "SELECT frontier AS prev, frontier_xid AS prev_xid, frontier_change_id AS prev_change_id"
                + " FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + idExpr;
    }

    /**
     * Where in a change buffer's xid index the rows not yet consumed at the frontier can be: from
     * the frontier's xmin up (anything older is visible in it; no frontier yet: all of it). Written
     * as a range whose upper end always holds: the planner cannot know the frontier, and estimates
     * such a range at 0.5% of the buffer instead of a third, so a statement planned once per session
     * still probes the storage for a small delta when a seldom-refreshed reader keeps many rows there.
     */
    public static String writtenSinceFrontier(String xidExpr) {
        return xidExpr + " >= (SELECT coalesce(pg_catalog.pg_snapshot_xmin(" + FRONTIER_CTE + ".prev), '0'::xid8) FROM "
                + FRONTIER_CTE + ") AND " + xidExpr + " <= '18446744073709551615'::xid8"
                + " /* always true: a range is estimated small */";
    }

    /**
     * True when a change row (writer {@code xidExpr}, number {@code changeIdExpr}) was already
     * consumed at the frontier: its writer is visible in the frontier snapshot, or is the refresh
     * that set it and wrote the row before that refresh (rows it writes afterwards are new). The
     * rule itself is the SQL function pgtrickle._consumed (catalog.sql), which the planner inlines.
     */
    public static String consumedAtFrontier(String xidExpr, String changeIdExpr) {
        String f = FRONTIER_CTE;
        return "pgtrickle._consumed(" + xidExpr + ", " + changeIdExpr + ", " + f + ".prev, " + f + ".prev_xid, " + f
                + ".prev_change_id)";
    }

    /**
     * Names an operator's delta once, as a CTE of the delta statement, and returns the query that
     * reads it. Operators use their inputs' deltas several times (a join reads each side's delta
     * against the other's states); written out each time, a deep tree's statement grows
     * exponentially, and PostgreSQL computes a CTE read more than once only once.
     */
    public String shareDelta(String deltaSql) {
        return "SELECT * FROM " + share(deltaSql);
    }

    /** Names {@code sql} as a CTE of the delta statement, after those named so far, and returns the name. */
    public String share(String sql) {
        String known = shared.get(sql);
        if (known != null) {
            return known; // the same subtree twice (a self-join's two scans of one table): computed once
        }
        String name = "__pgt_d" + (++deltaCount);
        shared.put(sql, name);
        deltas.append(deltas.length() == 0 ? "WITH " : ",\n").append(name).append(" AS (").append(sql).append(")");
        return name;
    }

    /**
     * The root keeps the groups its HAVING leaves out ({@value #LEFT_OUT_CTE}); {@code fullSql} yields
     * them as of the refresh snapshot, for a FULL refresh to fill that table with.
     */
    public void keepLeftOut(String fullSql) {
        this.leftOutSql = fullSql;
    }

    /** What {@link #keepLeftOut} recorded, or null. */
    public String leftOutSql() {
        return leftOutSql;
    }

    /** The WITH clause that defines every shared delta ("" when there is none), for the top of the statement. */
    public String sharedDeltas() {
        return deltas.length() == 0 ? "" : deltas + "\n";
    }
}
