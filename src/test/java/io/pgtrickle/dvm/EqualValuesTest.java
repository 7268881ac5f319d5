package io.pgtrickle.dvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Group keys and set-operation rows that are equal but print differently (numeric 1.0 and 1.00,
 * float -0 and 0) belong together, as they do in PostgreSQL.
 */
class EqualValuesTest {

    @Test
    void equalValuesWithDifferentTextFormOneGroup() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE m (id int PRIMARY KEY, k numeric, f float8, v int)",
                "INSERT INTO m VALUES (1, 1.0, 0, 10), (2, 1.00, '-0', 20), (3, 2.5, 1, 30)");
        String agg = "SELECT k, sum(v) AS total, count(*) AS n FROM m GROUP BY k";
        String floats = "SELECT f, count(*) AS n FROM m GROUP BY f";
        String distinct = "SELECT DISTINCT k FROM m";
        for (String[] st : new String[][] {{"by_k", agg}, {"by_f", floats}, {"distinct_k", distinct}}) {
            Tx.run(url, p -> { p.createStreamTable(st[0], st[1], null, "DIFFERENTIAL", true, null); return null; });
        }
        // Touch only the row printed 1.00 / -0: the rows printed 1.0 / 0 are in the same groups.
        Tx.sql(url, "UPDATE m SET v = 99 WHERE id = 2");
        for (String name : List.of("by_k", "by_f", "distinct_k")) {
            Tx.run(url, p -> p.refreshStreamTable(name));
        }
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of("1|109|2", "2.5|30|1"), rows(c, "SELECT trim_scale(k) || '|' || total || '|' || n FROM by_k ORDER BY k"));
        }
        Tx.sql(url, "DELETE FROM m WHERE id = 1", "INSERT INTO m VALUES (4, 1.000, '-0', 5)");
        for (String name : List.of("by_k", "by_f", "distinct_k")) {
            Tx.run(url, p -> p.refreshStreamTable(name));
        }
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of("1|104|2", "2.5|30|1"), rows(c, "SELECT trim_scale(k) || '|' || total || '|' || n FROM by_k ORDER BY k"));
            assertEquals(List.of("0|2", "1|1"), rows(c, "SELECT (f + 0) || '|' || n FROM by_f ORDER BY f"));
            assertEquals(List.of("1", "2.5"), rows(c, "SELECT trim_scale(k)::text FROM distinct_k ORDER BY k"));
        }
    }

    private static List<String> rows(Connection c, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (var s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
