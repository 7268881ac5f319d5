package io.pgtrickle.cdc;

import io.pgtrickle.sql.Db;
import java.sql.SQLException;

/**
 * Trigger-based change capture. Each captured source gets one change buffer
 * ({@code pgtrickle_changes.changes_<oid>}) shared by every stream table that reads it, and
 * statement-level AFTER triggers with transition tables, on the source and on each of its
 * partitions and inheritance children, that copy changed rows into it in bulk. Every buffered row
 * records its writer's transaction id, which the frontier is compared with.
 *
 * <p>The objects are built in SQL by {@code pgtrickle._sync_capture} (capture.sql), owned by the
 * role that installed pg_trickle and derived from the catalog alone; this class only asks for them
 * to match the catalog after it changed.
 */
public final class ChangeCapture {

    public static final String NOTIFY_CHANNEL = "pgtrickle_changes";

    private final Db db;

    public ChangeCapture(Db db) {
        this.db = db;
    }

    /**
     * Installs, rebuilds or removes the capture of {@code sourceOid} so that it matches the
     * catalog's dependencies. Installing takes a lock that waits for in-flight writers.
     */
    public void sync(long sourceOid, boolean notify) throws SQLException {
        db.query("SELECT pgtrickle._sync_capture(?::oid, ?::boolean)", rs -> null, sourceOid, String.valueOf(notify));
    }

    /** Removes the capture of {@code sourceOid} when no stream table captures it any more. */
    public void sync(long sourceOid) throws SQLException {
        db.query("SELECT pgtrickle._sync_capture(?::oid)", rs -> null, sourceOid);
    }
}
