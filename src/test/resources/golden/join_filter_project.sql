-- plan
Project(3)  select: "o.id" AS "id", "c.region" AS "region", "o.total" AS "total"
  Filter  where: ("o.total" > 100::numeric)
    InnerJoin  on: ("c.id" = "o.cust_id")
      Project(3)  select: "id" AS "o.id", "cust_id" AS "o.cust_id", "total" AS "o.total"
        Scan(public.orders)  columns: id, cust_id, total
      Project(2)  select: "id" AS "c.id", "region" AS "c.region"
        Scan(public.customers)  columns: id, region

-- full
SELECT r."id", r."region", r."total", r.__pgt_rid AS __pgt_row_id FROM (
  /* Project(3) */ SELECT "o.id" AS "id", "c.region" AS "region", "o.total" AS "total", __pgt_p.__pgt_rid FROM (
    /* Filter */ SELECT * FROM (
      /* InnerJoin */ SELECT l."o.id", l."o.cust_id", l."o.total", r."c.id", r."c.region", pg_catalog.hashtextextended(coalesce(l.__pgt_rid::text, '~') || ',' || coalesce(r.__pgt_rid::text, '~'), 7) AS __pgt_rid FROM (
        /* Project(3) */ SELECT "id" AS "o.id", "cust_id" AS "o.cust_id", "total" AS "o.total", __pgt_r.__pgt_rid FROM (
          /* Scan(public.orders) */ SELECT s."id", s."cust_id", s."total", pg_catalog.hash_record_extended(ROW(s."id"), 7) AS __pgt_rid FROM "public"."orders" s
        ) AS __pgt_r
      ) l JOIN (
        /* Project(2) */ SELECT "id" AS "c.id", "region" AS "c.region", __pgt_r.__pgt_rid FROM (
          /* Scan(public.customers) */ SELECT s."id", s."region", pg_catalog.hash_record_extended(ROW(s."id"), 7) AS __pgt_rid FROM "public"."customers" s
        ) AS __pgt_r
      ) r ON (("c.id" = "o.cust_id"))
    ) AS __pgt_q WHERE (("o.total" > 100::numeric))
  ) AS __pgt_p
) r

-- delta
WITH __pgt_d1 AS (
  /* Scan(public.orders) */ SELECT s."id", s."cust_id", s."total", pg_catalog.hash_record_extended(ROW(s."id"), 7) AS __pgt_rid, CASE s.__pgt_action WHEN 'I' THEN 1 ELSE -1 END AS __pgt_w FROM pgtrickle_changes.changes_16401 s, __pgt_f WHERE s.__pgt_action IN ('I', 'D') AND s.__pgt_xid >= (SELECT coalesce(pg_catalog.pg_snapshot_xmin(__pgt_f.prev), '0'::xid8) FROM __pgt_f) AND s.__pgt_xid <= '18446744073709551615'::xid8 /* always true: a range is estimated small */ AND NOT pgtrickle._consumed(s.__pgt_xid, s.__pgt_change_id, __pgt_f.prev, __pgt_f.prev_xid, __pgt_f.prev_change_id)
),
__pgt_d2 AS (
  /* Project(3) */ SELECT "id" AS "o.id", "cust_id" AS "o.cust_id", "total" AS "o.total", __pgt_r.__pgt_rid, __pgt_r.__pgt_w FROM (SELECT * FROM __pgt_d1) AS __pgt_r
),
__pgt_d3 AS (
  /* Scan(public.customers) */ SELECT s."id", s."region", pg_catalog.hash_record_extended(ROW(s."id"), 7) AS __pgt_rid, CASE s.__pgt_action WHEN 'I' THEN 1 ELSE -1 END AS __pgt_w FROM pgtrickle_changes.changes_16402 s, __pgt_f WHERE s.__pgt_action IN ('I', 'D') AND s.__pgt_xid >= (SELECT coalesce(pg_catalog.pg_snapshot_xmin(__pgt_f.prev), '0'::xid8) FROM __pgt_f) AND s.__pgt_xid <= '18446744073709551615'::xid8 /* always true: a range is estimated small */ AND NOT pgtrickle._consumed(s.__pgt_xid, s.__pgt_change_id, __pgt_f.prev, __pgt_f.prev_xid, __pgt_f.prev_change_id)
),
__pgt_d4 AS (
  /* Project(2) */ SELECT "id" AS "c.id", "region" AS "c.region", __pgt_r.__pgt_rid, __pgt_r.__pgt_w FROM (SELECT * FROM __pgt_d3) AS __pgt_r
),
__pgt_d5 AS (
  /* InnerJoin */ SELECT l."o.id", l."o.cust_id", l."o.total", r."c.id", r."c.region", pg_catalog.hashtextextended(coalesce(l.__pgt_rid::text, '~') || ',' || coalesce(r.__pgt_rid::text, '~'), 7) AS __pgt_rid, l.__pgt_w * r.__pgt_w AS __pgt_w FROM (SELECT * FROM __pgt_d2) l JOIN (SELECT c."c.id", c."c.region", c.__pgt_rid, 1 AS __pgt_w FROM (
      /* Project(2) */ SELECT "id" AS "c.id", "region" AS "c.region", __pgt_r.__pgt_rid FROM (
        /* Scan(public.customers) */ SELECT s."id", s."region", pg_catalog.hash_record_extended(ROW(s."id"), 7) AS __pgt_rid FROM "public"."customers" s
      ) AS __pgt_r
    ) c UNION ALL SELECT d."c.id", d."c.region", d.__pgt_rid, -d.__pgt_w FROM (SELECT * FROM __pgt_d4) d
  ) r ON (("c.id" = "o.cust_id")) UNION ALL SELECT l."o.id", l."o.cust_id", l."o.total", r."c.id", r."c.region", pg_catalog.hashtextextended(coalesce(l.__pgt_rid::text, '~') || ',' || coalesce(r.__pgt_rid::text, '~'), 7) AS __pgt_rid, r.__pgt_w AS __pgt_w FROM (
    /* Project(3) */ SELECT "id" AS "o.id", "cust_id" AS "o.cust_id", "total" AS "o.total", __pgt_r.__pgt_rid FROM (
      /* Scan(public.orders) */ SELECT s."id", s."cust_id", s."total", pg_catalog.hash_record_extended(ROW(s."id"), 7) AS __pgt_rid FROM "public"."orders" s
    ) AS __pgt_r
  ) l JOIN (SELECT * FROM __pgt_d4) r ON (("c.id" = "o.cust_id"))
),
__pgt_d6 AS (
  /* Filter */ SELECT * FROM (SELECT * FROM __pgt_d5) AS __pgt_q WHERE (("o.total" > 100::numeric))
),
__pgt_d7 AS (
  /* Project(3) */ SELECT "o.id" AS "id", "c.region" AS "region", "o.total" AS "total", __pgt_p.__pgt_rid, __pgt_p.__pgt_w FROM (SELECT * FROM __pgt_d6) AS __pgt_p
)
SELECT r."id", r."region", r."total", r.__pgt_rid AS __pgt_row_id, r.__pgt_w FROM (SELECT * FROM __pgt_d7) r
