package io.pgtrickle.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgtrickle.refresh.RefreshAction;
import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LifecycleTest {

    private String url;

    @BeforeEach
    void setUp() throws Exception {
        url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE src (id int PRIMARY KEY, v int)",
                "INSERT INTO src SELECT g, g % 10 FROM generate_series(1, 50) g");
    }

    private void assertFresh(String st, String query) throws SQLException {
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, st, query), st);
        }
    }

    private String single(String sql) throws SQLException {
        try (Connection c = TestDatabase.connect(url); var s = c.createStatement(); var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void truncateForcesFullRefresh() throws Exception {
        String q = "SELECT id, v FROM src WHERE v > 3";
        Tx.run(url, p -> { p.createStreamTable("st", q, null, "DIFFERENTIAL", true, null); return null; });
        Tx.sql(url, "TRUNCATE src", "INSERT INTO src VALUES (7, 7), (8, 1)");
        assertEquals(RefreshAction.FULL, Tx.run(url, p -> p.refreshStreamTable("st")).action());
        assertFresh("st", q);
        Tx.sql(url, "INSERT INTO src VALUES (9, 9)");
        assertEquals(RefreshAction.DIFFERENTIAL, Tx.run(url, p -> p.refreshStreamTable("st")).action());
        assertFresh("st", q);
    }

    @Test
    void createWithoutInitializeThenRefreshPopulates() throws Exception {
        String q = "SELECT id FROM src";
        Tx.run(url, p -> { p.createStreamTable("lazy", q, null, null, false, null); return null; });
        assertEquals("INITIALIZING", single("SELECT status FROM pgtrickle.pgt_stream_tables"));
        assertEquals("0", single("SELECT count(*) FROM lazy"));
        assertEquals(RefreshAction.FULL, Tx.run(url, p -> p.refreshStreamTable("lazy")).action());
        assertEquals("ACTIVE", single("SELECT status FROM pgtrickle.pgt_stream_tables"));
        assertFresh("lazy", q);
    }

    @Test
    void alterQueryModeStatusAndPreset() throws Exception {
        Tx.run(url, p -> { p.createStreamTable("st", "SELECT id FROM src", null, null, true, null); return null; });
        String q2 = "SELECT id, v * 2 AS v2 FROM src WHERE v < 5";
        Tx.run(url, p -> { p.alterStreamTable("st", q2, null, null, null, null); return null; });
        assertFresh("st", q2);
        Tx.sql(url, "UPDATE src SET v = 1 WHERE id = 9");
        Tx.run(url, p -> p.refreshStreamTable("st"));
        assertFresh("st", q2);
        Tx.run(url, p -> { p.alterStreamTable("st", null, null, "FULL", null, null); return null; });
        assertEquals("FULL", single("SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables"));
        assertEquals("0", single("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '\\_\\_pgt\\_cdc%'"));
        Tx.run(url, p -> { p.alterStreamTable("st", null, null, null, "SUSPENDED", "batch"); return null; });
        assertEquals("SUSPENDED|5m|AUTO|64", single("SELECT concat_ws('|', status, schedule, refresh_mode,"
                + " merge_work_mem_mb) FROM pgtrickle.pgt_stream_tables"));
        SQLException suspended = assertThrows(SQLException.class, () -> Tx.run(url, p -> p.refreshStreamTable("st")));
        assertEquals("55000", suspended.getSQLState());
        Tx.run(url, p -> { p.resumeStreamTable("st"); return null; });
        assertEquals("ACTIVE", single("SELECT status FROM pgtrickle.pgt_stream_tables"));
    }

    @Test
    void streamTableReadingAStreamTable() throws Exception {
        String q1 = "SELECT id, v FROM src WHERE v > 2";
        String q2 = "SELECT id, v + 100 AS w FROM st1 WHERE id % 2 = 0";
        Tx.run(url, p -> { p.createStreamTable("st1", q1, null, "DIFFERENTIAL", true, null); return null; });
        Tx.run(url, p -> { p.createStreamTable("st2", q2, null, "DIFFERENTIAL", true, null); return null; });
        Tx.sql(url, "UPDATE src SET v = v + 1", "DELETE FROM src WHERE id < 10", "INSERT INTO src VALUES (100, 9)");
        Tx.run(url, p -> p.refreshStreamTable("st1"));
        Tx.run(url, p -> p.refreshStreamTable("st2"));
        assertFresh("st1", q1);
        assertFresh("st2", q2);
        assertFresh("st2", "SELECT id, v + 100 AS w FROM (" + q1 + ") s WHERE id % 2 = 0");
        SQLException blocked = assertThrows(SQLException.class,
                () -> Tx.run(url, p -> { p.dropStreamTable("st1", false); return null; }));
        assertEquals("2BP01", blocked.getSQLState());
        SQLException alter = assertThrows(SQLException.class,
                () -> Tx.run(url, p -> { p.alterStreamTable("st1", "SELECT id, v FROM src", null, null, null, null); return null; }));
        assertEquals("2BP01", alter.getSQLState());
        Tx.run(url, p -> { p.dropStreamTable("st1", true); return null; });
        assertEquals("0", single("SELECT count(*) FROM pgtrickle.pgt_stream_tables"));
        assertEquals("0", single("SELECT count(*) FROM pg_class WHERE relnamespace = 'pgtrickle_changes'::regnamespace AND relkind = 'r'"));
    }

    @Test
    void refreshInsideTheWritersTransactionDoesNotDoubleCount() throws Exception {
        String q = "SELECT id, v FROM src";
        Tx.run(url, p -> { p.createStreamTable("st", q, null, "DIFFERENTIAL", true, null); return null; });
        // The writer refreshes in its own transaction: its uncommitted changes are consumed then,
        // and must not be applied again by the next refresh once committed.
        Tx.run(url, p -> {
            try (var s = p.db().connection().createStatement()) {
                s.execute("INSERT INTO src VALUES (500, 5)");
                s.execute("UPDATE src SET v = -1 WHERE id = 1");
                s.execute("SET LOCAL work_mem = '7MB'");
            }
            p.refreshStreamTable("st");
            // The caller's transaction goes on with its own settings, and may not write to the stream table.
            assertEquals("7MB|", p.db().queryOne("SELECT current_setting('work_mem') || '|'"
                    + " || coalesce(current_setting('pg_trickle.internal_apply', true), '')", rs -> rs.getString(1)).orElseThrow());
            return null;
        });
        assertFresh("st", q);
        Tx.run(url, p -> p.refreshStreamTable("st"));
        assertFresh("st", q);
    }

    @Test
    void refreshesFromSessionsWithOtherPrintSettingsAgree() throws Exception {
        Tx.sql(url, "CREATE TABLE events (at timestamptz PRIMARY KEY, amount float8, d interval)",
                "INSERT INTO events SELECT timestamptz '2026-01-01 00:00+00' + g * interval '1 hour', g / 3.0,"
                        + " g * interval '90 minutes' FROM generate_series(1, 20) g");
        String keyed = "SELECT at, amount, d, at::date AS day FROM events WHERE amount > 1";
        String bag = "SELECT amount, d FROM events";
        Tx.run(url, p -> {
            p.db().query("SELECT set_config('TimeZone', 'UTC', false)", rs -> null);
            p.createStreamTable("ev_keyed", keyed, null, "DIFFERENTIAL", true, null);
            p.createStreamTable("ev_bag", bag, null, "DIFFERENTIAL", true, null);
            return null;
        });
        Tx.sql(url, "UPDATE events SET amount = amount + 1 WHERE at < '2026-01-01 10:00+00'",
                "DELETE FROM events WHERE at > '2026-01-01 15:00+00'");
        Tx.run(url, p -> {
            try (var s = p.db().connection().createStatement()) {
                // (pgjdbc insists on an ISO DateStyle, so that one is exercised by the PL/Java test only.)
                s.execute("SET TimeZone = 'Asia/Kolkata'; SET IntervalStyle = 'iso_8601'; SET extra_float_digits = 0");
            }
            p.refreshStreamTable("ev_keyed");
            p.refreshStreamTable("ev_bag");
            return null;
        });
        // The stream tables were defined in UTC: compare with the query run in UTC.
        try (Connection c = TestDatabase.connect(url); var s = c.createStatement()) {
            s.execute("SET TimeZone = 'UTC'");
            assertEquals(List.of(), Oracle.differences(c, "ev_keyed", keyed));
            assertEquals(List.of(), Oracle.differences(c, "ev_bag", bag));
        }
    }

    /**
     * A FULL-only table keeps its query as written: a refresh from a session with
     * standard_conforming_strings off must read its backslashes as its creator's session did.
     */
    @Test
    void aRefreshReadsTheQueryAsItsCreatorsSessionDid() throws Exception {
        Tx.sql(url, "CREATE TABLE codes (id int PRIMARY KEY, code text)",
                "INSERT INTO codes SELECT g, CASE WHEN g % 2 = 0 THEN 'a' || g ELSE 'd' END FROM generate_series(1, 20) g");
        // random() keeps it FULL-only, and so the query text as it is
        String q = "SELECT id, code, regexp_replace(code, '\\d', '#') AS masked, random() < 2 AS t FROM codes WHERE code ~ '\\d'";
        Tx.run(url, p -> {
            p.createStreamTable("masked_codes", q, null, "AUTO", true, null);
            return null;
        });
        Tx.sql(url, "UPDATE codes SET code = 'b' || id WHERE id <= 6");
        Tx.run(url, p -> {
            try (var s = p.db().connection().createStatement()) {
                s.execute("SET standard_conforming_strings = off; SET escape_string_warning = off");
            }
            p.refreshStreamTable("masked_codes");
            return null;
        });
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, "masked_codes", q));
            assertEquals(13, Oracle.count(c, "SELECT count(*) FROM masked_codes"));
        }
    }
}
