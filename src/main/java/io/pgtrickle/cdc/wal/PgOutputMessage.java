package io.pgtrickle.cdc.wal;

import java.util.List;

/**
 * The messages of PostgreSQL's built-in {@code pgoutput} logical decoding plugin, protocol
 * version 1, that change capture reads (the protocol's "Logical Replication Message Formats").
 * Relation ids are the relations' oids; LSNs are unsigned 64-bit positions.
 */
public sealed interface PgOutputMessage {

    /** A transaction starts; {@code finalLsn} is where its commit record begins. */
    record Begin(long finalLsn, long commitTimeMicros, int xid) implements PgOutputMessage {
    }

    /** The transaction ends; {@code endLsn} is where its commit record ends. */
    record Commit(long commitLsn, long endLsn) implements PgOutputMessage {
    }

    /** Describes a relation before its first change in the stream, and again after it changed. */
    record Relation(long relid, String namespace, String name, char replicaIdentity, List<String> columns)
            implements PgOutputMessage {
    }

    record Insert(long relid, Tuple newRow) implements PgOutputMessage {
    }

    /**
     * {@code oldRow} is null unless the relation's replica identity sent it; {@code oldKeyOnly}
     * when it holds only the key columns (FULL sends every column).
     */
    record Update(long relid, Tuple oldRow, boolean oldKeyOnly, Tuple newRow) implements PgOutputMessage {
    }

    record Delete(long relid, Tuple oldRow, boolean oldKeyOnly) implements PgOutputMessage {
    }

    record Truncate(List<Long> relids) implements PgOutputMessage {
    }

    /** Anything else the stream carries (origin, type, logical message): not a change. */
    record Other(char kind) implements PgOutputMessage {
    }

    /**
     * A row's values in the relation's column order, as text; null for SQL NULL. {@code unchanged}
     * marks a TOASTed value an UPDATE did not change, which pgoutput does not resend.
     */
    record Tuple(List<String> values, boolean[] unchanged) {

        /** This row with its unchanged values taken from {@code old} (the row before the update). */
        public Tuple withUnchangedFrom(Tuple old) {
            if (old == null) {
                return this;
            }
            String[] v = values.toArray(String[]::new);
            for (int i = 0; i < v.length; i++) {
                if (unchanged[i] && i < old.values.size()) {
                    v[i] = old.values.get(i);
                }
            }
            return new Tuple(java.util.Arrays.asList(v), new boolean[v.length]);
        }

        public boolean hasUnchanged() {
            for (boolean u : unchanged) {
                if (u) {
                    return true;
                }
            }
            return false;
        }
    }
}
