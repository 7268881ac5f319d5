package io.pgtrickle.support;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * One random write to a test table {@code (id int, a int, b text)}: keys and values come from
 * small ranges so that updates and deletes hit existing rows, duplicates and NULLs are common.
 */
public record Change(Kind kind, int id, Integer a, String b) {

    public enum Kind { INSERT, UPDATE, DELETE }

    public static Arbitrary<Change> arbitrary(int keySpace) {
        Arbitrary<Integer> a = Arbitraries.integers().between(0, 6).injectNull(0.2);
        Arbitrary<String> b = Arbitraries.of("x", "y", "z", "it's").injectNull(0.2);
        return Combinators.combine(Arbitraries.of(Kind.class), Arbitraries.integers().between(1, keySpace), a, b)
                .as(Change::new);
    }

    /** SQL for a table with primary key id (INSERT skips when the key exists). */
    public String keyedSql(String table) {
        return switch (kind) {
            case INSERT -> "INSERT INTO " + table + " VALUES (" + id + ", " + a + ", " + lit(b) + ") ON CONFLICT DO NOTHING";
            case UPDATE -> "UPDATE " + table + " SET a = " + a + ", b = " + lit(b) + " WHERE id = " + id;
            case DELETE -> "DELETE FROM " + table + " WHERE id = " + id;
        };
    }

    /** SQL for a keyless table (a, b): updates and deletes hit every row with a = id % 7. */
    public String keylessSql(String table) {
        return switch (kind) {
            case INSERT -> "INSERT INTO " + table + " VALUES (" + a + ", " + lit(b) + ")";
            case UPDATE -> "UPDATE " + table + " SET b = " + lit(b) + " WHERE a = " + (id % 7);
            case DELETE -> "DELETE FROM " + table + " WHERE ctid = (SELECT ctid FROM " + table + " WHERE a IS NOT DISTINCT FROM "
                    + a + " LIMIT 1)";
        };
    }

    private static String lit(String s) {
        return s == null ? "NULL" : "'" + s.replace("'", "''") + "'";
    }
}
