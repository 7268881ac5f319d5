package io.pgtrickle.dvm;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shared state while generating one stream table's SQL. The frontier of the refresh is read from
 * the CTE {@value #FRONTIER_CTE} (columns {@code prev}, {@code prev_xid}) that the refresher puts
 * in front of every delta statement.
 */
public final class DiffContext {

    public static final String FRONTIER_CTE = "__pgt_f";

    private final AtomicInteger aliases = new AtomicInteger();

    /** A fresh alias for a generated subquery. */
    public String alias() {
        return "__pgt_s" + aliases.incrementAndGet();
    }

    /**
     * True when a change row written by transaction {@code xidExpr} was already consumed at the
     * frontier: its writer is visible in the frontier snapshot or is the refresh that set it.
     */
    public static String consumedAtFrontier(String xidExpr) {
        String f = FRONTIER_CTE;
        return "(pg_visible_in_snapshot(" + xidExpr + ", " + f + ".prev) OR " + xidExpr + " = " + f + ".prev_xid)";
    }
}
