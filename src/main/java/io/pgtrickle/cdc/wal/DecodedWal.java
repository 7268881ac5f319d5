package io.pgtrickle.cdc.wal;

import io.pgtrickle.catalog.StreamTable;
import io.pgtrickle.cdc.wal.PgOutputMessage.Tuple;
import io.pgtrickle.sql.Db;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One pass over the replication slot for some stream tables, as one snapshot sees it: the
 * transactions that snapshot sees, with their changes to the decoded sources, and where the next
 * decode must start again (the earliest commit it decoded but does not see). Nothing in it belongs
 * to one stream table, so one pass can serve every refresh that runs in that snapshot; {@link
 * #storeFor} picks out what one of them has not consumed yet.
 */
public final class DecodedWal {

    /** When no header came back (no source is WAL-captured any more), or its position is null (the slot is gone). */
    private boolean started;
    private String fullReason;
    private long restart;
    /** The least restart position of the stream tables decoded for: what commits before it, none of them needs. */
    private long from;
    private Snapshot snapshot;
    private final Map<Long, List<String>> bufferColumns = new HashMap<>();
    /** Per relation, where each buffer column is in its decoded rows (-1: not sent): from its Relation message. */
    private final Map<Long, int[]> positions = new HashMap<>();
    /** The decoded transactions the snapshot sees, in commit order. */
    private final List<Transaction> visible = new ArrayList<>();
    private Transaction current;

    private DecodedWal() {
    }

    /**
     * Decodes for stream tables {@code ids} in the caller's transaction (see pgtrickle._wal_peek for
     * {@code lockSources} and {@code mark}).
     */
    public static DecodedWal read(Db db, List<Long> ids, boolean lockSources, String mark) throws SQLException {
        DecodedWal wal = new DecodedWal();
        String idArray = "{" + String.join(",", ids.stream().map(String::valueOf).toList()) + "}";
        db.query("SELECT p.kind::text, p.lsn::text, p.relid::bigint, p.info, p.data, p.snapshot,"
                        + " (SELECT CASE WHEN bool_or(s.wal_restart_lsn IS NULL) THEN NULL"
                        + " ELSE min(s.wal_restart_lsn)::text END FROM pgtrickle.pgt_stream_tables s"
                        + " WHERE s.pgt_id = ANY (?::bigint[]))"
                        + " FROM pgtrickle._wal_peek(?::bigint[], ?, ?::pg_lsn) p",
                rs -> {
                    wal.read(rs.getString(1).charAt(0), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getBytes(5),
                            rs.getString(6), rs.getString(7));
                    return null;
                }, idArray, idArray, lockSources, mark);
        return wal;
    }

    /** Whether the slot was read: false when the sources are no longer WAL-captured, or the slot is gone. */
    public boolean started() {
        return started;
    }

    /**
     * Stores into the change buffers, in the caller's transaction, what {@code st} needs of this
     * decode: the changes to its WAL-captured sources by transactions that commit where its last
     * decode ended or later. The caller's snapshot must be the one decoded with.
     */
    public WalCapture.Decoded storeFor(Db db, StreamTable st, long startedNanos, OffsetDateTime startedAt)
            throws SQLException {
        if (!st.walCaptured() || WalCapture.recomputes(st)) {
            return WalCapture.Decoded.NOTHING;
        }
        if (!started) {
            return fullReason == null ? WalCapture.Decoded.NOTHING
                    : new WalCapture.Decoded(fullReason, 0, startedNanos, startedAt);
        }
        String[] own = db.queryOne("SELECT st.wal_restart_lsn::text, array_to_string(ARRAY(SELECT dep.source_relid"
                + " FROM pgtrickle.pgt_dependencies dep WHERE dep.pgt_id = st.pgt_id AND dep.cdc_mode = 'WAL'), ',')"
                + " FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_id = ?",
                rs -> new String[] {rs.getString(1), rs.getString(2)}, st.id()).orElseThrow();
        long from = own[0] == null ? 0 : Lsn.parse(own[0]);
        Set<Long> sources = new HashSet<>();
        for (String s : own[1].isEmpty() ? new String[0] : own[1].split(",")) {
            sources.add(Long.parseLong(s));
        }
        String reason = fullReason;
        List<Change> rows = new ArrayList<>();
        for (Transaction t : visible) {
            if (Long.compareUnsigned(t.finalLsn, from) < 0) {
                continue; // consumed by an earlier refresh of st
            }
            for (Gap g : t.gaps) {
                if (reason == null && sources.contains(g.relid)) {
                    reason = g.reason;
                }
            }
            for (Change c : t.rows) {
                if (sources.contains(c.source)) {
                    rows.add(c);
                }
            }
        }
        long stored = db.queryOne("SELECT pgtrickle._wal_store(?, ?::pg_lsn, ?::oid[], ?::xid8[], ?::\"char\"[], ?::text[])",
                rs -> rs.getLong(1), st.id(), Lsn.format(restart), column(rows, c -> Long.toString(c.source)),
                column(rows, c -> Long.toUnsignedString(c.xid)), column(rows, c -> String.valueOf(c.action)),
                column(rows, c -> c.row)).orElse(0L);
        return new WalCapture.Decoded(reason, stored, startedNanos, startedAt);
    }

    private void read(char kind, String lsn, long relid, String info, byte[] data, String snapshotText,
                      String leastRestart) {
        switch (kind) {
            case 'h' -> {
                from = leastRestart == null ? 0 : Lsn.parse(leastRestart);
                started = lsn != null; // (no position: the slot is gone, nothing was decoded)
                fullReason = info;
                restart = lsn == null ? 0 : Lsn.parse(lsn); // where decoding ended, unless a later commit says earlier
                snapshot = Snapshot.parse(snapshotText);
            }
            case 's' -> bufferColumns.put(relid, info == null ? List.of() : Arrays.asList(info.split("\u0001", -1)));
            default -> message(PgOutputDecoder.decode(data));
        }
    }

    private void message(PgOutputMessage m) {
        if (m instanceof PgOutputMessage.Begin b) {
            // (not visible then either: no commit before `from` holds the restart position back)
            current = Long.compareUnsigned(b.finalLsn(), from) < 0 ? null
                    : new Transaction(snapshot.widen(b.xid()), b.finalLsn());
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
                if (bufferColumns.containsKey(relid) && current != null) {
                    current.rows.add(new Change(relid, current.xid, 'T', null));
                }
            }
        } else if (m instanceof PgOutputMessage.Commit) {
            commit();
        }
    }

    private void change(long relid, char action, Tuple tuple) {
        if (current == null || !bufferColumns.containsKey(relid)) {
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

    /** A change a refresh would need but cannot be given: only recomputing is exact for its readers. */
    private void gap(long relid, String reason) {
        if (current != null && bufferColumns.containsKey(relid)) {
            current.gaps.add(new Gap(relid, reason));
        }
    }

    private void commit() {
        Transaction t = current;
        current = null;
        if (t == null) {
            return;
        }
        if (snapshot.sees(t.xid)) {
            if (!t.rows.isEmpty() || !t.gaps.isEmpty()) {
                visible.add(t);
            }
        } else if (Long.compareUnsigned(t.finalLsn, restart) < 0) {
            // committed, but not yet visible to this snapshot: the next decode reads it again
            restart = t.finalLsn;
        }
    }

    /** One property of every change, as an array literal (an element NULL where it is null). */
    private static String column(List<Change> rows, Function<Change, String> property) {
        StringBuilder out = new StringBuilder(rows.size() * 8).append('{');
        for (int i = 0; i < rows.size(); i++) {
            String v = property.apply(rows.get(i));
            out.append(i == 0 ? "" : ",").append(v == null ? "NULL" : quoted(v));
        }
        return out.append('}').toString();
    }

    /** {@code v} double-quoted for an array or row literal (backslash and quote escaped). */
    private static String quoted(String v) {
        return '"' + v.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** A change to store: its source, writer, action, and the row as a row-type literal (null for a TRUNCATE). */
    private record Change(long source, long xid, char action, String row) {
    }

    /** A change of {@code relid} that could not be decoded into a row, and why. */
    private record Gap(long relid, String reason) {
    }

    /** A decoded transaction: its writer, where it commits, and its changes to the decoded sources. */
    private static final class Transaction {
        final long xid;
        final long finalLsn;
        final List<Change> rows = new ArrayList<>();
        final List<Gap> gaps = new ArrayList<>();

        Transaction(long xid, long finalLsn) {
            this.xid = xid;
            this.finalLsn = finalLsn;
        }
    }
}
