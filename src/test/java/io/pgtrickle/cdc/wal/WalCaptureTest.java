package io.pgtrickle.cdc.wal;

import static io.pgtrickle.cdc.wal.WalScenariosTest.one;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** WAL capture end to end: the slot, the publication and the decoded changes of one source. */
class WalCaptureTest {

    @Test
    void decodedChangesKeepADifferentialStreamTableEqualToItsQuery() throws Exception {
        String url = TestDatabase.freshWalDatabase();
        Tx.sql(url, "CREATE TABLE src (id int PRIMARY KEY, v int, note text)",
                "INSERT INTO src SELECT g, g % 7, 'n' || g FROM generate_series(1, 50) g");
        String q = "SELECT id, v * 2 AS v2, note FROM src WHERE v > 1";
        Tx.run(url, p -> { p.createStreamTable("st", q, "1m", "DIFFERENTIAL", true, null, "wal"); return null; });
        assertEquals("WAL", one(url, "SELECT cdc_mode FROM pgtrickle.pgt_dependencies"));
        assertEquals("0", one(url, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'src'::regclass AND NOT tgisinternal"));
        assertEquals("f", one(url, "SELECT relreplident FROM pg_class WHERE oid = 'src'::regclass"));
        assertEquals("1", one(url, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = pgtrickle._wal_slot()"));
        Tx.sql(url, "UPDATE src SET v = 5, note = 'changed' WHERE id <= 10", "DELETE FROM src WHERE id BETWEEN 20 AND 25",
                "INSERT INTO src VALUES (100, 3, 'new'), (101, 0, 'hidden')");
        var outcome = Tx.run(url, p -> p.refreshStreamTable("st"));
        assertEquals("DIFFERENTIAL", outcome.action().name());
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, "st", q));
        }
        // nothing decoded is left behind, and the next refresh has nothing to apply
        assertEquals("0", one(url, "SELECT count(*) FROM pgtrickle_changes.changes_" + one(url, "SELECT 'src'::regclass::oid")));
        assertEquals("NO_DATA", Tx.run(url, p -> p.refreshStreamTable("st")).action().name());
        Tx.sql(url, "UPDATE src SET v = v + 1");
        assertEquals("DIFFERENTIAL", Tx.run(url, p -> p.refreshStreamTable("st")).action().name());
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, "st", q));
        }
        Tx.run(url, p -> { p.dropStreamTable("st", false); return null; });
        assertEquals("0", one(url, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = pgtrickle._wal_slot()"));
        assertEquals("d", one(url, "SELECT relreplident FROM pg_class WHERE oid = 'src'::regclass"));
        assertEquals("0", one(url, "SELECT count(*) FROM pg_publication_tables WHERE pubname = 'pgtrickle_capture'"));
    }
}
