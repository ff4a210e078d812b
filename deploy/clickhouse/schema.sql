-- rtmpscope's ClickHouse schema: what `rtmpscope --clickhouse URL` creates when it is missing,
-- in the database named by the URL (default `rtmpscope`). Runs on ClickHouse 18.16 (Debian's
-- package) and on current releases: no DateTime64, no LowCardinality, no JSON type, so the
-- same file serves both. Load it by hand with
--   clickhouse-client --query 'CREATE DATABASE IF NOT EXISTS rtmpscope'
--   clickhouse-client --database rtmpscope --multiquery < deploy/clickhouse/schema.sql
--
-- Every row carries the whole event as rtmpscope's NDJSON line (`raw`, the README's schema),
-- so nothing is lost; the typed columns are the fields the questions in queries.sql filter and
-- group on. Times: `time_us` is the capture time in microseconds since the epoch (exact), `time`
-- the same to the second (for partitions and the primary key). `batch_id` and `batch_row` name
-- each row's place in the insert that carried it: before a batch is sent again, rtmpscope asks
-- which of its rows are already stored and sends only the others (18.16 deduplicates inserts
-- only in replicated tables), so a retried batch is never stored twice.

-- One row per event: session events (session_start, handshake, tls_handshake, message, gap,
-- warning, session_end, export) and capture warnings.
CREATE TABLE IF NOT EXISTS events
(
    time_us Int64,
    time DateTime MATERIALIZED toDateTime(intDiv(time_us, 1000000)),
    sensor String,
    event String,
    frame UInt64,
    session UInt64,
    client String,
    server String,
    variant String,
    community_id String,
    dir String,
    csid UInt32,
    msid UInt32,
    timestamp UInt32,
    type_id UInt8,
    type String,
    length UInt32,
    -- Commands: the command name (connect, publish, onStatus...), the stream name of
    -- publish/play and their kin, the status code of onStatus/_result/_error, connect's app.
    command String,
    stream String,
    code String,
    app String,
    -- connect's flashVer (the client's software) and the handshake's C1 version.
    flash_ver String,
    client_version String,
    -- Handshake events: 1 when the handshake completed and no echo or digest check failed.
    handshake_ok UInt8,
    raw String,
    batch_id String,
    batch_row UInt32
)
ENGINE = MergeTree()
PARTITION BY toDate(time)
ORDER BY (event, server, time, session);

-- One row per session, when it ends: the session_summary object (what --summary --json prints).
CREATE TABLE IF NOT EXISTS session_summaries
(
    time_us Int64,
    time DateTime MATERIALIZED toDateTime(intDiv(time_us, 1000000)),
    sensor String,
    session UInt64,
    client String,
    server String,
    variant String,
    community_id String,
    role String,
    start_us Int64,
    duration_s Float64,
    end_reason String,
    app String,
    tc_url String,
    flash_ver String,
    server_version String,
    handshake_complete UInt8,
    bytes_c2s UInt64,
    bytes_s2c UInt64,
    messages UInt64,
    gaps UInt64,
    warnings UInt64,
    errors UInt64,
    -- The status codes that were errors (NetStream.Publish.BadName...).
    error_codes Array(String),
    health String,
    -- Stream health: the findings' codes and severities (same order), and the connection's
    -- network facts (both directions; 0 where the session spans several connections).
    finding_codes Array(String),
    finding_severities Array(String),
    retransmissions UInt64,
    retransmitted_bytes UInt64,
    zero_windows UInt64,
    rtt_median_ms Float64,
    -- One element per message stream, in the same order in every array (ARRAY JOIN them).
    stream_names Array(String),
    stream_roles Array(String),
    stream_video_codecs Array(String),
    stream_video_kbps Array(Float64),
    stream_frame_rates Array(Float64),
    stream_keyframe_seconds Array(Float64),
    stream_audio_kbps Array(Float64),
    -- Real-time health per stream (0 without media): media and capture seconds, their
    -- ratio (-1 when there was too little to judge), the largest lag behind media time, the
    -- stalls (how many, the longest, in seconds), and a player's wait for its first picture
    -- (-1 when not a player or none came).
    stream_media_s Array(Float64),
    stream_wall_s Array(Float64),
    stream_realtime_ratios Array(Float64),
    stream_max_lag_s Array(Float64),
    stream_stalls Array(UInt64),
    stream_longest_stall_s Array(Float64),
    stream_first_frame_s Array(Float64),
    raw String,
    batch_id String,
    batch_row UInt32
)
ENGINE = MergeTree()
PARTITION BY toDate(time)
ORDER BY (role, server, time, session);

-- Live only (-i, every --stats-interval seconds): one row per active stream and interval, the
-- `stream_stats` line. Kept apart from `events` because they are a time series of numbers
-- that health questions aggregate (rates, ratios, lags) rather than events; `finding` lines
-- (a stall as it starts and ends) are rare and go to `events` (code, stream, msid).
CREATE TABLE IF NOT EXISTS stream_stats
(
    time_us Int64,
    time DateTime MATERIALIZED toDateTime(intDiv(time_us, 1000000)),
    sensor String,
    frame UInt64,
    session UInt64,
    client String,
    server String,
    variant String,
    community_id String,
    msid UInt32,
    stream String,
    role String,
    interval_s Float64,
    video_kbps Float64,
    audio_kbps Float64,
    fps Float64,
    keyframes UInt64,
    realtime_ratio Float64,
    lag_s Float64,
    retransmissions UInt64,
    raw String,
    batch_id String,
    batch_row UInt32
)
ENGINE = MergeTree()
PARTITION BY toDate(time)
ORDER BY (server, time, session, msid);

-- A cluster: the same tables on every shard, replicated within it, and a Distributed table
-- in front that rtmpscope writes to and the queries read (name it in the URL's database).
-- With {shard} and {replica} macros in each server's configuration:
--
-- CREATE TABLE events_local ON CLUSTER fleet AS events
--     ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/rtmpscope/events', '{replica}')
--     PARTITION BY toDate(time) ORDER BY (event, server, time, session);
-- CREATE TABLE events ON CLUSTER fleet AS events_local
--     ENGINE = Distributed(fleet, rtmpscope, events_local, cityHash64(sensor, session));
--
-- and the same for session_summaries and stream_stats. Sharding by sensor and session keeps a
-- session's rows together; replicated tables also deduplicate a retried insert by the block's checksum.
