package io.pgtrickle.scheduler;

import io.pgtrickle.cdc.wal.DecodedWal;
import io.pgtrickle.sql.Db;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One pass over the replication slot for all of a tick's WAL-captured refreshes. Decoding reads
 * all the WAL since the slot's position, whatever it holds, and is most of what a WAL-captured
 * refresh costs; several stream tables over the same sources would each pay it. Instead, a
 * connection of its own opens a REPEATABLE READ transaction, exports its snapshot, and decodes
 * once for them all; each of their refreshes imports that snapshot ({@code SET TRANSACTION
 * SNAPSHOT}), so the decode is exactly what it would have decoded itself, and stores its part of
 * it. The transaction stays open, reading nothing more, until the last of those refreshes ends.
 *
 * <p>Stream tables that read another stream table are left out: they must see their upstream's
 * refresh of the same tick, which commits after the snapshot. While one tick's decode is still
 * held, the next tick's refreshes decode for themselves.
 */
final class SharedDecode implements AutoCloseable {

    /** A decode that refreshes of {@code ids} use by importing {@code snapshot}. */
    record Served(String snapshot, DecodedWal wal, Set<Long> ids) {
        boolean serves(long id) {
            return ids.contains(id);
        }
    }

    private static final Pattern SNAPSHOT_ID = Pattern.compile("[0-9A-F-]+");
    private static final System.Logger LOG = System.getLogger(Worker.class.getName());

    private final Worker.ConnectionFactory connections;
    private Connection holder;
    private boolean held;

    SharedDecode(Worker.ConnectionFactory connections) {
        this.connections = connections;
    }

    /**
     * Decodes once for those of {@code due} whose sources are WAL-captured, when there are at least
     * two of them; null otherwise, or when a decode is still held, or when it failed (they then
     * decode for themselves). {@code control} is the tick's control connection.
     */
    synchronized Served begin(Db control, List<Long> due) {
        if (held || due.size() < 2) {
            return null;
        }
        try {
            List<Long> wal = control.query("SELECT i FROM unnest(?::bigint[]) i WHERE pgtrickle._wal_captured(i)",
                    rs -> rs.getLong(1), "{" + String.join(",", due.stream().map(String::valueOf).toList()) + "}");
            if (wal.size() < 2) {
                return null;
            }
            if (holder == null || holder.isClosed()) {
                holder = connections.open();
                holder.setAutoCommit(false);
            }
            Db db = new Db(holder);
            db.update("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            String snapshot = db.queryOne("SELECT pg_catalog.pg_export_snapshot()", rs -> rs.getString(1)).orElseThrow();
            DecodedWal decoded = DecodedWal.read(db, wal, false, null);
            if (!decoded.started() || !SNAPSHOT_ID.matcher(snapshot).matches()) {
                holder.commit(); // (a lost slot was recorded: the refreshes find it so too)
                return null;
            }
            held = true;
            return new Served(snapshot, decoded, Set.copyOf(wal));
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "pg_trickle worker: the shared decode of the WAL failed, each refresh decodes for"
                    + " itself: " + e.getMessage());
            close();
            return null;
        }
    }

    /** Ends the transaction whose snapshot the refreshes served by the last {@link #begin} imported. */
    synchronized void end() {
        if (held) {
            held = false;
            try {
                holder.commit();
            } catch (SQLException e) {
                close();
            }
        }
    }

    @Override
    public synchronized void close() {
        held = false;
        Connections.closeQuietly(holder);
        holder = null;
    }

    /** The statement a refresh served by {@code served} starts its REPEATABLE READ transaction with. */
    static String importStatement(Served served) {
        return "SET TRANSACTION SNAPSHOT '" + served.snapshot() + "'";
    }
}
