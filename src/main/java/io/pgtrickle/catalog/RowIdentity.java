package io.pgtrickle.catalog;

/**
 * How stored rows are identified, which decides how a delta is merged.
 * KEYED: one row per key derived from source keys (an update is a change in place).
 * MULTISET: rows identified by their content; duplicates carry an ordinal.
 * NONE: FULL-only tables, rewritten whole on each refresh: rows need no identity (numbering them
 * cost a FULL refresh a window pass over every row, a third of a million-row recompute).
 */
public enum RowIdentity {
    KEYED, MULTISET, NONE
}
