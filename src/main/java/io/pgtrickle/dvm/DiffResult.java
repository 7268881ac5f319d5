package io.pgtrickle.dvm;

import java.util.List;

/**
 * What an operator hands to its parent: the same relation twice, as SQL text.
 * {@code currentSql} is the relation as of the refresh snapshot; {@code deltaSql} is a Z-set of
 * the rows that changed since the frontier, weighted by {@code __pgt_w} (+1 insert, -1 delete).
 * Both carry {@code columns} plus {@code __pgt_rid}, the row identity (null when {@code keyed} is false).
 */
public record DiffResult(String currentSql, String deltaSql, List<String> columns, boolean keyed) {

    public static final String ROW_ID = "__pgt_rid";
    public static final String WEIGHT = "__pgt_w";
}
