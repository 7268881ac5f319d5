package io.pgtrickle.cdc.wal;

import io.pgtrickle.catalog.StreamTable;
import io.pgtrickle.sql.Db;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * WAL change capture from the refresh's side (wal.sql has the slot, the publication and the
 * argument for exactness). A refresh of a stream table with WAL-captured sources first decodes the
 * database's slot for them, in its own transaction and after its snapshot is fixed: the changes of
 * every transaction that snapshot sees are put into the sources' change buffers, where the delta
 * reads them exactly as it reads trigger-captured rows, and are deleted again before the refresh
 * commits. What the stream table keeps is only where its next decode starts. (The worker decodes
 * once per tick for several stream tables that share one snapshot: {@link DecodedWal}, and
 * io.pgtrickle.scheduler.SharedDecode.)
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
     * Whether a refresh of {@code st} recomputes whatever a decode would find: then it decodes
     * nothing and its restart position stays where it is. That is exact: every transaction that
     * snapshot does not see commits after that position too, and what the next decode finds that
     * the snapshot did see, the frontier counts as consumed.
     */
    static boolean recomputes(StreamTable st) {
        return !st.isDifferential() || !st.populated() || st.needsFullRefresh() || st.needsRebuild();
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
        if (!st.walCaptured() || recomputes(st)) {
            return Decoded.NOTHING;
        }
        long startedNanos = System.nanoTime();
        OffsetDateTime startedAt = OffsetDateTime.now();
        return DecodedWal.read(db, List.of(st.id()), lockSources, st.walMark()).storeFor(db, st, startedNanos, startedAt);
    }
}
