package io.pgtrickle.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every bad input gets a clear error with a SQLSTATE, and a failed create leaves nothing behind. */
class BadInputTest {

    private static String url;

    @BeforeAll
    static void setUp() throws Exception {
        url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE src (id int PRIMARY KEY, v text, n int)",
                "INSERT INTO src SELECT g, 'v' || g, g FROM generate_series(1, 20) g");
        Tx.run(url, p -> { p.createStreamTable("existing", "SELECT id, v FROM src", "1m", "DIFFERENTIAL", true, null); return null; });
    }

    private static SQLException createFails(String name, String query, String schedule, String mode, String preset) {
        SQLException e = assertThrows(SQLException.class,
                () -> Tx.run(url, p -> { p.createStreamTable(name, query, schedule, mode, true, preset); return null; }));
        assertNothingLeftBehind();
        return e;
    }

    /** Only the one stream table from setUp exists: no extra storage, trigger, buffer or catalog row. */
    private static void assertNothingLeftBehind() {
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(1, Oracle.count(c, "SELECT count(*) FROM pgtrickle.pgt_stream_tables"));
            assertEquals(1, Oracle.count(c, "SELECT count(*) FROM pgtrickle.pgt_dependencies"));
            assertEquals(1, Oracle.count(c, "SELECT count(*) FROM pg_class WHERE relnamespace = 'pgtrickle_changes'::regnamespace AND relkind = 'r' AND relname LIKE 'changes%'"));
            assertEquals(4, Oracle.count(c, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '\\_\\_pgt\\_cdc\\_%'"));
            assertEquals(2, Oracle.count(c, "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"));
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void duplicateName() {
        assertEquals("42P07", createFails("existing", "SELECT id FROM src", null, null, null).getSQLState());
        assertEquals("42P07", createFails("src", "SELECT id FROM src", null, null, null).getSQLState());
    }

    @Test
    void unknownNameOnEveryCall() {
        for (Tx.Work<Object> call : java.util.List.<Tx.Work<Object>>of(
                p -> p.refreshStreamTable("nope"),
                p -> { p.dropStreamTable("nope", false); return null; },
                p -> { p.alterStreamTable("nope", null, "5m", null, null, null); return null; },
                p -> { p.resumeStreamTable("nope"); return null; })) {
            SQLException e = assertThrows(SQLException.class, () -> Tx.run(url, call));
            assertEquals("42P01", e.getSQLState());
        }
    }

    @Test
    void invalidScheduleModeStatusPreset() throws Exception {
        assertEquals("22023", createFails("x", "SELECT id FROM src", "soon", null, null).getSQLState());
        assertEquals("22023", createFails("x", "SELECT id FROM src", "* * *", null, null).getSQLState());
        assertEquals("22023", createFails("x", "SELECT id FROM src", "0s", null, null).getSQLState());
        assertEquals("22023", createFails("x", "SELECT id FROM src", null, "SOMETIMES", null).getSQLState());
        SQLException preset = createFails("x", "SELECT id FROM src", null, null, "turbo");
        assertEquals("22023", preset.getSQLState());
        assertTrue(preset.getMessage().contains("real-time, batch, cost-optimized"), preset.getMessage());
        SQLException status = assertThrows(SQLException.class, () -> Tx.run(url,
                p -> { p.alterStreamTable("existing", null, null, null, "BROKEN", null); return null; }));
        assertEquals("22023", status.getSQLState());
    }

    @Test
    void queriesThatAreNotValidSelects() {
        assertEquals("42601", createFails("x", "SELEC id FROM src", null, null, null).getSQLState());
        assertEquals("42601", createFails("x", "DELETE FROM src", null, null, null).getSQLState());
        assertEquals("42601", createFails("x", "SELECT 1; DROP TABLE src", null, null, null).getSQLState());
        assertEquals("42P01", createFails("x", "SELECT * FROM missing_table", null, null, null).getSQLState());
        assertEquals("42703", createFails("x", "SELECT missing_column FROM src", null, null, null).getSQLState());
        assertEquals("42701", createFails("x", "SELECT id, id FROM src", null, null, null).getSQLState());
        assertEquals("42602", createFails("x", "SELECT id AS __pgt_row_id FROM src", null, null, null).getSQLState());
    }

    @Test
    void differentialForUnsupportedQueryNamesTheConstruct() {
        SQLException e = createFails("x", "SELECT n, random() AS r FROM src", null, "DIFFERENTIAL", null);
        assertEquals("0A000", e.getSQLState());
        assertTrue(e.getMessage().contains("random"), e.getMessage());
    }

    @Test
    void namesNeedingQuotes() throws Exception {
        String[] names = {"\"Mixed Case\"", "\"with space\"", "\"semi;colon\"", "\"quote\"\"inside\"",
                "\"Robert'); DROP TABLE src;--\""};
        for (String name : names) {
            Tx.run(url, p -> { p.createStreamTable(name, "SELECT id, v FROM src WHERE n > 5", null, "DIFFERENTIAL", true, null); return null; });
            Tx.sql(url, "UPDATE src SET n = n + 1 WHERE id = 5");
            Tx.run(url, p -> p.refreshStreamTable(name));
            try (Connection c = TestDatabase.connect(url)) {
                assertEquals(java.util.List.of(), Oracle.differences(c, name, "SELECT id, v FROM src WHERE n > 5"));
            }
            Tx.run(url, p -> { p.dropStreamTable(name, false); return null; });
        }
        SQLException bad = createFails("not a valid name", "SELECT id FROM src", null, null, null);
        assertEquals("42602", bad.getSQLState());
        assertNothingLeftBehind();
    }

    @Test
    void directDmlOnStreamTableIsRejected() {
        for (String dml : new String[] {"INSERT INTO existing VALUES (99, 'x', 1)", "UPDATE existing SET v = 'y'",
                "DELETE FROM existing", "TRUNCATE existing"}) {
            SQLException e = assertThrows(SQLException.class, () -> Tx.sql(url, dml));
            assertEquals("55000", e.getSQLState(), dml);
        }
    }

    @Test
    void droppingASourceTableIsRejected() throws Exception {
        SQLException e = assertThrows(SQLException.class, () -> Tx.sql(url, "DROP TABLE src"));
        assertEquals("2BP01", e.getSQLState());
        assertTrue(e.getMessage().contains("existing"), e.getMessage());
        SQLException column = assertThrows(SQLException.class, () -> Tx.sql(url, "ALTER TABLE src DROP COLUMN n"));
        assertEquals("2BP01", column.getSQLState());
        Tx.sql(url, "INSERT INTO src VALUES (1000, 'still captured', 1)", "DELETE FROM src WHERE id = 1000");
        SQLException direct = assertThrows(SQLException.class, () -> Tx.sql(url, "DROP TABLE existing"));
        assertEquals("2BP01", direct.getSQLState());
        assertNothingLeftBehind();
    }
}
