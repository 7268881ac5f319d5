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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SECURITY DEFINER functions a refresh calls with a stream table's id (decoding the WAL,
 * storing what it decoded, the table of groups HAVING leaves out) serve only a session that may act
 * for that stream table's owner, and a decode yields only the rows of the caller's own sources: the
 * publication holds every WAL-captured table of the database.
 */
class WalCapturePrivilegeTest {

    private String admin;
    private String alice;   // owns a table of secrets and a stream table over it
    private String carol;   // may create stream tables; has one of her own

    private long aliceId;
    private long carolId;

    @BeforeEach
    void setUp() throws Exception {
        admin = TestDatabase.freshWalDatabase();
        alice = Roles.login(admin, "walp_alice", true);
        carol = Roles.login(admin, "walp_carol", true);
        Tx.sql(alice, "CREATE TABLE walp_alice.secret (id int PRIMARY KEY, pw text)");
        Tx.sql(carol, "CREATE TABLE walp_carol.t (id int PRIMARY KEY, v int)");
        Tx.run(alice, p -> {
            p.createStreamTable("sv", "SELECT id, pw FROM walp_alice.secret", "1m", "DIFFERENTIAL", true, null, "wal");
            p.createStreamTable("lo", "SELECT id % 2 AS k, count(*) AS n FROM walp_alice.secret GROUP BY id % 2"
                    + " HAVING count(*) > 1", "1m", "DIFFERENTIAL", true, null, "wal");
            return null;
        });
        Tx.run(carol, p -> {
            p.createStreamTable("ct", "SELECT id, v FROM walp_carol.t", "1m", "DIFFERENTIAL", true, null, "wal");
            return null;
        });
        try (Connection c = TestDatabase.connect(admin)) {
            aliceId = Oracle.count(c, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'sv'");
            carolId = Oracle.count(c, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'ct'");
            assertEquals(2, Oracle.count(c, "SELECT count(*) FROM pgtrickle.pgt_stream_tables"
                    + " WHERE pgt_name IN ('sv', 'ct') AND pgtrickle._wal_captured(pgt_id)"), "both captured from the WAL");
        }
        Tx.sql(alice, "INSERT INTO walp_alice.secret VALUES (1, 'hunter2')");
        Tx.sql(carol, "INSERT INTO walp_carol.t VALUES (1, 1)");
    }

    /** How many messages a decode for {@code id}, run at {@code url}, yields that hold {@code text}. */
    private static long decoded(String url, long id, String text) throws SQLException {
        try (Connection c = TestDatabase.connect(url)) {
            return Oracle.count(c, "SELECT count(*) FROM pgtrickle._wal_peek(ARRAY[" + id + "]::bigint[], false, NULL) p"
                    + " WHERE p.kind = 'c' AND position(convert_to('" + text + "', 'UTF8') IN p.data) > 0");
        }
    }

    @Test
    void aDecodeYieldsOnlyTheRowsOfTheCallersSources() throws Exception {
        assertEquals(1, decoded(alice, aliceId, "hunter2"), "the owner decodes her own rows");
        assertEquals(0, decoded(carol, carolId, "hunter2"), "carol's decode yields alice's rows");
        assertTrue(decoded(carol, carolId, "walp_carol") > 0, "carol's own source's relation message");
    }

    @Test
    void theFunctionsARefreshCallsRefuseWhoeverIsNotTheOwner() throws Exception {
        long leftOut;
        try (Connection c = TestDatabase.connect(admin)) {
            leftOut = Oracle.count(c, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'lo'");
        }
        for (String call : List.of(
                "SELECT count(*) FROM pgtrickle._wal_peek(ARRAY[" + aliceId + "]::bigint[], false, NULL)",
                "SELECT pgtrickle._wal_store(" + aliceId + ", '0/0', ARRAY['walp_alice.secret'::regclass::oid],"
                        + " ARRAY['1'::xid8], ARRAY['I'::\"char\"], ARRAY['(2,forged)'])",
                "SELECT pgtrickle._left_out_table(" + leftOut + ")")) {
            SQLException e = assertThrows(SQLException.class, () -> Tx.sql(carol, call), call);
            assertEquals("42501", e.getSQLState(), e.getMessage());
        }
        // the owner's and a superuser's (the worker's) calls are served
        assertEquals(1, decoded(alice, aliceId, "hunter2"));
        assertEquals(1, decoded(admin, aliceId, "hunter2"));
        Tx.sql(alice, "SELECT pgtrickle._left_out_table(" + leftOut + ")");
        assertTrue(Tx.run(alice, p -> p.refreshStreamTable("walp_alice.sv")).rowsInserted() >= 1);
        try (Connection c = TestDatabase.connect(admin)) {
            assertEquals(List.of(), Oracle.differences(c, "walp_alice.sv", "SELECT id, pw FROM walp_alice.secret"));
        }
    }
}
