-- The questions a fleet operator asks of rtmpscope's tables (schema.sql), one query each,
-- after a `-- name:` line. They run on ClickHouse 18.16 and on current releases; tests/
-- clickhouse.rs runs every one on the samples (with now() set to just after the capture).
-- Run one with: clickhouse-client --database rtmpscope --query "$(sed -n '/name: X$/,/;/p' queries.sql)"
--
-- Stream names are stream keys for most services: the queries show them masked the way
-- `--redact` masks them, <redacted:first 6 hex digits of their SHA-256>, so two streams stay
-- distinguishable and a mask found here matches one in a redacted capture; to see the names,
-- select them instead of the mask (on purpose). Rows already written with --redact hold masks,
-- which are shown as they are.

-- name: sessions_with_errors_by_server
-- Sessions that ended in the last hour with an error status (_error, or onStatus level
-- error: NetStream.Publish.BadName, NetConnection.Connect.Rejected...) or a failed health
-- verdict, by server: how many, and which codes.
SELECT
    server,
    count() AS sessions,
    sum(errors) AS error_statuses,
    countIf(health = 'failed') AS failed,
    arraySort(groupUniqArrayArray(error_codes)) AS codes
FROM session_summaries
WHERE time >= now() - 3600 AND (errors > 0 OR health = 'failed')
GROUP BY server
ORDER BY sessions DESC, server;

-- name: publishers_by_bitrate
-- Published streams of the last day, highest video bitrate first, with the frame rate and
-- the keyframe interval (seconds between keyframes: players joining wait up to that long).
SELECT
    sensor,
    server,
    client,
    session,
    if(startsWith(s_name, '<redacted:') OR s_name = '', s_name,
       concat('<redacted:', lower(substring(hex(SHA256(s_name)), 1, 6)), '>')) AS stream,
    s_codec AS video_codec,
    round(s_kbps, 1) AS video_kbps,
    round(s_fps, 2) AS fps,
    round(s_gop, 2) AS keyframe_interval_s,
    round(s_audio, 1) AS audio_kbps
FROM session_summaries
ARRAY JOIN
    stream_names AS s_name,
    stream_roles AS s_role,
    stream_video_codecs AS s_codec,
    stream_video_kbps AS s_kbps,
    stream_frame_rates AS s_fps,
    stream_keyframe_seconds AS s_gop,
    stream_audio_kbps AS s_audio
WHERE time >= now() - 86400 AND s_role = 'publish'
ORDER BY video_kbps DESC, keyframe_interval_s DESC, sensor, session, stream;

-- name: stream_keys_on_many_servers
-- Stream keys seen on more than one server in the last day (masked): a key that leaked, or
-- a publisher pushing to several ingests. To see the keys themselves, select `name AS stream`
-- instead of the mask.
SELECT
    if(startsWith(name, '<redacted:'), name,
       concat('<redacted:', lower(substring(hex(SHA256(name)), 1, 6)), '>')) AS stream,
    uniqExact(server) AS servers,
    arraySort(groupUniqArray(server)) AS server_list,
    count() AS sessions
FROM session_summaries
ARRAY JOIN stream_names AS name
WHERE time >= now() - 86400 AND name != ''
GROUP BY name
HAVING servers > 1
ORDER BY servers DESC, stream;

-- name: handshake_failures_by_client_version
-- Handshakes of the last day that did not complete, or whose echo or digest check failed, by
-- the client's version (C1's version field: Flash Player, FMLE, librtmp, ffmpeg...).
SELECT
    client_version,
    count() AS failures,
    uniqExact(server) AS servers
FROM events
WHERE event = 'handshake' AND time >= now() - 86400 AND handshake_ok = 0
GROUP BY client_version
ORDER BY failures DESC, client_version;

-- Stream health (the `health`, `findings`, `network` and `realtime` of session_summary;
-- thresholds as in the README's Stream health table).

-- name: sessions_by_health_per_sensor_and_hour
-- Sessions of the last day by verdict (ok, degraded, failed), per sensor and hour (UTC): where
-- and when viewers were hurt.
SELECT
    sensor,
    toStartOfHour(time, 'UTC') AS hour,
    health,
    count() AS sessions
FROM session_summaries
WHERE time >= now() - 86400
GROUP BY sensor, hour, health
ORDER BY sensor, hour, health;

-- name: findings_by_code
-- Health findings of the last day across the fleet, most frequent first: how many, in how
-- many sessions, on how many sensors and servers.
SELECT
    code,
    severity,
    count() AS findings,
    uniqExact(sensor, session) AS sessions,
    uniqExact(sensor) AS sensors,
    uniqExact(server) AS servers
FROM session_summaries
ARRAY JOIN finding_codes AS code, finding_severities AS severity
WHERE time >= now() - 86400
GROUP BY code, severity
ORDER BY findings DESC, code, severity;

-- name: worst_stalls
-- Streams of the last day that stalled (no media for over a second while live), longest
-- stall first (names masked).
SELECT
    sensor,
    server,
    client,
    session,
    if(startsWith(s_name, '<redacted:') OR s_name = '', s_name,
       concat('<redacted:', lower(substring(hex(SHA256(s_name)), 1, 6)), '>')) AS stream,
    s_role AS role,
    s_stalls AS stalls,
    round(s_longest, 3) AS longest_stall_s
FROM session_summaries
ARRAY JOIN
    stream_names AS s_name,
    stream_roles AS s_role,
    stream_stalls AS s_stalls,
    stream_longest_stall_s AS s_longest
WHERE time >= now() - 86400 AND s_stalls > 0
ORDER BY longest_stall_s DESC, sensor, session, stream
LIMIT 50;

-- name: streams_behind_realtime
-- Streams of the last day whose media arrived at under 0.9 of real time over at least 10 s
-- of capture (a publisher that cannot push its media through), slowest first, with how far
-- they fell behind.
SELECT
    sensor,
    server,
    client,
    session,
    if(startsWith(s_name, '<redacted:') OR s_name = '', s_name,
       concat('<redacted:', lower(substring(hex(SHA256(s_name)), 1, 6)), '>')) AS stream,
    s_role AS role,
    round(s_ratio, 3) AS realtime_ratio,
    round(s_media, 3) AS media_s,
    round(s_wall, 3) AS wall_s,
    round(s_lag, 3) AS max_lag_s
FROM session_summaries
ARRAY JOIN
    stream_names AS s_name,
    stream_roles AS s_role,
    stream_realtime_ratios AS s_ratio,
    stream_media_s AS s_media,
    stream_wall_s AS s_wall,
    stream_max_lag_s AS s_lag
WHERE time >= now() - 86400 AND s_ratio >= 0 AND s_ratio < 0.9 AND s_wall >= 10
ORDER BY realtime_ratio, sensor, session, stream;

-- name: retransmission_rates_by_sensor
-- TCP retransmissions of the last day per sensor: segments and bytes sent again, as a share
-- of the sessions' bytes, and the sessions flagged for it (>= 10 segments and > 2 %).
SELECT
    sensor,
    count() AS sessions,
    sum(retransmissions) AS segments,
    sum(retransmitted_bytes) AS bytes_again,
    sum(bytes_c2s + bytes_s2c) AS bytes,
    round(if(bytes = 0, 0, 100 * bytes_again / bytes), 3) AS percent,
    countIf(has(finding_codes, 'retransmissions')) AS flagged_sessions
FROM session_summaries
WHERE time >= now() - 86400
GROUP BY sensor
ORDER BY percent DESC, sensor;

-- name: live_stream_health
-- Live (-i): the streams of the last 5 minutes from their stream_stats rows, worst real-time
-- ratio first: intervals seen, mean and lowest ratio, largest lag, mean video bitrate and
-- frame rate, keyframes and retransmissions.
SELECT
    sensor,
    server,
    session,
    msid,
    if(startsWith(stream, '<redacted:') OR stream = '', stream,
       concat('<redacted:', lower(substring(hex(SHA256(stream)), 1, 6)), '>')) AS stream_key,
    role,
    count() AS intervals,
    round(avg(realtime_ratio), 3) AS mean_ratio,
    round(min(realtime_ratio), 3) AS lowest_ratio,
    round(max(lag_s), 3) AS max_lag_s,
    round(avg(video_kbps), 1) AS video_kbps,
    round(avg(fps), 2) AS fps,
    sum(keyframes) AS keyframes,
    sum(retransmissions) AS retransmissions
FROM stream_stats
WHERE time >= now() - 300
GROUP BY sensor, server, session, msid, stream, role
ORDER BY mean_ratio, sensor, server, session, msid;
