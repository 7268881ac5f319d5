-- plan
AlgebraicAggregate(1 keys)  group by: "o.cust_id"; select: "o.cust_id" AS "cust_id", count(*) AS "n", sum("o.total") AS "revenue"
  Project(3)  select: "id" AS "o.id", "cust_id" AS "o.cust_id", "total" AS "o.total"
    Scan(public.orders)  columns: id, cust_id, total

-- full
SELECT r."cust_id", r."n", r."revenue", r."__pgt_count", r."__pgt_a3_n", r.__pgt_rid AS __pgt_row_id FROM (
  /* AlgebraicAggregate(1 keys) */ SELECT "o.cust_id" AS "cust_id", count(*) AS "n", sum("o.total") AS "revenue", count(*) AS __pgt_count, count(*) FILTER (WHERE true AND ("o.total") IS NOT NULL) AS __pgt_a3_n, pg_catalog.hash_record_extended(ROW("o.cust_id"), 7) AS __pgt_rid FROM (
    /* Project(3) */ SELECT "id" AS "o.id", "cust_id" AS "o.cust_id", "total" AS "o.total", __pgt_r.__pgt_rid FROM (
      /* Scan(public.orders) */ SELECT s."id", s."cust_id", s."total", pg_catalog.hash_record_extended(ROW(s."id"), 7) AS __pgt_rid FROM "public"."orders" s
    ) AS __pgt_r
  ) g GROUP BY "o.cust_id"
) r

-- delta
WITH __pgt_d1 AS (
  /* Scan(public.orders) */ SELECT s."id", s."cust_id", s."total", pg_catalog.hash_record_extended(ROW(s."id"), 7) AS __pgt_rid, CASE s.__pgt_action WHEN 'I' THEN 1 ELSE -1 END AS __pgt_w FROM pgtrickle_changes.changes_16401 s, __pgt_f WHERE s.__pgt_action IN ('I', 'D') AND s.__pgt_xid >= (SELECT coalesce(pg_catalog.pg_snapshot_xmin(__pgt_f.prev), '0'::xid8) FROM __pgt_f) AND s.__pgt_xid <= '18446744073709551615'::xid8 /* always true: a range is estimated small */ AND NOT pgtrickle._consumed(s.__pgt_xid, s.__pgt_change_id, __pgt_f.prev, __pgt_f.prev_xid, __pgt_f.prev_change_id)
),
__pgt_d2 AS (
  /* Project(3) */ SELECT "id" AS "o.id", "cust_id" AS "o.cust_id", "total" AS "o.total", __pgt_r.__pgt_rid, __pgt_r.__pgt_w FROM (SELECT * FROM __pgt_d1) AS __pgt_r
),
__pgt_d3 AS (
  /* AlgebraicAggregate(1 keys) */ WITH __pgt_dg AS (SELECT "o.cust_id" AS "cust_id", "o.cust_id" AS __pgt_g0, pg_catalog.hash_record_extended(ROW("o.cust_id"), 7) AS __pgt_rid, sum(g.__pgt_w) AS __pgt_dc, sum(g.__pgt_w) FILTER (WHERE true) AS __pgt_d2_c, sum(g.__pgt_w) FILTER (WHERE true AND ("o.total") IS NOT NULL) AS __pgt_d3_n, sum(g.__pgt_w::numeric * ("o.total")) FILTER (WHERE true AND ("o.total") IS NOT NULL) AS __pgt_d3_s, bool_or(scale(("o.total")::numeric) IS NULL) FILTER (WHERE true AND ("o.total") IS NOT NULL AND g.__pgt_w < 0) AS __pgt_d3_nf FROM (SELECT * FROM __pgt_d2) g GROUP BY "o.cust_id"),
  __pgt_j AS (SELECT dg."cust_id" AS "cust_id", (coalesce(s."n", 0) + coalesce(dg.__pgt_d2_c, 0))::bigint AS "n", CASE WHEN (coalesce(s.__pgt_a3_n, 0) + coalesce(dg.__pgt_d3_n, 0)) = 0 THEN NULL ELSE (coalesce(s."revenue", 0) + coalesce(dg.__pgt_d3_s, 0))::numeric END AS "revenue", (coalesce(s.__pgt_count, 0) + coalesce(dg.__pgt_dc, 0))::bigint AS "__pgt_count", (coalesce(s.__pgt_a3_n, 0) + coalesce(dg.__pgt_d3_n, 0))::bigint AS "__pgt_a3_n", dg.__pgt_rid, s.__pgt_row_id AS __pgt_stored, ROW(s."cust_id", s."n", s."revenue", s."__pgt_count", s."__pgt_a3_n")::text AS __pgt_old, (coalesce(s.__pgt_count, 0) + coalesce(dg.__pgt_dc, 0)) AS __pgt_nc, coalesce((coalesce(dg.__pgt_d3_nf, false)), false) AS __pgt_inv FROM __pgt_dg dg LEFT JOIN __pgt_storage s ON s.__pgt_row_id = dg.__pgt_rid),
  __pgt_r AS (SELECT r."cust_id", r."n", r."revenue", r."__pgt_count", r."__pgt_a3_n", r.__pgt_rid FROM (SELECT "o.cust_id" AS "cust_id", count(*) AS "n", sum("o.total") AS "revenue", count(*) AS __pgt_count, count(*) FILTER (WHERE true AND ("o.total") IS NOT NULL) AS __pgt_a3_n, pg_catalog.hash_record_extended(ROW("o.cust_id"), 7) AS __pgt_rid FROM (
        /* Project(3) */ SELECT "id" AS "o.id", "cust_id" AS "o.cust_id", "total" AS "o.total", __pgt_r.__pgt_rid FROM (
          /* Scan(public.orders) */ SELECT s."id", s."cust_id", s."total", pg_catalog.hash_record_extended(ROW(s."id"), 7) AS __pgt_rid FROM "public"."orders" s
        ) AS __pgt_r
      ) g WHERE (("o.cust_id") = ANY (ARRAY(SELECT __pgt_g0 FROM __pgt_dg)) OR ("o.cust_id") IS NULL) AND pg_catalog.hash_record_extended(ROW("o.cust_id"), 7) IN (SELECT __pgt_rid FROM __pgt_j WHERE __pgt_inv) GROUP BY "o.cust_id"
    ) r WHERE EXISTS (SELECT 1 FROM __pgt_j WHERE __pgt_inv)
  )
  SELECT j."cust_id", j."n", j."revenue", j."__pgt_count", j."__pgt_a3_n", j.__pgt_rid, 1 AS __pgt_w FROM __pgt_j j WHERE NOT j.__pgt_inv AND j.__pgt_nc > 0 AND (j.__pgt_stored IS NULL OR ROW(j."cust_id", j."n", j."revenue", j."__pgt_count", j."__pgt_a3_n")::text IS DISTINCT FROM j.__pgt_old)
  UNION ALL SELECT r."cust_id", r."n", r."revenue", r."__pgt_count", r."__pgt_a3_n", r.__pgt_rid, 1 FROM __pgt_r r LEFT JOIN __pgt_storage s ON s.__pgt_row_id = r.__pgt_rid WHERE s.__pgt_row_id IS NULL OR ROW(r."cust_id", r."n", r."revenue", r."__pgt_count", r."__pgt_a3_n")::text IS DISTINCT FROM ROW(s."cust_id", s."n", s."revenue", s."__pgt_count", s."__pgt_a3_n")::text
  UNION ALL SELECT s."cust_id", s."n", s."revenue", s."__pgt_count", s."__pgt_a3_n", s.__pgt_row_id, -1 FROM __pgt_storage s WHERE s.__pgt_row_id IN (SELECT j.__pgt_rid FROM __pgt_j j WHERE j.__pgt_inv OR NOT (j.__pgt_nc > 0)) AND s.__pgt_row_id NOT IN (SELECT __pgt_rid FROM __pgt_r)
)
SELECT r."cust_id", r."n", r."revenue", r."__pgt_count", r."__pgt_a3_n", r.__pgt_rid AS __pgt_row_id, r.__pgt_w FROM (SELECT * FROM __pgt_d3) r
