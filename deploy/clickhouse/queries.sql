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
