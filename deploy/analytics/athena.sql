-- Amazon Athena tables over the records in an evidence bucket, queried in place: nothing is
-- copied out of the locked bucket, and a query can only read it.
--
-- Layout written by the agent (evidence-schema/README.md):
--   s3://<bucket>/<prefix>/records/<agentId>/<collectorId>/<YYYY-MM-DD>/<seq, 12 digits>.json
-- Each object is one record: RFC 8785 canonical JSON on a single line, then a newline, which is
-- exactly what the line-oriented JSON SerDe reads. The day is the UTC date of `observedAt`.
--
-- Replace BUCKET/PREFIX (drop "PREFIX/" when the store URL has no path), list your agent and
-- collector ids in the projection values, and run both statements in a database of your choice
-- (CREATE DATABASE evidence;). The Athena workgroup's role needs s3:GetObject and s3:ListBucket
-- on the bucket and kms:Decrypt on its key; nothing else.
--
-- Partition projection instead of a catalogue of partitions: Athena computes the partitions from
-- the properties below, so there is no MSCK REPAIR or crawler to run (the layout is not
-- Hive-style key=value, so MSCK could not find them anyway) and a query that filters on `day`
-- lists only those days' prefixes, which keeps millions of small objects affordable.
-- agent_id and collector_id are `enum` so that queries across the whole fleet work without
-- naming an agent; add new ids with ALTER TABLE ... SET TBLPROPERTIES. (With type `injected`
-- instead, no list is kept, but every query must then name agent_id and collector_id.)

-- 1. Typed records. Columns follow evidence-schema/v1/record.schema.json; names match JSON keys
--    case-insensitively (observedAt -> observedat). `data` (free-form, per collector) is left out
--    because the JSON SerDe cannot read an object into a string column; query it through
--    evidence_records_raw below. Unknown keys are skipped, so later optional fields do not break
--    this table.
CREATE EXTERNAL TABLE IF NOT EXISTS evidence_records (
  `schema`      string,
  `id`          string,
  `stream`      string,
  `seq`         bigint,
  `prev`        string,
  `observedat`  string,
  `collector`   struct<`type`:string, `version`:string, `payloadschema`:string>,
  `controls`    array<string>,
  `subject`     struct<`kind`:string, `id`:string>,
  `status`      string,
  `summary`     string,
  `findings`    array<struct<`code`:string, `severity`:string, `message`:string, `ref`:string>>,
  `attachments` array<struct<`name`:string, `mediatype`:string, `size`:bigint, `sha256`:string, `key`:string>>,
  `agent`       struct<`id`:string, `version`:string, `host`:string, `configsha256`:string, `resolvedconfigsha256`:string,
                       `inputs`:array<struct<`at`:string, `path`:string, `sha256`:string>>,
                       `build`:struct<`commit`:string, `integrity`:string, `image`:string>>,
  `storage`     struct<`retention`:string, `mode`:string, `days`:int, `mutable`:boolean>,
  `cadence`     struct<`schedule`:string, `timezone`:string, `every`:string>,
  `hash`        string
)
PARTITIONED BY (
  `agent_id`     string,
  `collector_id` string,
  `day`          string
)
-- The Hive JSON SerDe rather than OpenX: AWS documents that OpenX can return non-deterministic
-- results, which is the last thing evidence queries may do.
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
LOCATION 's3://BUCKET/PREFIX/records/'
TBLPROPERTIES (
  'projection.enabled'                 = 'true',
  'projection.agent_id.type'           = 'enum',
  'projection.agent_id.values'         = 'cluster-1,cluster-1-snapshot',
  'projection.collector_id.type'       = 'enum',
  'projection.collector_id.values'     = 'store,policies',
  'projection.day.type'                = 'date',
  'projection.day.format'              = 'yyyy-MM-dd',
  'projection.day.range'               = '2025-01-01,NOW',
  'projection.day.interval'            = '1',
  'projection.day.interval.unit'       = 'DAYS',
  'storage.location.template'          = 's3://BUCKET/PREFIX/records/${agent_id}/${collector_id}/${day}/'
);

-- 2. Raw records: each object's single line as one string, for json_extract over `data` or any
--    field. The delimited text SerDe splits fields on \001 (its default), a control character
--    that canonical JSON always escapes, so the whole line lands in `line` unchanged.
CREATE EXTERNAL TABLE IF NOT EXISTS evidence_records_raw (
  `line` string
)
PARTITIONED BY (
  `agent_id`     string,
  `collector_id` string,
  `day`          string
)
ROW FORMAT DELIMITED FIELDS TERMINATED BY '\001'
LOCATION 's3://BUCKET/PREFIX/records/'
TBLPROPERTIES (
  'projection.enabled'                 = 'true',
  'projection.agent_id.type'           = 'enum',
  'projection.agent_id.values'         = 'cluster-1,cluster-1-snapshot',
  'projection.collector_id.type'       = 'enum',
  'projection.collector_id.values'     = 'store,policies',
  'projection.day.type'                = 'date',
  'projection.day.format'              = 'yyyy-MM-dd',
  'projection.day.range'               = '2025-01-01,NOW',
  'projection.day.interval'            = '1',
  'projection.day.interval.unit'       = 'DAYS',
  'storage.location.template'          = 's3://BUCKET/PREFIX/records/${agent_id}/${collector_id}/${day}/'
);
