package io.pgtrickle.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.Roles;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The guards cannot be switched off by other roles, the extension never breaks other roles' DDL,
 * and analysing a query has no side effects whatever its text.
 */
class GuardsTest {

    private static String admin;
    private static String alice;
    private static String carol;
    private static String dave;

    @BeforeAll
    static void setUp() throws Exception {
        admin = TestDatabase.freshDatabase();
        alice = Roles.login(admin, "grd_alice", true);
        carol = Roles.login(admin, "grd_carol", true);
        dave = Roles.login(admin, "grd_dave", false);
        Tx.sql(alice, "CREATE TABLE grd_alice.src (id int PRIMARY KEY, v int)",
                "INSERT INTO grd_alice.src SELECT g, g FROM generate_series(1, 5) g");
        Tx.run(alice, p -> { p.createStreamTable("st", "SELECT id, v FROM src", "1m", "DIFFERENTIAL", true, null); return null; });
        Tx.sql(alice, "GRANT USAGE ON SCHEMA grd_alice TO grd_carol", "GRANT SELECT, INSERT, UPDATE, DELETE ON grd_alice.st TO grd_carol");
    }

    @Test
    void internalApplyLetsNoOtherRoleWriteAStreamTable() throws Exception {
        // 7: the setting is open to everyone, so it must not be what lets a write through.
        for (String dml : List.of("INSERT INTO grd_alice.st (id, v, __pgt_row_id) VALUES (99, 99, 99)",
                "UPDATE grd_alice.st SET v = 0", "DELETE FROM grd_alice.st")) {
            SQLException e = assertThrows(SQLException.class,
                    () -> Tx.sql(carol, "SET pg_trickle.internal_apply = on", dml));
            assertEquals("55000", e.getSQLState(), dml + ": " + e.getMessage());
        }
        try (Connection c = TestDatabase.connect(admin)) {
            assertEquals(List.of(), Oracle.differences(c, "grd_alice.st", "SELECT id, v FROM grd_alice.src"));
        }
        // Nor does it let anyone drop a source or the storage.
        for (String drop : List.of("DROP TABLE grd_alice.src", "DROP TABLE grd_alice.st")) {
            SQLException e = assertThrows(SQLException.class,
                    () -> Tx.sql(alice, "SET pg_trickle.internal_apply = on", drop));
            assertEquals("2BP01", e.getSQLState(), drop + ": " + e.getMessage());
        }
    }

    @Test
    void plainRolesKeepDroppingTheirOwnTablesAndColumns() throws Exception {
        // 8: the sql_drop guard reads pg_trickle's catalog whoever drops.
        Tx.sql(dave, "CREATE TABLE grd_dave.t (id int, extra text)", "ALTER TABLE grd_dave.t DROP COLUMN extra",
                "ALTER TABLE grd_dave.t RENAME TO t2", "ALTER TABLE grd_dave.t2 ADD COLUMN w int",
                "DROP TABLE grd_dave.t2", "CREATE TABLE grd_dave.p (id int) PARTITION BY RANGE (id)",
                "CREATE TABLE grd_dave.p1 PARTITION OF grd_dave.p FOR VALUES FROM (0) TO (10)",
                "DROP TABLE grd_dave.p");
        try (Connection c = TestDatabase.connect(admin)) {
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pg_class WHERE relnamespace = 'grd_dave'::regnamespace"));
        }
    }

    @Test
    void analysingAQueryRunsNothingInIt() throws Exception {
        // 10: statements hidden in the query text, for preview and create alike.
        Tx.sql(alice, "CREATE TABLE grd_alice.victim (x int)");
        for (String q : List.of("SELECT 1) x; DROP TABLE grd_alice.victim; SELECT * FROM (SELECT 1",
                "SELECT 1; DROP TABLE grd_alice.victim", "DROP TABLE grd_alice.victim",
                "WITH d AS (DELETE FROM grd_alice.victim RETURNING *) SELECT * FROM d")) {
            SQLException preview = assertThrows(SQLException.class, () -> Tx.run(alice, p -> p.previewStreamTable(q)));
            SQLException create = assertThrows(SQLException.class,
                    () -> Tx.run(alice, p -> { p.createStreamTable("bad", q, null, null, true, null); return null; }));
            for (SQLException e : List.of(preview, create)) {
                // syntax (42601) or PostgreSQL's own refusal of a data-modifying WITH in a view (0A000)
                assertTrue(List.of("42", "0A").contains(e.getSQLState().substring(0, 2)), q + ": " + e.getSQLState()
                        + " " + e.getMessage());
            }
        }
        try (Connection c = TestDatabase.connect(admin)) {
            assertEquals(1, Oracle.count(c, "SELECT count(*) FROM pg_class WHERE oid = 'grd_alice.victim'::regclass"));
        }
        SQLException name = assertThrows(SQLException.class,
                () -> Tx.run(alice, p -> { p.createStreamTable("x; DROP TABLE grd_alice.victim", "SELECT 1 AS a", null, null, true, null); return null; }));
        assertEquals("42602", name.getSQLState(), name.getMessage());
    }

    @Test
    void deepInputIsAStatementTooComplex() throws Exception {
        StringBuilder q = new StringBuilder("SELECT id FROM grd_alice.src");
        for (int i = 0; i < 2500; i++) {
            q.append(" UNION ALL SELECT id FROM grd_alice.src");
        }
        SQLException e = assertThrows(SQLException.class,
                () -> Tx.run(alice, p -> { p.createStreamTable("deep", q.toString(), null, "DIFFERENTIAL", true, null); return null; }));
        assertEquals("54001", e.getSQLState(), e.getMessage());
        // FULL needs no analysis and takes it.
        Tx.run(alice, p -> { p.createStreamTable("deep", q.toString(), null, "FULL", true, null); return null; });
        Tx.run(alice, p -> { p.dropStreamTable("deep", false); return null; });
    }
}
