package io.pgtrickle.cdc.wal;

import io.pgtrickle.catalog.StreamTable;
import io.pgtrickle.cdc.wal.PgOutputMessage.Tuple;
import io.pgtrickle.sql.Db;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * WAL change capture from the refresh's side (wal.sql has the slot, the publication and the
 * argument for exactness). A refresh of a stream table with WAL-captured sources first decodes the
 * database's slot for them, in its own transaction and after its snapshot is fixed: the changes of
 * every transaction that snapshot sees are put into the sources' change buffers, where the delta
 * reads them exactly as it reads trigger-captured rows, and are deleted again before the refresh
 * commits. What the stream table keeps is only where its next decode starts.
 */
public final class WalCapture {

    /**
     * What a decode found: a reason this refresh must recompute (or null), the changes stored, and
     * when it started (the refresh's duration includes it; 0 and null when there was no decode).
     */
    public record Decoded(String fullReason, long changes, long startedNanos, OffsetDateTime startedAt) {
        public static final Decoded NOTHING = new Decoded(null, 0, 0, null);
    }

    private WalCapture() {
    }

    /**
     * Creates the database's replication slot if WAL capture could use it, before the calling
     * transaction writes anything (a slot cannot be created after that). A refusal (the transaction
     * has written, slots are exhausted, running transactions do not end within 2 s) only means the
     * sources keep their triggers for now; the worker tries again.
     */
    public static void prepareSlot(Db db) throws SQLException {
        if (!db.queryOne("SELECT current_setting('wal_level') = 'logical' AND NOT EXISTS (SELECT 1 FROM"
                + " pg_catalog.pg_replication_slots s WHERE s.slot_name = pgtrickle._wal_slot())", rs -> rs.getBoolean(1))
                .orElse(false)) {
            return;
        }
        // (a refusal is a NOTICE: no savepoint to roll back, which PL/Java's SPI could not do here)
        db.query("SELECT pgtrickle._wal_ensure_slot(true)", rs -> null);
    }

    /**
     * Drops the replication slot once no source is WAL-captured. The slot is not transactional: if
     * the caller rolls back, the next decode finds it gone and goes back to triggers (FULL once).
     */
    public static void dropUnusedSlot(Db db) throws SQLException {
        db.query("SELECT pgtrickle._wal_drop_unused_slot()", rs -> null);
    }

    /**
     * Decodes for {@code st} (locked by the caller). With {@code lockSources}, a READ COMMITTED
     * caller holds off the sources' writers until it commits, so that its later statements see the
     * sources as decoded; a REPEATABLE READ caller needs no lock.
     */
    public static Decoded decode(Db db, StreamTable st, boolean lockSources) throws SQLException {
        if (!st.walCaptured()) {
            return Decoded.NOTHING;
        }
        long startedNanos = System.nanoTime();
        OffsetDateTime startedAt = OffsetDateTime.now();
        Batch batch = new Batch();
        db.query("SELECT p.kind::text, p.lsn::text, p.relid::bigint, p.info, p.data, p.snapshot,"
                        + " (SELECT s.wal_restart_lsn::text FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_id = ?)"
                        + " FROM pgtrickle._wal_peek(?, ?, ?::pg_lsn) p",
                rs -> {
                    batch.read(rs.getString(1).charAt(0), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getBytes(5),
                            rs.getString(6), rs.getString(7));
                    return null;
                }, st.id(), st.id(), lockSources, st.walMark());
        if (!batch.started) {
            return batch.fullReason == null ? Decoded.NOTHING : new Decoded(batch.fullReason, 0, startedNanos, startedAt);
        }
        long stored = db.queryOne("SELECT pgtrickle._wal_store(?, ?::pg_lsn, ?::oid[], ?::xid8[], ?::\"char\"[], ?::text[])",
                rs -> rs.getLong(1), st.id(), Lsn.format(batch.restart), batch.column(c -> Long.toString(c.source)),
                batch.column(c -> Long.toUnsignedString(c.xid)), batch.column(c -> String.valueOf(c.action)),
                batch.column(c -> c.row)).orElse(0L);
        return new Decoded(batch.fullReason, stored, startedNanos, startedAt);
    }

    /** The decoded stream of one refresh, read row by row from pgtrickle._wal_peek. */
    private static final class Batch {
        boolean started;
        String fullReason;
        long restart;
        private long from;
        private Snapshot snapshot;
        private final Map<Long, List<String>> bufferColumns = new HashMap<>();
        /** Per relation, where each buffer column is in its decoded rows (-1: not sent): from its Relation message. */
        private final Map<Long, int[]> positions = new HashMap<>();
        private final List<Change> rows = new ArrayList<>();
        private Transaction current;

        void read(char kind, String lsn, long relid, String info, byte[] data, String snapshotText, String restartText) {
            switch (kind) {
                case 'h' -> {
                    started = lsn != null; // (no position: the slot is gone, nothing was decoded)
                    fullReason = info;
                    restart = lsn == null ? 0 : Lsn.parse(lsn); // where decoding ended, unless a later commit says earlier
                    from = restartText == null ? 0 : Lsn.parse(restartText);
                    snapshot = Snapshot.parse(snapshotText);
                }
                case 's' -> {
                    List<String> columns = info == null ? List.of() : Arrays.asList(info.split("\u0001", -1));
                    bufferColumns.put(relid, columns);
                }
                default -> message(PgOutputDecoder.decode(data));
            }
        }

        private void message(PgOutputMessage m) {
            if (m instanceof PgOutputMessage.Begin b) {
                current = new Transaction(snapshot.widen(b.xid()), b.finalLsn(), Long.compareUnsigned(b.finalLsn(), from) < 0);
            } else if (m instanceof PgOutputMessage.Relation r) {
                List<String> wanted = bufferColumns.getOrDefault(r.relid(), List.of());
                positions.put(r.relid(), wanted.stream().mapToInt(r.columns()::indexOf).toArray());
            } else if (m instanceof PgOutputMessage.Insert i) {
                change(i.relid(), 'I', i.newRow());
            } else if (m instanceof PgOutputMessage.Update u) {
                if (u.oldRow() == null || u.oldKeyOnly()) {
                    gap(u.relid(), "an updated row of " + u.relid() + " came without its old values (replica identity is not FULL)");
                } else {
                    change(u.relid(), 'D', u.oldRow());
                    change(u.relid(), 'I', u.newRow().withUnchangedFrom(u.oldRow()));
                }
            } else if (m instanceof PgOutputMessage.Delete d) {
                if (d.oldKeyOnly()) {
                    gap(d.relid(), "a deleted row of " + d.relid() + " came without its old values (replica identity is not FULL)");
                } else {
                    change(d.relid(), 'D', d.oldRow());
                }
            } else if (m instanceof PgOutputMessage.Truncate t) {
                for (long relid : t.relids()) {
                    if (bufferColumns.containsKey(relid) && current != null && !current.skipped) {
                        current.rows.add(new Change(relid, current.xid, 'T', null));
                    }
                }
            } else if (m instanceof PgOutputMessage.Commit) {
                commit();
            }
        }

        private void change(long relid, char action, Tuple tuple) {
            if (current == null || current.skipped || !bufferColumns.containsKey(relid)) {
                return;
            }
            int[] at = positions.get(relid);
            int width = bufferColumns.get(relid).size();
            // the row as a literal of the source's row type: (v1,"v 2",,...), an empty field being NULL
            StringBuilder row = new StringBuilder("(");
            for (int i = 0; i < width; i++) {
                int src = at == null ? -1 : at[i];
                if (src < 0 || src >= tuple.values().size() || tuple.unchanged()[src]) {
                    // written before the source's columns changed: that change makes the stream table rebuild
                    gap(relid, "a change of " + relid + " was written with other columns than the source has now");
                    return;
                }
                String v = tuple.values().get(src);
                row.append(i == 0 ? "" : ",");
                if (v != null) {
                    row.append(quoted(v));
                }
            }
            current.rows.add(new Change(relid, current.xid, action, row.append(')').toString()));
        }

        /** A change this refresh would need but cannot store: only recomputing is exact. */
        private void gap(long relid, String reason) {
            if (current != null && !current.skipped && bufferColumns.containsKey(relid) && snapshot.sees(current.xid)
                    && fullReason == null) {
                fullReason = reason;
            }
        }

        private void commit() {
            Transaction t = current;
            current = null;
            if (t == null || t.skipped) {
                return;
            }
            if (snapshot.sees(t.xid)) {
                rows.addAll(t.rows);
            } else if (Long.compareUnsigned(t.finalLsn, restart) < 0) {
                // committed, but not yet visible to this refresh: the next one decodes it again
                restart = t.finalLsn;
            }
        }

        /** One property of every stored change, as an array literal (an element NULL where it is null). */
        String column(java.util.function.Function<Change, String> property) {
            StringBuilder out = new StringBuilder(rows.size() * 8).append('{');
            for (int i = 0; i < rows.size(); i++) {
                String v = property.apply(rows.get(i));
                out.append(i == 0 ? "" : ",").append(v == null ? "NULL" : quoted(v));
            }
            return out.append('}').toString();
        }
    }

    /** {@code v} double-quoted for an array or row literal (backslash and quote escaped). */
    private static String quoted(String v) {
        return '"' + v.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** A change to store: its source, writer, action, and the row as a row-type literal (null for a TRUNCATE). */
    private record Change(long source, long xid, char action, String row) {
    }

    /** A decoded transaction; {@code skipped} when it commits before where this stream table's decode starts. */
    private static final class Transaction {
        final long xid;
        final long finalLsn;
        final boolean skipped;
        final List<Change> rows = new ArrayList<>();

        Transaction(long xid, long finalLsn, boolean skipped) {
            this.xid = xid;
            this.finalLsn = finalLsn;
            this.skipped = skipped;
        }
    }
}
