package io.pgtrickle.catalog;

/**
 * How stored rows are identified, which decides how a delta is merged.
 * KEYED: one row per key derived from source keys (an update is a change in place).
 * MULTISET: rows identified by their content; duplicates carry an ordinal.
 * ROW_NUMBER: FULL-only tables, rewritten whole on each refresh.
 */
public enum RowIdentity {
    KEYED, MULTISET, ROW_NUMBER
}
