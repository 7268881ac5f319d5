package io.pgtrickle.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.catalog.CatalogInstaller;
import io.pgtrickle.sql.Db;
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
 * Each way a LOGIN-only role reached superuser in the first release, attempted again with real
 * roles: the attacker's code either never runs or runs as the attacker (or the stream table's
 * owner), never as the superuser who refreshes. Every attack function logs the role it ran as
 * and tries ALTER ROLE ... SUPERUSER.
 */
class PrivilegeEscalationTest {

    private String admin;
    private String alice;   // owns stream tables
    private String bob;     // owns the source table alice reads
    private String carol;   // may create stream tables; tries to reach alice's

    @BeforeEach
    void setUp() throws Exception {
        admin = TestDatabase.freshDatabase();
        alice = Roles.login(admin, "esc_alice", true);
        bob = Roles.login(admin, "esc_bob", false);
        carol = Roles.login(admin, "esc_carol", true);
        Tx.sql(admin, "CREATE TABLE public.who_ran (fn text, who text)", "GRANT INSERT, SELECT ON public.who_ran TO PUBLIC");
        Tx.sql(bob, "CREATE TABLE esc_bob.src (id int PRIMARY KEY, v int)",
                "INSERT INTO esc_bob.src SELECT g, g FROM generate_series(1, 10) g",
                "GRANT USAGE ON SCHEMA esc_bob TO esc_alice",
                "GRANT SELECT, TRIGGER ON esc_bob.src TO esc_alice",
                attack("esc_bob", "esc_bob.evil", "int", "$1"));
        Tx.run(alice, p -> { p.createStreamTable("st", "SELECT id, v FROM esc_bob.src", "1m", "DIFFERENTIAL", true, null); return null; });
    }

    /** A function of {@code owner} that logs who runs it and tries to make {@code owner} superuser. */
    private static String attack(String owner, String name, String argType, String result) {
        return "CREATE FUNCTION " + name + "(" + argType + ") RETURNS " + argType + " LANGUAGE plpgsql AS $f$ BEGIN"
                + " INSERT INTO public.who_ran VALUES ('" + name + "', current_user);"
                + " BEGIN ALTER ROLE " + owner + " SUPERUSER; EXCEPTION WHEN OTHERS THEN NULL; END;"
                + " RETURN " + result + "; END $f$";
    }

    private List<String> whoRan() throws SQLException {
        try (Connection c = TestDatabase.connect(admin); var st = c.createStatement();
             var rs = st.executeQuery("SELECT DISTINCT who FROM public.who_ran ORDER BY 1")) {
            List<String> out = new java.util.ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    private void assertNobodyEscalated() throws SQLException {
        for (String role : List.of("esc_alice", "esc_bob", "esc_carol")) {
            assertFalse(Roles.isSuperuser(admin, role), role + " became superuser");
        }
        assertFalse(whoRan().contains("postgres"), "attacker code ran as the superuser: " + whoRan());
    }

    @Test
    void refreshRunsAsTheOwnerWhoeverRefreshes() throws Exception {
        Tx.sql(alice, "CREATE FUNCTION esc_alice.me(int) RETURNS text LANGUAGE sql STABLE AS $$ SELECT current_user::text $$",
                "ALTER FUNCTION esc_alice.me(int) OWNER TO esc_alice");
        Tx.run(alice, p -> { p.createStreamTable("mine", "SELECT id, esc_alice.me(id) AS who FROM esc_bob.src", "1m", "DIFFERENTIAL", true, null); return null; });
        Tx.sql(bob, "UPDATE esc_bob.src SET v = v + 1 WHERE id <= 3");
        Tx.run(admin, p -> p.refreshStreamTable("esc_alice.mine"));   // a superuser refreshes
        try (Connection c = TestDatabase.connect(admin)) {
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM esc_alice.mine WHERE who <> 'esc_alice'"));
            assertEquals(10, Oracle.count(c, "SELECT count(*) FROM esc_alice.mine"));
        }
    }

    /**
     * A refresh runs its delta as the session's prepared statement "__pgt_refresh_<id>". On a pooled
     * connection an earlier client may have prepared that name itself: its statement must not be run
     * as the stream table's owner.
     */
    @Test
    void aStatementPreparedUnderTheRefreshsNameIsNotRunAsTheOwner() throws Exception {
        try (Connection c = TestDatabase.connect(admin); var st = c.createStatement()) {
            String name = "__pgt_refresh_" + Oracle.count(c, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'st'");
            // carol's client leaves a statement behind on the connection, which the pool hands on
            st.execute("SET ROLE esc_carol");
            st.execute("PREPARE \"" + name + "\" AS INSERT INTO public.who_ran VALUES ('prepared', current_user)");
            st.execute("RESET ROLE");
            Tx.sql(bob, "UPDATE esc_bob.src SET v = v + 1 WHERE id <= 2");
            c.setAutoCommit(false);
            new io.pgtrickle.api.PgTrickle(c).refreshStreamTable("esc_alice.st");   // a superuser refreshes
            c.commit();
            c.setAutoCommit(true);
            assertEquals(1, Oracle.count(c, "SELECT count(*) FROM pg_prepared_statements WHERE name = '" + name
                    + "' AND statement LIKE '%MERGE INTO%'"), "the refresh did not prepare its own statement");
            assertEquals(List.of(), whoRan(), "the statement left under the refresh's name ran");
            assertEquals(List.of(), Oracle.differences(c, "esc_alice.st", "SELECT id, v FROM esc_bob.src"));
        }
        assertNobodyEscalated();
    }

    @Test
    void aSuperuserAlteringAStreamTableLeavesItTheOwners() throws Exception {
        Tx.sql(alice, "GRANT SELECT ON esc_alice.st TO esc_carol");
        Tx.run(admin, p -> { p.alterStreamTable("esc_alice.st", "SELECT id, v + 1 AS w FROM esc_bob.src",
                null, null, null, null); return null; });
        try (Connection c = TestDatabase.connect(admin)) {
            assertEquals("esc_alice", Oracle.single(c, "SELECT relowner::regrole::text FROM pg_class WHERE oid = 'esc_alice.st'::regclass"));
            assertEquals(1, Oracle.count(c, "SELECT count(*) FROM pg_class WHERE oid = 'esc_alice.st'::regclass"
                    + " AND has_table_privilege('esc_carol', oid, 'SELECT')"), "grants kept");
            assertEquals(List.of(), Oracle.differences(c, "esc_alice.st", "SELECT id, v + 1 AS w FROM esc_bob.src"));
        }
        // and it is still alice's to refresh
        Tx.sql(bob, "UPDATE esc_bob.src SET v = 7 WHERE id = 3");
        Tx.run(alice, p -> p.refreshStreamTable("st"));
        try (Connection c = TestDatabase.connect(admin)) {
            assertEquals(List.of(), Oracle.differences(c, "esc_alice.st", "SELECT id, v + 1 AS w FROM esc_bob.src"));
        }
    }

    @Test
    void ownershipMovesWithTheStorageTable() throws Exception {
        Tx.sql(bob, "GRANT USAGE ON SCHEMA esc_bob TO esc_carol", "GRANT SELECT ON esc_bob.src TO esc_carol");
        Tx.sql(admin, "GRANT USAGE, CREATE ON SCHEMA esc_alice TO esc_carol", "ALTER TABLE esc_alice.st OWNER TO esc_carol");
        Tx.sql(bob, "UPDATE esc_bob.src SET v = 42 WHERE id = 5");
        Tx.run(carol, p -> p.refreshStreamTable("esc_alice.st"));
        SQLException former = assertThrows(SQLException.class, () -> Tx.run(alice, p -> p.refreshStreamTable("st")));
        assertEquals("42501", former.getSQLState());
        try (Connection c = TestDatabase.connect(admin)) {
            assertEquals(List.of(), Oracle.differences(c, "esc_alice.st", "SELECT id, v FROM esc_bob.src"));
        }
    }

    @Test
    void sourceOwnerRetypesAColumnWithAnAssignmentCast() throws Exception {
        // 1: bob's own type and an assignment cast to the old column type, then ALTER COLUMN TYPE.
        Tx.sql(bob, "CREATE TYPE esc_bob.num AS ENUM ('one', 'two')",
                "CREATE FUNCTION esc_bob.num_to_int(esc_bob.num) RETURNS int LANGUAGE plpgsql AS $f$ BEGIN"
                        + " INSERT INTO public.who_ran VALUES ('cast', current_user);"
                        + " BEGIN ALTER ROLE esc_bob SUPERUSER; EXCEPTION WHEN OTHERS THEN NULL; END; RETURN 1; END $f$",
                "CREATE CAST (esc_bob.num AS int) WITH FUNCTION esc_bob.num_to_int(esc_bob.num) AS ASSIGNMENT",
                "ALTER TABLE esc_bob.src ALTER COLUMN v TYPE esc_bob.num USING 'one'");
        // Writers keep working; the buffer now holds the new type, so no cast runs in the trigger.
        Tx.sql(bob, "INSERT INTO esc_bob.src VALUES (11, 'two')", "UPDATE esc_bob.src SET v = 'two' WHERE id = 1");
        Tx.run(admin, p -> p.refreshStreamTable("esc_alice.st"));
        assertNobodyEscalated();
        try (Connection c = TestDatabase.connect(admin)) {
            assertEquals(List.of(), Oracle.differences(c, "esc_alice.st", "SELECT id, v FROM esc_bob.src"));
            assertEquals(1, Oracle.count(c, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'esc_alice.st'::regclass"
                    + " AND attname = 'v' AND atttypid = 'esc_bob.num'::regtype"));
        }
    }

    @Test
    void sourceRenamedAndAViewPutInItsPlace() throws Exception {
        // 2: the name now means a view that calls bob's function; TRUNCATE forces a FULL refresh.
        Tx.sql(bob, "ALTER TABLE esc_bob.src RENAME TO src_old",
                "CREATE VIEW esc_bob.src AS SELECT id, esc_bob.evil(v) AS v FROM esc_bob.src_old",
                "GRANT SELECT ON esc_bob.src TO esc_alice", "TRUNCATE esc_bob.src_old");
        SQLException e = assertThrows(SQLException.class, () -> Tx.run(admin, p -> p.refreshStreamTable("esc_alice.st")));
        assertEquals("42P01", e.getSQLState(), e.getMessage());
        assertNobodyEscalated();
        assertEquals(List.of(), whoRan());
    }

    @Test
    void catalogFunctionShadowedInPublic() throws Exception {
        // 3: the database owner's better-matching overload of a function generated SQL calls.
        Tx.sql(admin, "GRANT CREATE ON SCHEMA public TO esc_bob");
        Tx.sql(bob, "CREATE FUNCTION public.hashtextextended(text, integer) RETURNS bigint LANGUAGE plpgsql AS $f$ BEGIN"
                + " INSERT INTO public.who_ran VALUES ('hash', current_user);"
                + " BEGIN ALTER ROLE esc_bob SUPERUSER; EXCEPTION WHEN OTHERS THEN NULL; END; RETURN 0; END $f$");
        Tx.run(alice, p -> { p.createStreamTable("nokey", "SELECT v FROM esc_bob.src", "1m", "DIFFERENTIAL", true, null); return null; });
        Tx.sql(bob, "INSERT INTO esc_bob.src VALUES (20, 5)", "DELETE FROM esc_bob.src WHERE id = 2");
        Tx.run(admin, p -> p.refreshStreamTable("esc_alice.nokey"));
        Tx.run(admin, p -> p.refreshStreamTable("esc_alice.st"));
        assertNobodyEscalated();
        assertEquals(List.of(), whoRan());
        try (Connection c = TestDatabase.connect(admin)) {
            assertEquals(List.of(), Oracle.differences(c, "esc_alice.nokey", "SELECT v FROM esc_bob.src"));
        }
    }

    @Test
    void streamTableUserCannotReadOrTouchWhatItDoesNotOwn() throws Exception {
        // 4a: a FULL stream table over a table carol may not read, even without initializing.
        SQLException unreadable = assertThrows(SQLException.class, () -> Tx.run(carol, p -> {
            p.createStreamTable("peek", "SELECT id, v FROM esc_bob.src", "1m", "FULL", false, null);
            return null;
        }));
        assertEquals("42501", unreadable.getSQLState(), unreadable.getMessage());
        // 4b: alice's stream table is not carol's to alter, drop, refresh or resume.
        for (Tx.Work<Object> call : List.<Tx.Work<Object>>of(
                p -> { p.alterStreamTable("esc_alice.st", null, "5m", null, null, null); return null; },
                p -> { p.dropStreamTable("esc_alice.st", false); return null; },
                p -> p.refreshStreamTable("esc_alice.st"),
                p -> { p.resumeStreamTable("esc_alice.st"); return null; })) {
            SQLException e = assertThrows(SQLException.class, () -> Tx.run(carol, call));
            assertEquals("42501", e.getSQLState(), e.getMessage());
        }
        // 4c: the catalog is not writable for rows carol does not own.
        try (Connection c = TestDatabase.connect(carol); var st = c.createStatement()) {
            assertEquals(0, st.executeUpdate("UPDATE pgtrickle.pgt_stream_tables SET full_sql = 'SELECT 1', schedule = '1s'"));
            assertEquals(0, st.executeUpdate("DELETE FROM pgtrickle.pgt_dependencies"));
            SQLException forged = assertThrows(SQLException.class, () -> st.executeUpdate(
                    "INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, start_time, action, status, initiated_by)"
                            + " SELECT pgt_id, now(), 'FULL', 'COMPLETED', 'MANUAL' FROM pgtrickle.pgt_stream_tables"));
            assertEquals("42501", forged.getSQLState());
        }
        // 4d: SQL carol writes into her own row runs only as carol.
        Tx.sql(carol, "CREATE TABLE esc_carol.t (id int PRIMARY KEY)", "INSERT INTO esc_carol.t VALUES (1)");
        Tx.run(carol, p -> { p.createStreamTable("own", "SELECT id FROM esc_carol.t", "1m", "FULL", true, null); return null; });
        Tx.sql(carol, "UPDATE pgtrickle.pgt_stream_tables SET full_sql = 'SELECT id, 1::bigint AS __pgt_row_id FROM esc_carol.t"
                + " WHERE pg_catalog.set_config(''role'', ''postgres'', true) IS NOT NULL' WHERE pgt_name = 'own'");
        SQLException own = assertThrows(SQLException.class, () -> Tx.run(admin, p -> p.refreshStreamTable("esc_carol.own")));
        assertTrue(own.getMessage().contains("role") || "42501".equals(own.getSQLState()), own.getMessage());
        assertNobodyEscalated();
        try (Connection c = TestDatabase.connect(admin)) {
            assertEquals(10, Oracle.count(c, "SELECT count(*) FROM esc_alice.st"));
            assertEquals("1m", Oracle.single(c, "SELECT schedule FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'st'"));
        }
    }

    @Test
    void columnNameThatClosesADollarQuote() throws Exception {
        // 5: the column name was spliced into a $pgt$-quoted function body.
        String column = "\"*/$pgt$; ALTER ROLE esc_bob SUPERUSER; SELECT /*\"";
        Tx.sql(admin, "ALTER DATABASE " + databaseName() + " SET check_function_bodies = off");
        Tx.sql(bob, "CREATE TABLE esc_bob.odd (id int PRIMARY KEY, " + column + " int)",
                "INSERT INTO esc_bob.odd VALUES (1, 1)", "GRANT SELECT, TRIGGER ON esc_bob.odd TO esc_alice");
        Tx.run(alice, p -> { p.createStreamTable("odd", "SELECT id, " + column + " AS w FROM esc_bob.odd", "1m",
                "DIFFERENTIAL", true, null); return null; });
        Tx.sql(bob, "INSERT INTO esc_bob.odd VALUES (2, 2)", "UPDATE esc_bob.odd SET " + column + " = 5 WHERE id = 1");
        Tx.run(admin, p -> p.refreshStreamTable("esc_alice.odd"));
        assertNobodyEscalated();
        try (Connection c = TestDatabase.connect(admin)) {
            assertEquals(List.of(), Oracle.differences(c, "esc_alice.odd", "SELECT id, " + column + " AS w FROM esc_bob.odd"));
        }
    }

    @Test
    void installRefusesASchemaItDidNotCreate() throws Exception {
        // 6: a database owner creates schema pgtrickle first and would own what lands in it.
        String url = TestDatabase.emptyDatabase();
        Roles.login(url, "esc_dbo", false);
        Tx.sql(url, "CREATE SCHEMA pgtrickle AUTHORIZATION esc_dbo");
        try (Connection c = TestDatabase.connect(url)) {
            c.setAutoCommit(false);
            SQLException e = assertThrows(SQLException.class, () -> CatalogInstaller.install(new Db(c)));
            assertEquals("42P06", e.getSQLState(), e.getMessage());
            c.rollback();
        }
        // A superuser's schema with something in it is refused too.
        Tx.sql(url, "DROP SCHEMA pgtrickle", "CREATE SCHEMA pgtrickle",
                "CREATE FUNCTION pgtrickle._exec(varchar) RETURNS bigint LANGUAGE sql AS 'SELECT 0::bigint'");
        try (Connection c = TestDatabase.connect(url)) {
            c.setAutoCommit(false);
            SQLException e = assertThrows(SQLException.class, () -> CatalogInstaller.install(new Db(c)));
            assertEquals("42P06", e.getSQLState(), e.getMessage());
        }
    }

    @Test
    void everySecurityDefinerFunctionPinsItsSearchPath() throws Exception {
        try (Connection c = TestDatabase.connect(admin)) {
            assertTrue(Oracle.count(c, "SELECT count(*) FROM pg_proc p WHERE p.prosecdef"
                    + " AND p.pronamespace IN ('pgtrickle'::regnamespace, 'pgtrickle_changes'::regnamespace)") >= 6);
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pg_proc p WHERE p.prosecdef"
                    + " AND p.pronamespace IN ('pgtrickle'::regnamespace, 'pgtrickle_changes'::regnamespace)"
                    + " AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)"));
            // Functions that act as the installer are not callable by PUBLIC unless safe for anyone.
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'pgtrickle_changes'::regnamespace"
                    + " AND has_function_privilege('esc_carol', p.oid, 'EXECUTE')"));
        }
    }

    private String databaseName() {
        String base = admin.substring(0, admin.indexOf('?'));
        return base.substring(base.lastIndexOf('/') + 1);
    }
}
