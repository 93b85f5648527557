-- PARTITION_STATEMENTS.partitions in src/partitions/partition.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT c.relname AS name,
       CASE b.m[1] WHEN 'MINVALUE' THEN '-infinity'::float8
         ELSE extract(epoch FROM btrim(b.m[1], '''')::timestamptz - $2::interval)::float8 * 1000 END AS "from",
       CASE b.m[2] WHEN 'MAXVALUE' THEN 'infinity'::float8
         ELSE extract(epoch FROM btrim(b.m[2], '''')::timestamptz - $2::interval)::float8 * 1000 END AS "to"
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_partitioned_table p ON p.partrelid = i.inhparent
CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), '^FOR VALUES FROM \((.+)\) TO \((.+)\)$') AS b(m)
WHERE i.inhparent = $1::regclass AND c.oid <> p.partdefid
ORDER BY 2
