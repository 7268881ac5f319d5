package io.pgtrickle.dvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.pgtrickle.refresh.RefreshOutcome;
import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Oracle-test scaffolding shared by the operator property classes: small random tables
 * {@code (id int, k int, v int, s text)} with NULLs, duplicates and skewed keys, random batches of
 * inserts, updates (including key columns) and deletes, and a check after every refresh that the
 * stream table equals its defining query as a multiset.
 */
final class DvmHarness {

    private static final String[] TEXTS = {"'a'", "'b'", "'c'", "NULL"};

    final String url;
    final AtomicInteger tries = new AtomicInteger();
    private final List<String> tables = new ArrayList<>();
    private final List<String> streamTables = new ArrayList<>();

    DvmHarness() {
        try {
            url = TestDatabase.freshDatabase();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Drops whatever the previous try created. */
    void reset() throws Exception {
        for (int i = streamTables.size() - 1; i >= 0; i--) {
            String st = streamTables.get(i);
            Tx.run(url, p -> {
                p.dropStreamTable(st, true);
                return null;
            });
        }
        streamTables.clear();
        for (String t : tables) {
            Tx.sql(url, "DROP TABLE IF EXISTS " + t + " CASCADE");
        }
        tables.clear();
        tries.incrementAndGet();
    }

    /** A table (id, k, v, s), keyed by id or keyless, with {@code rows} random rows. */
    void table(String name, boolean primaryKey, int rows, Random rnd) throws Exception {
        tables.add(name);
        Tx.sql(url, "CREATE TABLE " + name + " (id int" + (primaryKey ? " PRIMARY KEY" : "")
                + ", k int, v int, s text)");
        for (int i = 1; i <= rows; i++) {
            Tx.sql(url, "INSERT INTO " + name + " VALUES (" + (primaryKey ? i : 1 + rnd.nextInt(rows)) + ", "
                    + row(rnd) + ")");
        }
    }

    private static String row(Random rnd) {
        return key(rnd) + ", " + (rnd.nextInt(6) == 0 ? "NULL" : String.valueOf(rnd.nextInt(25) - 5)) + ", "
                + TEXTS[rnd.nextInt(TEXTS.length)];
    }

    /** Skewed small key domain with NULLs: 0 is most frequent. */
    private static String key(Random rnd) {
        int r = rnd.nextInt(10);
        return r < 1 ? "NULL" : r < 5 ? "0" : String.valueOf(r % 4);
    }

    /** A random batch of writes to {@code table}, each statement its own transaction. */
    void batch(String table, Random rnd) throws Exception {
        int ops = 1 + rnd.nextInt(6);
        for (int i = 0; i < ops; i++) {
            int id = 1 + rnd.nextInt(14);
            String pick = "ctid = (SELECT ctid FROM " + table + " WHERE id = " + id + " LIMIT 1)";
            switch (rnd.nextInt(5)) {
                case 0, 1 -> Tx.sql(url, "INSERT INTO " + table + " SELECT " + (100 + rnd.nextInt(1000)) + ", " + row(rnd)
                        + " WHERE NOT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = '" + table
                        + "'::regclass AND indisprimary) OR true ON CONFLICT DO NOTHING");
                case 2 -> Tx.sql(url, "UPDATE " + table + " SET k = " + key(rnd) + " WHERE " + pick);
                case 3 -> Tx.sql(url, "UPDATE " + table + " SET v = " + (rnd.nextInt(25) - 5) + ", s = "
                        + TEXTS[rnd.nextInt(TEXTS.length)] + " WHERE " + pick);
                default -> Tx.sql(url, "DELETE FROM " + table + " WHERE " + pick);
            }
        }
    }

    /** Creates a DIFFERENTIAL stream table and checks it against its query. */
    void create(String name, String query) throws Exception {
        Tx.run(url, p -> {
            p.createStreamTable(name, query, "1m", "DIFFERENTIAL", true, null);
            return null;
        });
        streamTables.add(name);
        check(name, query);
    }

    /** Refreshes; the refresh must be differential and the result equal to the query. */
    void refreshAndAssertEqual(String name, String query) throws Exception {
        RefreshOutcome outcome = Tx.run(url, p -> p.refreshStreamTable(name));
        assertNotEquals("FULL", outcome.action().name(), "refresh of " + name + " fell back to FULL: " + outcome.reason());
        check(name, query);
    }

    void check(String name, String query) throws Exception {
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, name, query), "stream table " + name + " for: " + query);
        }
    }

    /**
     * The scenario the operator property classes share, reproducible from {@code seed}: fresh
     * tables t1 (keyed, 8 rows), t2 (keyless, 7), t3 (keyed or not, 6) and t4 (keyed, 5), then a
     * stream table for {@code query} through four rounds of random writes to all of them, asserting
     * after every refresh that it equals its query run from scratch.
     */
    void assertStaysEqualOnStandardTables(String query, long seed) throws Exception {
        Random rnd = new Random(seed);
        standardTables(rnd);
        assertStaysEqual(query, 4, rnd, "t1", "t2", "t3", "t4");
    }

    /** Drops the previous try's tables and creates t1..t4 as {@link #assertStaysEqualOnStandardTables} describes. */
    void standardTables(Random rnd) throws Exception {
        reset();
        table("t1", true, 8, rnd);
        table("t2", false, 7, rnd);
        table("t3", rnd.nextBoolean(), 6, rnd);
        table("t4", true, 5, rnd);
    }

    /** The whole scenario: tables exist; {@code batches} rounds of writes to every table, then refresh. */
    void assertStaysEqual(String query, int batches, Random rnd, String... writeTables) throws Exception {
        create("st", query);
        for (int b = 0; b < batches; b++) {
            for (String t : writeTables) {
                if (rnd.nextInt(3) > 0) {
                    batch(t, rnd);
                }
            }
            refreshAndAssertEqual("st", query);
        }
    }
}
