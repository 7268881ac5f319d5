-- plan
UnionAll
  Project(2)  select: e.src AS "a", e.dst AS "b"
    Scan(public.edges)  columns: src, dst
  Project(2)  select: e.dst AS "a", e.src AS "b"
    Scan(public.edges)  columns: src, dst

-- full
SELECT r."a", r."b", pg_catalog.hash_record_extended(ROW(pg_catalog.hash_record_extended(ROW(r."a"::text, r."b"::text), 7), row_number() OVER (PARTITION BY pg_catalog.hash_record_extended(ROW(r."a"::text, r."b"::text), 7))), 0) AS __pgt_row_id, pg_catalog.hash_record_extended(ROW(r."a"::text, r."b"::text), 7) AS __pgt_hash FROM (
  /* UnionAll */ SELECT x."a" AS "a", x."b" AS "b", NULL::bigint AS __pgt_rid FROM (
    /* Project(2) */ SELECT e.src AS "a", e.dst AS "b", e.__pgt_rid FROM (
      /* Scan(public.edges) */ SELECT s."src", s."dst", NULL::bigint AS __pgt_rid FROM "public"."edges" s
    ) AS e
  ) x UNION ALL SELECT x."a" AS "a", x."b" AS "b", NULL::bigint AS __pgt_rid FROM (
    /* Project(2) */ SELECT e.dst AS "a", e.src AS "b", e.__pgt_rid FROM (
      /* Scan(public.edges) */ SELECT s."src", s."dst", NULL::bigint AS __pgt_rid FROM "public"."edges" s
    ) AS e
  ) x
) r

-- delta
WITH __pgt_d1 AS (
  /* Scan(public.edges) */ SELECT s."src", s."dst", NULL::bigint AS __pgt_rid, CASE s.__pgt_action WHEN 'I' THEN 1 ELSE -1 END AS __pgt_w FROM pgtrickle_changes.changes_16403 s, __pgt_f WHERE s.__pgt_action IN ('I', 'D') AND s.__pgt_xid >= (SELECT coalesce(pg_catalog.pg_snapshot_xmin(__pgt_f.prev), '0'::xid8) FROM __pgt_f) AND s.__pgt_xid <= '18446744073709551615'::xid8 /* always true: a range is estimated small */ AND NOT pgtrickle._consumed(s.__pgt_xid, s.__pgt_change_id, __pgt_f.prev, __pgt_f.prev_xid, __pgt_f.prev_change_id)
),
__pgt_d2 AS (
  /* Project(2) */ SELECT e.src AS "a", e.dst AS "b", e.__pgt_rid, e.__pgt_w FROM (SELECT * FROM __pgt_d1) AS e
),
__pgt_d3 AS (
  /* Project(2) */ SELECT e.dst AS "a", e.src AS "b", e.__pgt_rid, e.__pgt_w FROM (SELECT * FROM __pgt_d1) AS e
),
__pgt_d4 AS (
  /* UnionAll */ SELECT x."a" AS "a", x."b" AS "b", NULL::bigint AS __pgt_rid, x.__pgt_w FROM (SELECT * FROM __pgt_d2) x UNION ALL SELECT x."a" AS "a", x."b" AS "b", NULL::bigint AS __pgt_rid, x.__pgt_w FROM (SELECT * FROM __pgt_d3) x
)
SELECT r."a", r."b", pg_catalog.hash_record_extended(ROW(r."a"::text, r."b"::text), 7) AS __pgt_hash, r.__pgt_w FROM (SELECT * FROM __pgt_d4) r
