package io.pgtrickle.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.refresh.RefreshOutcome;
import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Queries written the way PostgreSQL users write them (jsonb, arrays, ranges, typed literals,
 * collations, USING / NATURAL joins, set-returning functions in FROM, subqueries, aggregates with
 * FILTER / ORDER BY / WITHIN GROUP, windows with frames, TopK, set operations, CTEs). Every one
 * must be created DIFFERENTIAL, and stay equal to its query run from scratch through rounds of
 * random inserts, updates and deletes (with NULLs and duplicates) to all three tables.
 */
class QueryCorpusTest {

    static final String[] SCHEMA = {
        "CREATE SCHEMA corpus",
        "CREATE FUNCTION corpus.net(numeric, integer) RETURNS numeric IMMUTABLE LANGUAGE sql AS 'SELECT $1 * $2'",
        "CREATE FUNCTION corpus.plus_twice(integer, integer) RETURNS integer IMMUTABLE LANGUAGE sql"
                + " AS 'SELECT $1 + 2 * $2'",
        "CREATE OPERATOR corpus.### (LEFTARG = integer, RIGHTARG = integer, FUNCTION = corpus.plus_twice)",
        "CREATE TABLE cust (cust_id int PRIMARY KEY, cname text, region text, tier int)",
        "CREATE TABLE ev (id int PRIMARY KEY, cust_id int, doc jsonb, tags text[], at timestamptz, name text,"
                + " amount numeric(12,2), qty int, kind text COLLATE \"C\")",
        "CREATE TABLE item (ev_id int, sku text, n int)",
        "CREATE VIEW big_ev AS SELECT id, cust_id, amount, qty FROM ev WHERE qty > 1",
        "CREATE VIEW cust_ev AS SELECT e.id, c.cname, c.region, e.doc->>'k' AS k FROM ev e JOIN cust c USING (cust_id)",
    };

    static final String[] CORPUS = {
        // jsonb, arrays, ranges, literals, casts, collations, string matching
        "SELECT id, doc->>'k' AS k FROM ev",
        "SELECT id, doc->'items' AS items FROM ev WHERE doc ? 'items'",
        "SELECT id, (doc->>'v')::int AS v FROM ev WHERE doc->>'v' ~ '^[0-9]+$'",
        "SELECT id FROM ev WHERE doc @> '{\"k\":1}'",
        "SELECT id FROM ev WHERE '{\"k\":1}'::jsonb <@ doc",
        "SELECT id, doc #> '{items,0}' AS first FROM ev",
        "SELECT id, doc #>> '{items,0,sku}' AS sku FROM ev",
        "SELECT id FROM ev WHERE doc ?| ARRAY['k','v']",
        "SELECT id FROM ev WHERE doc ?& ARRAY['k','v']",
        "SELECT id, tags FROM ev WHERE tags && ARRAY['a']",
        "SELECT id FROM ev WHERE tags @> ARRAY['a','b']::text[]",
        "SELECT id FROM ev WHERE 'a' = ANY(tags)",
        "SELECT id FROM ev WHERE qty <> ALL (ARRAY[1, 2])",
        "SELECT id, tags[1] AS first_tag, tags[2:3] AS rest FROM ev",
        "SELECT id, array_length(tags, 1) AS n FROM ev",
        "SELECT id, ARRAY[qty, id] AS pair FROM ev",
        "SELECT id, at AT TIME ZONE 'UTC' AS utc FROM ev",
        "SELECT id, at + interval '1 hour' AS later FROM ev",
        "SELECT id FROM ev WHERE at >= timestamptz '2026-01-03 00:00+00'",
        "SELECT id, date_trunc('day', at AT TIME ZONE 'UTC')::date AS day FROM ev",
        "SELECT id, name COLLATE \"C\" AS n FROM ev WHERE name COLLATE \"C\" < 'b'",
        "SELECT id FROM ev WHERE name ILIKE 'a%'",
        "SELECT id FROM ev WHERE name ~* '^b'",
        "SELECT id FROM ev WHERE name SIMILAR TO '(A|a)%'",
        "SELECT id FROM ev WHERE name NOT LIKE '%o%'",
        "SELECT id, E'tab\\there' AS t, $$dollar's$$ AS d FROM ev WHERE qty > 0",
        "SELECT id FROM ev WHERE qty IS DISTINCT FROM 2",
        "SELECT id FROM ev WHERE qty IS NOT DISTINCT FROM NULL",
        "SELECT id, CASE kind WHEN 'a' THEN 1 WHEN 'B' THEN 2 ELSE 0 END AS code FROM ev",
        "SELECT id, CASE WHEN amount > 50 THEN 'big' WHEN amount IS NULL THEN 'none' ELSE 'small' END AS size FROM ev",
        "SELECT id, coalesce(qty, 0) + 1 AS q, nullif(kind, 'a') AS k FROM ev",
        "SELECT id, greatest(qty, 1) AS g, least(qty, 3) AS l FROM ev",
        "SELECT id, CAST(qty || ' days' AS interval) AS span FROM ev WHERE qty IS NOT NULL",
        "SELECT id, qty::text || '-' || coalesce(name, '?') AS label FROM ev",
        "SELECT id FROM ev WHERE (qty, id) > (1, 3)",
        "SELECT id FROM ev WHERE ROW(qty, kind) = ROW(2, 'a')",
        "SELECT id, qty OPERATOR(pg_catalog.+) 1 AS q FROM ev",
        "SELECT id, corpus.net(amount, qty) AS net FROM ev",
        "SELECT id, qty OPERATOR(corpus.###) 2 AS x FROM ev",
        "SELECT id, pg_catalog.upper(name) AS up FROM ev",
        "SELECT id, int4range(qty, qty + 5) @> 3 AS covers FROM ev",
        "SELECT id FROM ev WHERE int4range(1, 4) @> qty",
        "SELECT id, numrange(0, 100) && numrange(amount, amount + 1) AS ov FROM ev WHERE amount IS NOT NULL",
        "SELECT id, doc->'k' = '1'::jsonb AS one FROM ev",
        "SELECT id, jsonb_typeof(doc->'v') AS t FROM ev",
        "SELECT id, (doc->'items'->0->>'n')::int * 2 AS n2 FROM ev",
        "SELECT id, doc['k'] AS k FROM ev",
        "SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM') AS month FROM ev",
        "SELECT id, extract(hour FROM at AT TIME ZONE 'UTC') AS h FROM ev",
        "SELECT id, date '2026-01-01' + qty AS d FROM ev WHERE qty IS NOT NULL",
        "SELECT id, name FROM ev WHERE name IN ('Alice', 'bob')",
        "SELECT id FROM ev WHERE name NOT IN ('Alice')",
        "SELECT id, 'x' AS rows FROM ev",
        "SELECT id, upper(name) AS \"Upper Name\" FROM ev",
        "SELECT id, amount * 1.1 AS gross, round(amount, 0) AS r FROM ev",
        "SELECT id, qty / NULLIF(cust_id, 0) AS ratio FROM ev",
        "SELECT id, (qty > 2) IS TRUE AS big FROM ev",
        "SELECT id, name || E'\\n' AS nl FROM ev",
        "SELECT id, format('%s/%s', name, qty) AS f FROM ev",
        "SELECT id, concat_ws(',', VARIADIC tags) AS joined FROM ev",
        "SELECT id, -qty AS neg, - 2 * qty AS neg2, qty - -1 AS plus FROM ev",
        "SELECT id, interval '2' day * qty AS span, '1 hour'::interval AS h FROM ev",
        // joins: ON, USING, NATURAL, outer, self, lateral set-returning functions
        "SELECT e.id, c.cname FROM ev e JOIN cust c ON c.cust_id = e.cust_id",
        "SELECT e.id, cname FROM ev e JOIN cust USING (cust_id)",
        "SELECT id, cname, region FROM ev NATURAL JOIN cust",
        "SELECT cust_id, e.id, c.region FROM ev e LEFT JOIN cust c USING (cust_id)",
        "SELECT cust_id, count(e.id) AS n FROM cust c LEFT JOIN ev e USING (cust_id) GROUP BY cust_id",
        "SELECT cust_id, e.id AS eid, c.tier FROM ev e FULL JOIN cust c USING (cust_id)",
        "SELECT e.id, c.cname FROM ev e RIGHT JOIN cust c ON c.cust_id = e.cust_id AND e.qty > 0",
        "SELECT e.id, i.sku FROM ev e JOIN item i ON i.ev_id = e.id WHERE i.n > 1",
        "SELECT e.id, c.cname, i.sku FROM ev e JOIN cust c USING (cust_id) JOIN item i ON i.ev_id = e.id",
        "SELECT e.id, x.tag FROM ev e, unnest(e.tags) AS x(tag)",
        "SELECT e.id, t.tag, t.ord FROM ev e CROSS JOIN LATERAL unnest(e.tags) WITH ORDINALITY AS t(tag, ord)",
        "SELECT e.id, g FROM ev e, generate_series(1, coalesce(e.qty, 0)) g",
        "SELECT e.id, el->>'sku' AS sku FROM ev e, jsonb_array_elements(e.doc->'items') el",
        "SELECT e.id, kv.key, kv.value FROM ev e, jsonb_each(e.doc) kv",
        "SELECT e.id, u.a, u.b FROM ev e, unnest(e.tags, ARRAY[1, 2]) AS u(a, b)",
        "SELECT e.id, r.n, r.o FROM ev e, ROWS FROM (generate_series(1, 2)) WITH ORDINALITY AS r(n, o)",
        "SELECT c.cname, s.v FROM cust c JOIN LATERAL generate_series(1, c.tier) s(v) ON true",
        "SELECT g.x, c.cname FROM generate_series(1, 2) g(x), cust c WHERE c.tier >= g.x",
        "SELECT e.id, c.cname FROM ev e, cust c WHERE c.cust_id = e.cust_id AND c.tier > 1",
        "SELECT e.id FROM ev e JOIN cust c ON (c.cust_id, c.tier) = (e.cust_id, e.qty)",
        "SELECT a.id, b.id AS other FROM ev a JOIN ev b ON a.cust_id = b.cust_id AND a.id < b.id",
        // subqueries
        "SELECT id FROM ev WHERE cust_id IN (SELECT cust_id FROM cust WHERE tier > 1)",
        "SELECT id FROM ev WHERE cust_id NOT IN (SELECT cust_id FROM cust WHERE region = 'n')",
        "SELECT id FROM ev e WHERE EXISTS (SELECT 1 FROM item i WHERE i.ev_id = e.id)",
        "SELECT id FROM ev e WHERE NOT EXISTS (SELECT 1 FROM item i WHERE i.ev_id = e.id AND i.n > 2)",
        "SELECT id FROM ev WHERE (cust_id, qty) IN (SELECT cust_id, tier FROM cust)",
        "SELECT id FROM ev WHERE qty > ALL (SELECT n FROM item WHERE sku = 'a')",
        "SELECT id FROM ev WHERE qty = ANY (SELECT n FROM item)",
        "SELECT id FROM ev WHERE NOT (qty < ALL (SELECT n FROM item))",
        "SELECT id, amount - (SELECT avg(amount) FROM ev) AS delta FROM ev",
        "SELECT id FROM ev WHERE qty > (SELECT min(n) FROM item)",
        "SELECT c.cname FROM cust c WHERE c.cust_id IN (SELECT e.cust_id FROM ev e WHERE e.doc @> '{\"k\":1}')",
        "SELECT id FROM ev WHERE cust_id IN (SELECT cust_id FROM cust GROUP BY cust_id HAVING count(*) > 0)",
        "SELECT id, name FROM ev WHERE id IN (1, 2, 3, 5, 8)",
        "SELECT id FROM ev e WHERE qty > 3 OR EXISTS (SELECT 1 FROM item i WHERE i.ev_id = e.id)",
        "SELECT id, CASE WHEN cust_id IN (SELECT cust_id FROM cust WHERE tier > 1) THEN 'vip' ELSE 'std' END AS level"
                + " FROM ev",
        "SELECT id, EXISTS (SELECT 1 FROM item i WHERE i.ev_id = e.id AND i.n > 1) AS has_big FROM ev e",
        "SELECT id FROM ev WHERE NOT (qty IN (SELECT n FROM item) AND kind = 'a')",
        "SELECT id, qty > ALL (SELECT n FROM item WHERE sku = 'b') AS above FROM ev",
        "SELECT id FROM ev e WHERE (SELECT count(*) FROM item) > 30 OR e.cust_id NOT IN (SELECT cust_id FROM cust)",
        // correlated scalar and LATERAL subqueries, unnested into joins
        "SELECT c.cust_id, (SELECT count(*) FROM ev e WHERE e.cust_id = c.cust_id) AS n FROM cust c",
        "SELECT e.id, (SELECT max(i.n) FROM item i WHERE i.ev_id = e.id AND i.sku IS NOT NULL) AS top FROM ev e",
        "SELECT id FROM ev e WHERE amount > (SELECT avg(amount) FROM ev x WHERE x.cust_id = e.cust_id)",
        "SELECT c.cust_id, coalesce((SELECT sum(qty) FROM ev e WHERE e.cust_id = c.cust_id), 0) AS q FROM cust c",
        "SELECT c.cname, s.n, s.total FROM cust c, LATERAL (SELECT count(*) AS n, sum(amount) AS total FROM ev e"
                + " WHERE e.cust_id = c.cust_id) s",
        "SELECT c.cname, k.kind, k.n FROM cust c CROSS JOIN LATERAL (SELECT kind, count(*) AS n FROM ev e"
                + " WHERE e.cust_id = c.cust_id GROUP BY kind) k",
        "SELECT e.id, x.sku FROM ev e JOIN LATERAL (SELECT i.sku FROM item i WHERE i.ev_id = e.id AND i.n > 0) x ON true",
        // aggregates
        "SELECT cust_id, count(*) AS n, sum(amount) AS total FROM ev GROUP BY cust_id",
        "SELECT doc->>'k' AS k, count(*) FROM ev GROUP BY 1",
        "SELECT doc->>'k' AS k, count(*) AS n FROM ev GROUP BY k",
        "SELECT kind, avg(amount) AS a, min(at) AS first, max(name) AS last FROM ev GROUP BY kind",
        "SELECT cust_id, count(*) FILTER (WHERE qty > 1) AS big, sum(qty) FILTER (WHERE kind = 'a') AS sa FROM ev"
                + " GROUP BY cust_id",
        "SELECT cust_id, string_agg(name, ',' ORDER BY id) AS names FROM ev GROUP BY cust_id",
        "SELECT cust_id, array_agg(id ORDER BY id DESC) AS ids FROM ev GROUP BY cust_id",
        "SELECT kind, percentile_cont(0.5) WITHIN GROUP (ORDER BY qty) AS med FROM ev GROUP BY kind",
        "SELECT kind, mode() WITHIN GROUP (ORDER BY qty) AS m FROM ev GROUP BY kind",
        "SELECT cust_id, count(DISTINCT kind) AS kinds FROM ev GROUP BY cust_id",
        "SELECT cust_id, sum(amount) AS s FROM ev GROUP BY cust_id HAVING sum(amount) > 10",
        "SELECT cust_id, bool_or(qty > 3) AS any_big, bool_and(qty > 0) AS all_pos FROM ev GROUP BY cust_id",
        "SELECT date_trunc('day', at AT TIME ZONE 'UTC') AS day, count(*) AS n FROM ev GROUP BY 1",
        "SELECT cust_id, jsonb_agg(doc->'k' ORDER BY id) AS ks FROM ev GROUP BY cust_id",
        "SELECT c.region, count(*) AS n, sum(e.amount) AS total FROM ev e JOIN cust c USING (cust_id) GROUP BY c.region",
        "SELECT count(*) AS n, sum(qty) AS q FROM ev",
        "SELECT min(name COLLATE \"C\") AS lo, max(name COLLATE \"C\") AS hi FROM ev",
        "SELECT cust_id, max(amount) - min(amount) AS spread FROM ev GROUP BY cust_id",
        "SELECT tags[1] AS t, count(*) FROM ev GROUP BY tags[1]",
        "SELECT (doc->>'v')::int % 3 AS bucket, sum(qty) AS s FROM ev WHERE doc->>'v' ~ '^[0-9]+$' GROUP BY 1",
        "SELECT e.cust_id, count(i.sku) AS skus FROM ev e LEFT JOIN item i ON i.ev_id = e.id GROUP BY e.cust_id",
        "SELECT kind, sum(amount * qty) AS value, count(qty) AS counted FROM ev GROUP BY kind",
        "SELECT cust_id, kind, count(*) AS n, sum(amount) AS total FROM ev GROUP BY ROLLUP (cust_id, kind)",
        "SELECT kind, cust_id, count(*) AS n, GROUPING(kind, cust_id) AS g FROM ev GROUP BY CUBE (kind, cust_id)",
        "SELECT c.region, e.kind, sum(e.qty) AS q FROM ev e JOIN cust c USING (cust_id)"
                + " GROUP BY GROUPING SETS ((c.region), (e.kind), ())",
        "SELECT kind, doc->>'k' AS k, count(*) AS n FROM ev GROUP BY kind, ROLLUP (doc->>'k') HAVING count(*) > 1",
        // windows
        "SELECT id, cust_id, row_number() OVER (PARTITION BY cust_id ORDER BY id) AS rn FROM ev",
        "SELECT id, sum(qty) OVER (PARTITION BY cust_id ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM ev",
        "SELECT id, rank() OVER w AS r, lag(qty) OVER w AS prev FROM ev WINDOW w AS (PARTITION BY kind ORDER BY id)",
        "SELECT id, count(*) OVER (PARTITION BY cust_id) AS n FROM ev",
        "SELECT id, rank() OVER (PARTITION BY cust_id ORDER BY amount DESC NULLS LAST, id) AS r,"
                + " count(*) OVER (PARTITION BY kind) AS per_kind FROM ev",
        "SELECT id, avg(amount) OVER (PARTITION BY kind ORDER BY id RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
                + " AS running FROM ev",
        "SELECT cust_id, sum(amount) AS total, rank() OVER (ORDER BY sum(amount) DESC NULLS LAST, cust_id) AS r FROM ev"
                + " GROUP BY cust_id",
        "SELECT kind, cust_id, count(*) AS n, sum(count(*)) OVER (PARTITION BY kind) AS per_kind FROM ev"
                + " GROUP BY kind, cust_id",
        "SELECT id, first_value(name) OVER (PARTITION BY cust_id ORDER BY id GROUPS BETWEEN CURRENT ROW AND 1 FOLLOWING"
                + " EXCLUDE CURRENT ROW) AS nxt FROM ev",
        // TopK, DISTINCT, set operations, CTEs, derived tables
        "SELECT id, amount FROM ev ORDER BY amount DESC NULLS LAST, id LIMIT 3",
        "SELECT e.id FROM ev e ORDER BY e.id FETCH FIRST 4 ROWS ONLY",
        "SELECT id FROM ev ORDER BY qty NULLS FIRST, id OFFSET 2 LIMIT 3",
        "SELECT DISTINCT kind, cust_id FROM ev",
        "SELECT DISTINCT ON (cust_id) cust_id, id, amount FROM ev ORDER BY cust_id, amount DESC NULLS LAST, id",
        "SELECT DISTINCT ON (doc->>'k') doc->>'k' AS k, id FROM ev ORDER BY doc->>'k', id",
        "SELECT DISTINCT ON (e.kind) e.kind, c.cname FROM ev e JOIN cust c USING (cust_id) ORDER BY e.kind, e.id DESC"
                + " LIMIT 2",
        // views as sources, inlined
        "SELECT id, amount FROM big_ev WHERE amount > 10",
        "SELECT region, count(*) AS n FROM cust_ev GROUP BY region",
        "SELECT b.id, c.cname FROM big_ev b JOIN cust c USING (cust_id)",
        "SELECT k, count(*) AS n FROM cust_ev WHERE region IS NOT NULL GROUP BY k",
        "SELECT cust_id FROM ev UNION SELECT cust_id FROM cust",
        "SELECT name FROM ev WHERE qty > 1 UNION ALL SELECT cname FROM cust",
        "SELECT cust_id FROM ev INTERSECT SELECT cust_id FROM cust WHERE tier > 1",
        "SELECT cust_id FROM cust EXCEPT ALL SELECT cust_id FROM ev",
        "WITH big AS (SELECT * FROM ev WHERE qty > 2) SELECT b.id, c.cname FROM big b JOIN cust c USING (cust_id)",
        "WITH t AS (SELECT cust_id, sum(amount) AS s FROM ev GROUP BY cust_id) SELECT cust_id, s FROM t WHERE s > 0",
        "SELECT s.cust_id, s.n FROM (SELECT cust_id, count(*) AS n FROM ev GROUP BY cust_id) s WHERE s.n > 1",
        "SELECT x.k, x.n FROM (SELECT doc->>'k' AS k, count(*) AS n FROM ev GROUP BY 1) x"
                + " JOIN (SELECT DISTINCT doc->>'k' AS k FROM ev WHERE qty > 2) y USING (k)",
    };

    private static final String[] DOCS = {"NULL", "'{}'", "'{\"k\":1}'", "'{\"k\":1.0,\"v\":\"3\"}'",
        "'{\"k\":2,\"v\":\"x\",\"items\":[{\"sku\":\"a\",\"n\":2}]}'",
        "'{\"v\":\"12\",\"items\":[{\"sku\":\"b\",\"n\":1},{\"sku\":\"a\",\"n\":5}]}'", "'{\"k\":\"1\",\"items\":[]}'"};
    private static final String[] TAGS = {"NULL", "'{}'", "'{a}'", "'{a,b}'", "'{b,c,a}'", "'{c,NULL}'"};
    private static final String[] NAMES = {"NULL", "'Alice'", "'alice'", "'bob'", "'BOB'", "'Bo'", "'ölaf'"};
    private static final String[] KINDS = {"NULL", "'a'", "'B'", "'c'"};

    @Test
    void everyQueryIsCreatedDifferentialAndStaysExact() throws Exception {
        assertTrue(CORPUS.length >= 120, "corpus size " + CORPUS.length);
        String url = TestDatabase.freshDatabase();
        Random rnd = new Random(20261202L);
        Tx.sql(url, SCHEMA);
        for (int id = 1; id <= 6; id++) {
            Tx.sql(url, "INSERT INTO cust VALUES (" + id + ", " + pick(rnd, NAMES) + ", " + pick(rnd, KINDS.length, "'n'",
                    "'s'", "NULL") + ", " + (rnd.nextInt(4) == 0 ? "NULL" : rnd.nextInt(4)) + ")");
        }
        int[] nextId = {1};
        for (int i = 0; i < 24; i++) {
            insertEvent(url, rnd, nextId[0]++);
        }
        for (int i = 0; i < 20; i++) {
            insertItem(url, rnd, nextId[0]);
        }
        List<String> failures = new ArrayList<>();
        List<Integer> created = new ArrayList<>();
        for (int i = 0; i < CORPUS.length; i++) {
            String name = "q" + i;
            String q = CORPUS[i];
            try {
                Tx.run(url, p -> {
                    p.createStreamTable(name, q, "1m", "DIFFERENTIAL", true, null);
                    return null;
                });
                created.add(i);
                check(url, name, q, failures);
            } catch (Exception e) {
                failures.add("create " + q + "\n    " + e.getMessage());
            }
        }
        for (int round = 0; round < 3; round++) {
            changeEverything(url, rnd, nextId);
            for (int i : created) {
                String name = "q" + i;
                try {
                    RefreshOutcome outcome = Tx.run(url, p -> p.refreshStreamTable(name));
                    if (outcome.action().name().equals("FULL")) {
                        failures.add("round " + round + " fell back to FULL: " + CORPUS[i]);
                    }
                    check(url, name, CORPUS[i], failures);
                } catch (Exception e) {
                    failures.add("round " + round + " refresh " + CORPUS[i] + "\n    " + e.getMessage());
                }
            }
        }
        assertEquals(List.of(), failures, failures.size() + " of " + CORPUS.length + " queries failed");
    }

    private static void check(String url, String name, String q, List<String> failures) throws Exception {
        try (Connection c = TestDatabase.connect(url)) {
            List<String> diff = Oracle.differences(c, name, q);
            if (!diff.isEmpty()) {
                failures.add("differs " + q + "\n    " + diff);
            }
        }
    }

    private static void changeEverything(String url, Random rnd, int[] nextId) throws Exception {
        for (int i = 0; i < 6; i++) {
            insertEvent(url, rnd, nextId[0]++);
        }
        for (int i = 0; i < 8; i++) {
            int id = 1 + rnd.nextInt(nextId[0]);
            switch (rnd.nextInt(5)) {
                case 0 -> Tx.sql(url, "UPDATE ev SET doc = " + pick(rnd, DOCS) + ", tags = " + pick(rnd, TAGS)
                        + " WHERE id = " + id);
                case 1 -> Tx.sql(url, "UPDATE ev SET qty = " + qty(rnd) + ", amount = " + amount(rnd)
                        + ", kind = " + pick(rnd, KINDS) + " WHERE id = " + id);
                case 2 -> Tx.sql(url, "UPDATE ev SET cust_id = " + cust(rnd) + ", name = " + pick(rnd, NAMES)
                        + " WHERE id = " + id);
                case 3 -> Tx.sql(url, "UPDATE ev SET at = at + interval '7 hours' WHERE id = " + id);
                default -> Tx.sql(url, "DELETE FROM ev WHERE id = " + id);
            }
        }
        for (int i = 0; i < 3; i++) {
            insertItem(url, rnd, nextId[0]);
        }
        Tx.sql(url, "DELETE FROM item WHERE ctid = (SELECT ctid FROM item ORDER BY ev_id, sku, n LIMIT 1 OFFSET "
                + rnd.nextInt(5) + ")");
        Tx.sql(url, "UPDATE item SET n = " + qty(rnd) + " WHERE ev_id = " + (1 + rnd.nextInt(nextId[0])));
        int c = 1 + rnd.nextInt(7);
        switch (rnd.nextInt(3)) {
            case 0 -> Tx.sql(url, "UPDATE cust SET tier = " + (rnd.nextInt(4) == 0 ? "NULL" : rnd.nextInt(4))
                    + ", region = " + pick(rnd, 3, "'n'", "'s'", "NULL") + " WHERE cust_id = " + c);
            case 1 -> Tx.sql(url, "DELETE FROM cust WHERE cust_id = " + c);
            default -> Tx.sql(url, "INSERT INTO cust VALUES (" + c + ", " + pick(rnd, NAMES) + ", 'n', 1)"
                    + " ON CONFLICT (cust_id) DO UPDATE SET cname = excluded.cname");
        }
    }

    private static void insertEvent(String url, Random rnd, int id) throws Exception {
        Tx.sql(url, "INSERT INTO ev VALUES (" + id + ", " + cust(rnd) + ", " + pick(rnd, DOCS) + ", " + pick(rnd, TAGS)
                + ", timestamptz '2026-01-01 00:00+00' + interval '5 hours' * " + rnd.nextInt(100) + ", "
                + pick(rnd, NAMES) + ", " + amount(rnd) + ", " + qty(rnd) + ", " + pick(rnd, KINDS) + ")");
    }

    private static void insertItem(String url, Random rnd, int maxEvent) throws Exception {
        Tx.sql(url, "INSERT INTO item VALUES (" + (1 + rnd.nextInt(maxEvent)) + ", " + pick(rnd, 3, "'a'", "'b'", "NULL")
                + ", " + qty(rnd) + ")");
    }

    private static String cust(Random rnd) {
        return rnd.nextInt(6) == 0 ? "NULL" : String.valueOf(1 + rnd.nextInt(7));
    }

    private static String qty(Random rnd) {
        return rnd.nextInt(6) == 0 ? "NULL" : String.valueOf(rnd.nextInt(6) - 1);
    }

    private static String amount(Random rnd) {
        return rnd.nextInt(6) == 0 ? "NULL" : (rnd.nextInt(9000) / 100.0) + "";
    }

    private static String pick(Random rnd, String[] values) {
        return values[rnd.nextInt(values.length)];
    }

    private static String pick(Random rnd, int bound, String... values) {
        return values[rnd.nextInt(Math.min(bound, values.length))];
    }
}
