-- PARTITION_STATEMENTS.layout in src/partitions/partition.repository.ts; written by tools/sql-snapshots.ts (npm run sql:snapshots), not by hand.
SELECT nullif(p.partdefid, 0)::regclass::text AS fallback,
       (SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
        WHERE attrelid = p.partrelid AND attnum > 0 AND NOT attisdropped) AS columns
FROM pg_partitioned_table p WHERE p.partrelid = $1::regclass
