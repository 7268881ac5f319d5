package io.pgtrickle.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Two stream tables read one source's change buffer, one refreshed every round and one every fourth,
 * while a writer transaction stays open across several refreshes (its changes sit below the
 * frontiers' xmax yet unconsumed). After every refresh the buffer holds no row that every reader has
 * consumed, and nothing a reader still needs is gone: each stream table equals its query. Trigger
 * capture only: a WAL-captured refresh waits for that open writer to end.
 */
class ChangeBufferCleanupTest {

    private static final String OFTEN = "SELECT id, v FROM acct";
    private static final String SELDOM = "SELECT v % 7 AS k, count(*) AS n, sum(v) AS s FROM acct GROUP BY v % 7";

    @Test
    void consumedRowsGoAndRowsAReaderStillNeedsStay() throws Exception {
        assumeFalse(TestDatabase.WAL_RUN, "a WAL-captured refresh waits for the open writer");
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE acct (id int PRIMARY KEY, v int NOT NULL)",
                "INSERT INTO acct SELECT g, g FROM generate_series(1, 100) g");
        Tx.run(url, p -> { p.createStreamTable("often", OFTEN, null, "DIFFERENTIAL", true, null); return null; });
        Tx.run(url, p -> { p.createStreamTable("seldom", SELDOM, null, "DIFFERENTIAL", true, null); return null; });
        Random r = new Random(7);
        try (Connection c = TestDatabase.connect(url); Connection held = TestDatabase.connect(url)) {
            String buffer = "pgtrickle_changes.changes_" + Oracle.count(c, "SELECT 'acct'::regclass::oid::bigint");
            held.setAutoCommit(false);
            try (Statement st = held.createStatement()) {
                st.execute("UPDATE acct SET v = v + 1000 WHERE id = 1");
            }
            long retained = 0;
            for (int round = 1; round <= 12; round++) {
                try (Statement st = c.createStatement()) {
                    for (int i = 0; i < 5; i++) {
                        int id = 2 + r.nextInt(150);
                        st.execute(switch (r.nextInt(3)) {
                            case 0 -> "INSERT INTO acct VALUES (" + id + ", " + r.nextInt(50) + ") ON CONFLICT (id) DO NOTHING";
                            case 1 -> "UPDATE acct SET v = v + 1 WHERE id = " + id;
                            default -> "DELETE FROM acct WHERE id = " + id;
                        });
                    }
                }
                if (round == 6) {
                    held.commit();
                }
                Tx.run(url, p -> p.refreshStreamTable("often"));
                assertEquals(List.of(), Oracle.differences(c, "often", OFTEN), "often, round " + round);
                if (round % 4 == 0) {
                    Tx.run(url, p -> p.refreshStreamTable("seldom"));
                    assertEquals(List.of(), Oracle.differences(c, "seldom", SELDOM), "seldom, round " + round);
                }
                assertEquals(0, Oracle.count(c, "SELECT count(*) FROM " + buffer + " c WHERE NOT EXISTS (SELECT 1"
                        + " FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id"
                        + " WHERE d.source_relid = 'acct'::regclass AND NOT coalesce(pgtrickle._consumed(c.__pgt_xid,"
                        + " c.__pgt_change_id, st.frontier, st.frontier_xid, st.frontier_change_id), false))"),
                        "rows every reader consumed are deleted, round " + round);
                retained = Math.max(retained, Oracle.count(c, "SELECT count(*) FROM " + buffer));
            }
            assertTrue(retained > 0, "the seldom-refreshed reader kept rows in the buffer");
            Tx.run(url, p -> p.refreshStreamTable("seldom"));
            Tx.run(url, p -> p.refreshStreamTable("often"));
            assertEquals(List.of(), Oracle.differences(c, "seldom", SELDOM));
            assertEquals(List.of(), Oracle.differences(c, "often", OFTEN));
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM " + buffer), "every reader has every change");
        }
    }
}
