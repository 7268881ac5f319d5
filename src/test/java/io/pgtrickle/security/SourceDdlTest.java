package io.pgtrickle.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.Roles;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DDL on a captured source never breaks its writers; the stream tables built on it are rebuilt
 * (new types, new names through SELECT *) or refuse to refresh with a clear error, never go on
 * silently with a stale shape.
 */
class SourceDdlTest {

    private String admin;
    private String alice;

    @BeforeEach
    void setUp() throws Exception {
        admin = TestDatabase.freshDatabase();
        alice = Roles.login(admin, "ddl_alice", true);
        Tx.sql(alice, "CREATE TABLE src (id int PRIMARY KEY, k int, v int)",
                "INSERT INTO src SELECT g, g % 3, g FROM generate_series(1, 30) g");
        Tx.run(alice, p -> {
            p.createStreamTable("sums", "SELECT k, sum(v) AS s, count(*) AS n FROM src GROUP BY k", "1m", "DIFFERENTIAL", true, null);
            p.createStreamTable("everything", "SELECT * FROM src", "1m", "DIFFERENTIAL", true, null);
            p.createStreamTable("ids", "SELECT id FROM src WHERE id > 5", "1m", "DIFFERENTIAL", true, null);
            return null;
        });
    }

    private void writeAndRefreshAll() throws Exception {
        Tx.sql(alice, "INSERT INTO src (id, k, v) VALUES (100, 1, 7)", "UPDATE src SET k = 2 WHERE id = 4",
                "DELETE FROM src WHERE id = 5");
        for (String st : List.of("sums", "everything", "ids")) {
            Tx.run(admin, p -> p.refreshStreamTable("ddl_alice." + st));
        }
    }

    private void assertFresh(String st, String query) throws SQLException {
        try (Connection c = TestDatabase.connect(admin)) {
            assertEquals(List.of(), Oracle.differences(c, "ddl_alice." + st, query));
        }
    }

    @Test
    void alterColumnTypeRebuildsWithTheNewType() throws Exception {
        Tx.sql(alice, "ALTER TABLE src ALTER COLUMN v TYPE numeric", "UPDATE src SET v = v + 0.75 WHERE id <= 10");
        writeAndRefreshAll();
        assertFresh("sums", "SELECT k, sum(v) AS s, count(*) AS n FROM ddl_alice.src GROUP BY k");
        assertFresh("everything", "SELECT * FROM ddl_alice.src");
        assertFresh("ids", "SELECT id FROM ddl_alice.src WHERE id > 5");
        try (Connection c = TestDatabase.connect(admin)) {
            assertEquals("numeric", Oracle.single(c, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                    + " WHERE attrelid = 'ddl_alice.everything'::regclass AND attname = 'v'"));
        }
        // and stays differential afterwards
        Tx.sql(alice, "UPDATE src SET v = 0.5 WHERE id = 20");
        Tx.run(admin, p -> p.refreshStreamTable("ddl_alice.sums"));
        assertFresh("sums", "SELECT k, sum(v) AS s, count(*) AS n FROM ddl_alice.src GROUP BY k");
    }

    @Test
    void renameColumnKeepsWritersAndRebuildsWhatStillParses() throws Exception {
        Tx.sql(alice, "ALTER TABLE src RENAME COLUMN v TO w");
        Tx.sql(alice, "INSERT INTO src VALUES (200, 1, 1)", "UPDATE src SET w = 3 WHERE id = 1", "DELETE FROM src WHERE id = 2");
        // the query names the old column: it can no longer run, and says so
        SQLException e = assertThrows(SQLException.class, () -> Tx.run(admin, p -> p.refreshStreamTable("ddl_alice.sums")));
        assertEquals("42703", e.getSQLState(), e.getMessage());
        // SELECT * and queries not using the column are rebuilt and exact
        Tx.run(admin, p -> p.refreshStreamTable("ddl_alice.everything"));
        Tx.run(admin, p -> p.refreshStreamTable("ddl_alice.ids"));
        assertFresh("everything", "SELECT * FROM ddl_alice.src");
        assertFresh("ids", "SELECT id FROM ddl_alice.src WHERE id > 5");
    }

    @Test
    void renamedSourceIsRefusedNotReadUnderItsOldName() throws Exception {
        Tx.sql(alice, "ALTER TABLE src RENAME TO src2", "INSERT INTO src2 VALUES (300, 0, 0)");
        SQLException e = assertThrows(SQLException.class, () -> Tx.run(admin, p -> p.refreshStreamTable("ddl_alice.ids")));
        assertEquals("42P01", e.getSQLState(), e.getMessage());
    }

    @Test
    void theWorkerSetsARenamedSourcesStreamTablesToError() throws Exception {
        Tx.sql(alice, "ALTER TABLE src RENAME TO src3");
        try (io.pgtrickle.scheduler.Worker w = new io.pgtrickle.scheduler.Worker(
                io.pgtrickle.scheduler.Worker.ConnectionFactory.of(admin),
                io.pgtrickle.config.SettingsSource.of(java.util.Map.of("pg_trickle.metrics_port", "0")))) {
            w.runOneTick();
        }
        try (Connection c = TestDatabase.connect(admin)) {
            assertEquals(3, Oracle.count(c, "SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE status = 'ERROR'"
                    + " AND last_error LIKE '%src%'"));
        }
    }

    @Test
    void addAndDropOfAnUnusedColumnKeepEverythingExact() throws Exception {
        Tx.sql(alice, "ALTER TABLE src ADD COLUMN note text DEFAULT 'x'");
        Tx.sql(alice, "INSERT INTO src (id, k, v, note) VALUES (400, 2, 2, 'y')");
        writeAndRefreshAll();
        assertFresh("sums", "SELECT k, sum(v) AS s, count(*) AS n FROM ddl_alice.src GROUP BY k");
        assertFresh("everything", "SELECT * FROM ddl_alice.src");
    }

    @Test
    void droppedPrimaryKeyRebuildsWithContentIdentity() throws Exception {
        Tx.sql(alice, "ALTER TABLE src DROP CONSTRAINT src_pkey", "INSERT INTO src VALUES (1, 1, 1)");   // a duplicate id now
        writeAndRefreshAll();
        Tx.sql(alice, "DELETE FROM src WHERE id = 1 AND ctid = (SELECT min(ctid) FROM src WHERE id = 1)");
        Tx.run(admin, p -> p.refreshStreamTable("ddl_alice.everything"));
        assertFresh("everything", "SELECT * FROM ddl_alice.src");
        assertFresh("ids", "SELECT id FROM ddl_alice.src WHERE id > 5");
    }
}
