-- Example queries over evidence records in place: Amazon Athena (Trino SQL) first, then BigQuery
-- (GoogleSQL). Windows are examples; an audit window is usually a quarter to a year.
--
-- These read what the bucket holds; they do not check hashes, chains or signatures. Anything
-- presented to an auditor as proof should also come with `evidence-agent verify --from … --to …`
-- over the same window (or the auditor's own check per evidence-schema/README.md).

-- =============================================================================================
-- Amazon Athena (tables from athena.sql)
-- =============================================================================================

-- A1. Records per control per day, by status. `controls` is an array: UNNEST gives one row per
--     control a record supports. The `day` filter prunes partitions, so only those days' objects
--     are read.
SELECT
  r.day,
  c.control,
  count(*)                         AS records,
  count_if(r.status = 'pass')      AS pass,
  count_if(r.status = 'fail')      AS fail,
  count_if(r.status = 'error')     AS error,
  count_if(r.status = 'info')      AS info
FROM evidence_records AS r
CROSS JOIN UNNEST(r.controls) AS c (control)
WHERE r.day BETWEEN '2026-01-01' AND '2026-03-31'
GROUP BY r.day, c.control
ORDER BY r.day, c.control;

-- A2. Failing records in a window, one row per finding (records without findings kept).
--     UNNEST of an array of structs yields one column per struct field.
SELECT
  from_iso8601_timestamp(r.observedat) AS observed_at,
  r.stream,
  r.seq,
  r.collector.type                     AS collector_type,
  r.subject.kind || ':' || r.subject.id AS subject,
  r.status,
  r.summary,
  f.code,
  f.severity,
  f.message,
  f.ref
FROM evidence_records AS r
LEFT JOIN UNNEST(r.findings) AS f (code, severity, message, ref) ON true
WHERE r.day BETWEEN '2026-01-01' AND '2026-03-31'                               -- partition pruning
  AND from_iso8601_timestamp(r.observedat) >= from_iso8601_timestamp('2026-01-01T00:00:00Z')
  AND from_iso8601_timestamp(r.observedat) <  from_iso8601_timestamp('2026-04-01T00:00:00Z')
  AND r.status IN ('fail', 'error')
ORDER BY observed_at, r.stream, r.seq;

-- A3. Coverage: days in the window on which a stream wrote nothing (a gap an auditor will ask
--     about; the daemon's missed-run notices should explain each one).
WITH days AS (
  SELECT CAST(d AS varchar) AS day                 -- YYYY-MM-DD, like the partition values
  FROM UNNEST(sequence(DATE '2026-01-01', DATE '2026-03-31', INTERVAL '1' DAY)) AS t (d)
),
streams AS (
  SELECT DISTINCT stream FROM evidence_records WHERE day BETWEEN '2026-01-01' AND '2026-03-31'
),
seen AS (
  SELECT DISTINCT stream, day FROM evidence_records WHERE day BETWEEN '2026-01-01' AND '2026-03-31'
)
SELECT s.stream, d.day
FROM streams AS s
CROSS JOIN days AS d
LEFT JOIN seen AS x ON x.stream = s.stream AND x.day = d.day
WHERE x.stream IS NULL
ORDER BY s.stream, d.day;

-- A4. A collector's own payload (`data`) through the raw table: the evidence-store collector's
--     daily view of whether the bucket was locked.
SELECT
  day,
  json_extract_scalar(line, '$.stream')              AS stream,
  json_extract_scalar(line, '$.status')              AS status,
  CAST(json_extract(line, '$.data.locked') AS boolean) AS locked,
  CAST(json_extract(line, '$.data.retentionDays') AS integer) AS retention_days
FROM evidence_records_raw
WHERE collector_id = 'store'
  AND day BETWEEN '2026-01-01' AND '2026-03-31'
ORDER BY day, stream;

-- =============================================================================================
-- BigQuery (external table from bigquery.json)
--   bq mk --external_table_definition=deploy/analytics/bigquery.json PROJECT:DATASET.evidence_records
--
-- bigquery.json names the records with one wildcard URI (gs://BUCKET/PREFIX/records/*; `*` also
-- matches across `/`). The layout is not Hive-style (key=value folders), so BigQuery cannot prune
-- by day and each query reads every record file the URI matches. That is fine for thousands of
-- records; for millions, narrow `sourceUris` (one per agent, e.g. …/records/cluster-1/*), use a
-- BigLake table with metadata caching, or load the records into a native table partitioned by
-- DATE(observedAt) on a schedule. HASH is a reserved word in GoogleSQL, so quote that column
-- with backticks. `data` is not in the typed table (its shape differs per collector, and
-- ignoreUnknownValues skips it); use the raw table B0 for it.
-- =============================================================================================

-- B0. Raw records, one STRING per object, for JSON functions over `data`. CSV with a field
--     delimiter of U+0001, which canonical JSON always escapes, and quoting off, so each line is
--     one value, unchanged.
CREATE EXTERNAL TABLE IF NOT EXISTS `PROJECT.DATASET.evidence_records_raw` (line STRING)
OPTIONS (
  format = 'CSV',
  uris = ['gs://BUCKET/PREFIX/records/*'],
  field_delimiter = '\x01',
  quote = '',
  max_bad_records = 0
);

-- B1. Records per control per day, by status.
SELECT
  DATE(r.observedAt)               AS day,
  control,
  COUNT(*)                         AS records,
  COUNTIF(r.status = 'pass')       AS pass,
  COUNTIF(r.status = 'fail')       AS fail,
  COUNTIF(r.status = 'error')      AS error,
  COUNTIF(r.status = 'info')       AS info
FROM `PROJECT.DATASET.evidence_records` AS r,
  UNNEST(r.controls) AS control
WHERE r.observedAt >= TIMESTAMP '2026-01-01 00:00:00+00'
  AND r.observedAt <  TIMESTAMP '2026-04-01 00:00:00+00'
GROUP BY day, control
ORDER BY day, control;

-- B2. Failing records in a window, one row per finding (records without findings kept).
SELECT
  r.observedAt,
  r.stream,
  r.seq,
  r.collector.type                       AS collector_type,
  CONCAT(r.subject.kind, ':', r.subject.id) AS subject,
  r.status,
  r.summary,
  f.code,
  f.severity,
  f.message,
  f.ref
FROM `PROJECT.DATASET.evidence_records` AS r
LEFT JOIN UNNEST(r.findings) AS f
WHERE r.observedAt >= TIMESTAMP '2026-01-01 00:00:00+00'
  AND r.observedAt <  TIMESTAMP '2026-04-01 00:00:00+00'
  AND r.status IN ('fail', 'error')
ORDER BY r.observedAt, r.stream, r.seq;

-- B3. A collector's own payload through the raw table.
SELECT
  TIMESTAMP(JSON_VALUE(line, '$.observedAt'))        AS observed_at,
  JSON_VALUE(line, '$.stream')                       AS stream,
  JSON_VALUE(line, '$.status')                       AS status,
  SAFE_CAST(JSON_VALUE(line, '$.data.locked') AS BOOL) AS locked,
  SAFE_CAST(JSON_VALUE(line, '$.data.retentionDays') AS INT64) AS retention_days
FROM `PROJECT.DATASET.evidence_records_raw`
WHERE JSON_VALUE(line, '$.collector.type') = 'evidence-store'
ORDER BY observed_at, stream;
