//! `--clickhouse`: a real clickhouse-server (Debian's, release 18.16) on private ports.
//! Every event of every sample is stored, equal to `--json`; the fleet queries answer what the
//! NDJSON says; the same rows load into a current engine (chdb) with the same answers; and the
//! sink loses nothing and stores nothing twice when the server is down at start, killed and
//! restarted mid-run, answering errors (also after storing), or the spool fills up.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::clickhouse::{Fault, FaultyProxy, Server};
use common::crafted::connect_and_publish;
use common::pcap::{chunks, Connection, PcapWriter};
use common::{require, rtmpscope, samples};
use serde_json::Value;

/// The queries of deploy/clickhouse/queries.sql by name.
fn queries() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/clickhouse/queries.sql"),
    )
    .expect("queries.sql");
    let mut found = BTreeMap::new();
    for part in text.split("-- name: ").skip(1) {
        let (name, body) = part.split_once('\n').expect("a name line");
        let sql: String = body
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        let sql = sql.trim().trim_end_matches(';').to_string();
        found.insert(name.trim().to_string(), sql);
    }
    assert_eq!(found.len(), 10, "{:?}", found.keys());
    found
}

/// rtmpscope's run with `args`, checked to succeed.
fn run_ok(args: &[&str]) -> Output {
    let output = rtmpscope().args(args).output().expect("run rtmpscope");
    assert!(
        output.status.success(),
        "rtmpscope {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::to_string)
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// A scratch spool folder for one run.
fn spool(server: &Server, name: &str) -> PathBuf {
    server.dir.join(format!("spool-{name}"))
}

/// The NDJSON lines `--json` prints for `capture` (and with `--summary`, the summaries).
fn json_lines(capture: &Path, summary: bool) -> Vec<String> {
    let mut args = vec!["-r", capture.to_str().unwrap(), "--json"];
    if summary {
        args.push("--summary");
    }
    lines(&run_ok(&args).stdout)
}

/// `raw` of every row of `table` for `sensor`, sorted; and no row twice.
fn stored(server: &Server, db: &str, table: &str, sensor: &str) -> Vec<String> {
    let total = server.count(
        db,
        &format!("SELECT count() FROM {table} WHERE sensor = '{sensor}'"),
    );
    let distinct = server.count(
        db,
        &format!("SELECT uniqExact(batch_id, batch_row) FROM {table} WHERE sensor = '{sensor}'"),
    );
    assert_eq!(total, distinct, "{table}: a row stored twice");
    let raw = server.lines(
        db,
        &format!("SELECT raw FROM {table} WHERE sensor = '{sensor}' FORMAT TSVRaw"),
    );
    assert_eq!(raw.len() as u64, total);
    sorted(raw)
}

#[test]
fn every_sample_stored_queries_answer_and_chdb_agrees() {
    if !require("clickhouse-server") {
        return;
    }
    let mut server = Server::new("samples");
    server.start();
    let db = "fleet";
    let mut all_summaries = Vec::new();
    let mut all_events = Vec::new();
    let (mut events_total, mut summaries_total) = (0, 0);
    let mut captures = samples();
    captures.extend(common::shared_captures());
    // The samples share no stream name between servers: one key published to two servers.
    let crafted = server.dir.join("one_key_two_servers.pcap");
    std::fs::write(&crafted, one_key_two_servers()).unwrap();
    captures.push(crafted);
    // Real peers in bad conditions (stalls, retransmissions, behind real time, slow starts):
    // what the health queries look for.
    let health: Vec<PathBuf> = ["congested", "sigstop", "longgop"]
        .into_iter()
        .filter_map(common::health::capture)
        .collect();
    let have_health = health.len() == 3;
    captures.extend(health);
    for capture in captures {
        let name = capture
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace('.', "_");
        let sensor = format!("sensor-{name}");
        let out = run_ok(&[
            "-r",
            capture.to_str().unwrap(),
            "--json",
            "--clickhouse",
            &server.url(db),
            "--sensor",
            &sensor,
            "--spool",
            spool(&server, &name).to_str().unwrap(),
        ]);
        let printed = lines(&out.stdout);
        // --clickhouse changes nothing in the chosen output.
        assert_eq!(
            printed,
            json_lines(&capture, false),
            "{name}: output changed"
        );
        assert_eq!(
            stored(&server, db, "events", &sensor),
            sorted(printed.clone()),
            "{name}"
        );
        let summaries: Vec<String> = json_lines(&capture, true)
            .into_iter()
            .filter(|l| l.starts_with("{\"event\":\"session_summary\""))
            .collect();
        assert_eq!(
            stored(&server, db, "session_summaries", &sensor),
            sorted(summaries.clone()),
            "{name}"
        );
        events_total += printed.len();
        summaries_total += summaries.len();
        all_events.extend(printed);
        all_summaries.extend(summaries.into_iter().map(|l| (sensor.clone(), l)));
    }
    eprintln!("stored {events_total} events and {summaries_total} session summaries");
    check_typed_columns(&server, db);
    // The queries look back from now(): ask them from just after the latest row, and from just
    // after every session's end and every handshake, so each window holds something.
    let times: BTreeSet<i64> = all_summaries
        .iter()
        .map(|(_, line)| line)
        .chain(
            all_events
                .iter()
                .filter(|l| l.starts_with("{\"event\":\"handshake\"")),
        )
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["time"]
                .as_f64()
                .unwrap() as i64
                + 1
        })
        .collect();
    let mut answered = BTreeMap::new();
    for &now in &times {
        for (name, rows) in check_queries(&server, db, now, &all_events, &all_summaries) {
            *answered.entry(name).or_insert(0) += usize::from(rows > 0);
        }
    }
    eprintln!(
        "queries asked at {} times; times each answered with rows: {answered:?}",
        times.len()
    );
    let health_only = ["worst_stalls", "streams_behind_realtime"];
    let with_rows = |name: &&str| answered[*name] > 0;
    assert!(
        answered
            .keys()
            .filter(|n| !health_only.contains(n))
            .all(with_rows),
        "every query has a case with rows: {answered:?}"
    );
    if common::available(
        have_health,
        "the health captures (scripts/record_health.sh, root) for the health queries' rows",
    ) {
        assert!(health_only.iter().all(with_rows), "{answered:?}");
    }
    check_chdb(&server, db, &times, events_total, summaries_total);
}

/// A publisher sends the key `shared-key` to 10.0.0.1:1935 and then to 10.0.0.2:1935, 45 video
/// messages each (a keyframe every 15).
fn one_key_two_servers() -> Vec<u8> {
    let mut pcap = PcapWriter::new();
    for host in [1u8, 2] {
        let mut connection = Connection::open_to(
            &mut pcap,
            ([10, 0, 1, host], 40000),
            ([10, 0, 0, host], 1935),
        );
        connection.rtmp_handshake(&mut pcap);
        connection.send(&mut pcap, true, &connect_and_publish("shared-key"));
        for frame in 0..45u32 {
            let mut body = vec![if frame % 15 == 0 { 0x17 } else { 0x27 }, 1, 0, 0, 0];
            body.extend_from_slice(&[0xAB; 400]);
            let mut message = chunks(6, 9, 1, body.len() as u32, &body, 128);
            // Timestamps 40 ms apart: a format-0 header carries the absolute time.
            message[1..4].copy_from_slice(&(frame * 40).to_be_bytes()[1..]);
            connection.send(&mut pcap, true, &message);
        }
        connection.close(&mut pcap);
    }
    pcap.finish()
}

/// The typed columns hold what the JSON says.
fn check_typed_columns(server: &Server, db: &str) {
    let rows = server.lines(
        db,
        "SELECT event, frame, session, client, server, variant, community_id, dir, csid, msid, \
         timestamp, type, length, command, time_us, raw FROM events FORMAT TSVRaw",
    );
    for row in rows {
        let f: Vec<&str> = row.splitn(16, '\t').collect();
        let json: Value = serde_json::from_str(f[15]).expect("raw is JSON");
        let text = |key: &str| json[key].as_str().unwrap_or("").to_string();
        let number = |key: &str| json[key].as_u64().unwrap_or(0).to_string();
        assert_eq!(f[0], text("event"));
        assert_eq!(f[1], number("frame"), "{row}");
        if json["event"] != "capture_warning" {
            assert_eq!(f[2], number("session"));
            assert_eq!(
                (f[3], f[4], f[5]),
                (
                    text("client").as_str(),
                    text("server").as_str(),
                    text("variant").as_str()
                )
            );
            assert_eq!(f[6], text("community_id"));
            assert!(f[6].starts_with("1:") && f[6].len() == 30);
        }
        if json["event"] == "message" {
            assert_eq!(f[7], text("dir"));
            assert_eq!(
                (f[8], f[9], f[10]),
                (
                    number("csid").as_str(),
                    number("msid").as_str(),
                    number("timestamp").as_str()
                )
            );
            assert_eq!(
                (f[11], f[12]),
                (text("type").as_str(), number("length").as_str())
            );
            assert_eq!(f[13], text("command"));
            let time = json["time"].as_f64().unwrap();
            let micros: i64 = f[14].parse().unwrap();
            assert!((micros as f64 / 1e6 - time).abs() < 1e-6, "{micros} {time}");
        }
    }
}

fn mask(name: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(name.as_bytes());
    format!(
        "<redacted:{:02x}{:02x}{:02x}>",
        digest[0], digest[1], digest[2]
    )
}

/// Runs every query with now() at `now` and checks it against answers computed from the
/// NDJSON; returns how many rows each answered.
fn check_queries(
    server: &Server,
    db: &str,
    now: i64,
    events: &[String],
    with_sensors: &[(String, String)],
) -> BTreeMap<&'static str, usize> {
    let with_sensors: Vec<(String, Value)> = with_sensors
        .iter()
        .map(|(sensor, l)| (sensor.clone(), serde_json::from_str(l).unwrap()))
        .collect();
    let summaries: Vec<Value> = with_sensors.iter().map(|(_, s)| s.clone()).collect();
    let events: Vec<Value> = events
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut answered = BTreeMap::new();
    let recent = |v: &Value, window: f64| v["time"].as_f64().unwrap() as i64 >= now - window as i64;
    let run = |name: &str| -> Vec<Vec<String>> {
        let sql = queries()[name].replace("now()", &format!("toDateTime({now})"));
        server
            .lines(db, &format!("{sql} FORMAT TSVRaw"))
            .iter()
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect()
    };
    let server_of = |s: &Value| s["server"].as_str().unwrap().to_string();

    // Sessions with errors in the last hour, by server.
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for s in summaries.iter().filter(|s| recent(s, 3600.0)) {
        if s["errors"].as_u64().unwrap() > 0 || s["health"] == "failed" {
            *want.entry(server_of(s)).or_default() += 1;
        }
    }
    let got: BTreeMap<String, u64> = run("sessions_with_errors_by_server")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].parse().unwrap()))
        .collect();
    assert_eq!(got, want, "sessions_with_errors_by_server at {now}");
    answered.insert("sessions_with_errors_by_server", got.len());

    // Publishers by bitrate and keyframe interval.
    let mut want = Vec::new();
    for s in summaries.iter().filter(|s| recent(s, 86400.0)) {
        for stream in s["streams"].as_array().unwrap() {
            if stream["role"] == "publish" {
                let kbps = stream["video"]["average_kbps"].as_f64().unwrap_or(0.0);
                let gop = stream["gop"]["seconds"].as_f64().unwrap_or(0.0);
                let name = stream["name"].as_str().unwrap_or("");
                let shown = if name.is_empty() || name.starts_with("<redacted:") {
                    name.to_string()
                } else {
                    mask(name)
                };
                want.push((
                    s["session"].as_u64().unwrap(),
                    server_of(s),
                    shown,
                    format!("{:.1}", kbps),
                    format!("{:.2}", gop),
                ));
            }
        }
    }
    let got: Vec<_> = run("publishers_by_bitrate")
        .into_iter()
        .map(|r| {
            let kbps: f64 = r[6].parse().unwrap();
            let gop: f64 = r[8].parse().unwrap();
            (
                r[3].parse::<u64>().unwrap(),
                r[1].clone(),
                r[4].clone(),
                format!("{kbps:.1}"),
                format!("{gop:.2}"),
            )
        })
        .collect();
    let kbps: Vec<f64> = got.iter().map(|r| r.3.parse().unwrap()).collect();
    assert!(
        kbps.windows(2).all(|w| w[0] >= w[1]),
        "highest bitrate first: {kbps:?}"
    );
    answered.insert("publishers_by_bitrate", got.len());
    assert_eq!(
        sorted_tuples(got),
        sorted_tuples(want),
        "publishers_by_bitrate at {now}"
    );

    // Stream keys on more than one server.
    let mut servers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in summaries.iter().filter(|s| recent(s, 86400.0)) {
        for stream in s["streams"].as_array().unwrap() {
            if let Some(name) = stream["name"].as_str().filter(|n| !n.is_empty()) {
                servers
                    .entry(name.to_string())
                    .or_default()
                    .insert(server_of(s));
            }
        }
    }
    servers.retain(|_, set| set.len() > 1);
    let want: BTreeMap<String, usize> = servers.iter().map(|(n, s)| (n.clone(), s.len())).collect();
    let masked: BTreeMap<String, usize> = want.iter().map(|(n, c)| (mask(n), *c)).collect();
    let got_masked: BTreeMap<String, usize> = run("stream_keys_on_many_servers")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].parse().unwrap()))
        .collect();
    assert_eq!(got_masked, masked, "stream_keys_on_many_servers at {now}");
    answered.insert("stream_keys_on_many_servers", got_masked.len());

    // Handshake failures by client version.
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for e in events
        .iter()
        .filter(|e| e["event"] == "handshake" && recent(e, 86400.0))
    {
        let mismatch = ["c2_check", "s2_check"]
            .iter()
            .any(|k| e[*k].as_str().is_some_and(|c| c.ends_with("mismatch")));
        if e["complete"] == false || mismatch {
            let version = e["c1_version"].as_str().unwrap_or("").to_string();
            *want.entry(version).or_default() += 1;
        }
    }
    let got: BTreeMap<String, u64> = run("handshake_failures_by_client_version")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].parse().unwrap()))
        .collect();
    assert_eq!(got, want, "handshake_failures_by_client_version at {now}");
    answered.insert("handshake_failures_by_client_version", got.len());
    let recent: Vec<(String, Value)> = with_sensors
        .into_iter()
        .filter(|(_, s)| recent(s, 86400.0))
        .collect();
    answered.extend(check_health_queries(now, &recent, &run));
    answered
}

/// A number as the queries round it.
fn r3(value: f64) -> String {
    format!("{value:.3}")
}

/// A stream's name as the queries show it (masked).
fn shown(stream: &Value) -> String {
    let name = stream["name"].as_str().unwrap_or("");
    if name.is_empty() || name.starts_with("<redacted:") {
        name.to_string()
    } else {
        mask(name)
    }
}

/// The hour (UTC) a time falls in, as ClickHouse prints a DateTime.
fn utc_hour(time: f64) -> String {
    let hour = (time as i64).div_euclid(3600) * 3600;
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{hour}"), "+%F %T"])
        .output()
        .expect("date");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The same rows in any order, numbers within half a unit of the third place (the queries
/// round to three places; a value on a half may round either way, and 18.16 reads some JSON
/// numbers a unit in the last place off).
fn same_rows(got: Vec<Vec<String>>, want: Vec<Vec<String>>, what: &str) {
    let (got, want) = (sorted_tuples(got), sorted_tuples(want));
    assert_eq!(got.len(), want.len(), "{what}: {got:?} against {want:?}");
    for (g, w) in got.iter().zip(&want) {
        let same = g.len() == w.len()
            && g.iter()
                .zip(w)
                .all(|(a, b)| match (a.parse::<f64>(), b.parse::<f64>()) {
                    (Ok(a), Ok(b)) => (a - b).abs() <= 0.0005 + 1e-9,
                    _ => a == b,
                });
        assert!(same, "{what}: {g:?} against {w:?}");
    }
}

/// The health queries against what the summaries of the last day (`(sensor, summary)`) say.
fn check_health_queries(
    now: i64,
    recent: &[(String, Value)],
    run: &dyn Fn(&str) -> Vec<Vec<String>>,
) -> BTreeMap<&'static str, usize> {
    let mut answered = BTreeMap::new();
    let number = |v: &Value| v.as_f64().unwrap_or(0.0);

    let mut want: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    for (sensor, s) in recent {
        let key = vec![
            sensor.clone(),
            utc_hour(number(&s["time"])),
            s["health"].as_str().unwrap().to_string(),
        ];
        *want.entry(key).or_default() += 1;
    }
    let got: BTreeMap<Vec<String>, u64> = run("sessions_by_health_per_sensor_and_hour")
        .into_iter()
        .map(|r| (r[..3].to_vec(), r[3].parse().unwrap()))
        .collect();
    assert_eq!(got, want, "sessions_by_health_per_sensor_and_hour at {now}");
    answered.insert("sessions_by_health_per_sensor_and_hour", got.len());

    // (code, severity) -> findings, sessions, sensors, servers.
    type Seen = (
        u64,
        BTreeSet<(String, u64)>,
        BTreeSet<String>,
        BTreeSet<String>,
    );
    let mut seen: BTreeMap<(String, String), Seen> = BTreeMap::new();
    for (sensor, s) in recent {
        for finding in s["findings"].as_array().unwrap() {
            let key = (
                finding["code"].as_str().unwrap().to_string(),
                finding["severity"].as_str().unwrap().to_string(),
            );
            let entry = seen.entry(key).or_default();
            entry.0 += 1;
            entry
                .1
                .insert((sensor.clone(), s["session"].as_u64().unwrap()));
            entry.2.insert(sensor.clone());
            entry.3.insert(s["server"].as_str().unwrap().to_string());
        }
    }
    let want: BTreeSet<Vec<String>> = seen
        .into_iter()
        .map(|((code, severity), (n, sessions, sensors, servers))| {
            let counts = [n as usize, sessions.len(), sensors.len(), servers.len()];
            [code, severity]
                .into_iter()
                .chain(counts.iter().map(usize::to_string))
                .collect()
        })
        .collect();
    let rows = run("findings_by_code");
    let counts: Vec<u64> = rows.iter().map(|r| r[2].parse().unwrap()).collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "most first: {rows:?}"
    );
    let got: BTreeSet<Vec<String>> = rows.into_iter().collect();
    assert_eq!(got, want, "findings_by_code at {now}");
    answered.insert("findings_by_code", got.len());

    // One row per stream of a summary, from its realtime object.
    let streams = || {
        recent.iter().flat_map(|(sensor, s)| {
            s["streams"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |stream| (sensor, s, stream))
        })
    };
    let mut want = Vec::new();
    for (sensor, s, stream) in streams() {
        let realtime = &stream["realtime"];
        let stalls = realtime["stalls"].as_array().map_or(0, Vec::len) as u64
            + realtime["stalls_dropped"].as_u64().unwrap_or(0);
        if stalls > 0 {
            let longest = realtime["stalls"]
                .as_array()
                .unwrap()
                .iter()
                .map(|stall| number(&stall["seconds"]))
                .fold(0.0, f64::max);
            want.push(vec![
                sensor.clone(),
                s["session"].to_string(),
                shown(stream),
                stream["role"].as_str().unwrap_or("").to_string(),
                stalls.to_string(),
                r3(longest),
            ]);
        }
    }
    let rows: Vec<Vec<String>> = run("worst_stalls")
        .into_iter()
        .map(|r| {
            let mut row = vec![r[0].clone()];
            row.extend_from_slice(&r[3..7]);
            row.push(r3(r[7].parse().unwrap()));
            row
        })
        .collect();
    let longest: Vec<f64> = rows.iter().map(|r| r[5].parse().unwrap()).collect();
    assert!(longest.windows(2).all(|w| w[0] >= w[1]), "longest first");
    answered.insert("worst_stalls", rows.len());
    same_rows(rows, want, &format!("worst_stalls at {now}"));

    let mut want = Vec::new();
    for (sensor, s, stream) in streams() {
        let realtime = &stream["realtime"];
        let ratio = realtime["ratio"].as_f64();
        if ratio.is_some_and(|r| r < 0.9) && number(&realtime["wall_s"]) >= 10.0 {
            want.push(vec![
                sensor.clone(),
                s["session"].to_string(),
                shown(stream),
                r3(ratio.unwrap_or(0.0)),
                r3(number(&realtime["media_s"])),
                r3(number(&realtime["wall_s"])),
                r3(number(&realtime["max_lag_s"])),
            ]);
        }
    }
    let rows: Vec<Vec<String>> = run("streams_behind_realtime")
        .into_iter()
        .map(|r| {
            let mut row = vec![r[0].clone(), r[3].clone(), r[4].clone()];
            row.extend(r[6..10].iter().map(|v| r3(v.parse().unwrap())));
            row
        })
        .collect();
    answered.insert("streams_behind_realtime", rows.len());
    same_rows(rows, want, &format!("streams_behind_realtime at {now}"));

    // sensor -> sessions, segments, bytes again, bytes, flagged.
    let mut sums: BTreeMap<String, [u64; 5]> = BTreeMap::new();
    for (sensor, s) in recent {
        let network = &s["network"];
        let flagged = s["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "retransmissions");
        let sum = sums.entry(sensor.clone()).or_default();
        let add = [
            1,
            network["retransmissions"].as_u64().unwrap_or(0),
            network["retransmitted_bytes"].as_u64().unwrap_or(0),
            s["bytes_c2s"].as_u64().unwrap() + s["bytes_s2c"].as_u64().unwrap(),
            u64::from(flagged),
        ];
        for (total, n) in sum.iter_mut().zip(add) {
            *total += n;
        }
    }
    let want: BTreeSet<Vec<String>> = sums
        .into_iter()
        .map(|(sensor, [sessions, segments, again, bytes, flagged])| {
            let percent = if bytes == 0 {
                0.0
            } else {
                100.0 * again as f64 / bytes as f64
            };
            vec![
                sensor,
                sessions.to_string(),
                segments.to_string(),
                again.to_string(),
                bytes.to_string(),
                r3(percent),
                flagged.to_string(),
            ]
        })
        .collect();
    let rows = run("retransmission_rates_by_sensor");
    let percents: Vec<f64> = rows.iter().map(|r| r[5].parse().unwrap()).collect();
    assert!(percents.windows(2).all(|w| w[0] >= w[1]), "highest first");
    answered.insert("retransmission_rates_by_sensor", rows.len());
    same_rows(
        rows,
        want.into_iter().collect(),
        &format!("retransmission_rates_by_sensor at {now}"),
    );
    answered
}

fn sorted_tuples<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

/// The rows as rtmpscope sent them (every column but the materialized one), loaded into a
/// current ClickHouse engine (chdb) with the same schema: same counts, same answers.
fn check_chdb(server: &Server, db: &str, times: &BTreeSet<i64>, events: usize, summaries: usize) {
    if !common::available(
        Command::new("python3")
            .args(["-c", "import chdb"])
            .status()
            .is_ok_and(|s| s.success()),
        "chdb (PyPI) is not installed (tests/lab/lab.sh lab_install installs it)",
    ) {
        return;
    }
    let dir = server.dir.join("chdb");
    std::fs::create_dir_all(&dir).unwrap();
    for table in ["events", "session_summaries", "stream_stats"] {
        let columns = server.lines(
            db,
            &format!(
                "SELECT name FROM system.columns WHERE database = '{db}' AND table = '{table}' \
                 AND default_kind != 'MATERIALIZED'"
            ),
        );
        let rows = server
            .client(db)
            .query(
                &format!(
                    "SELECT {} FROM {table} FORMAT JSONEachRow",
                    columns.join(", ")
                ),
                Some(db),
            )
            .unwrap();
        std::fs::write(dir.join(format!("{table}.ndjson")), rows).unwrap();
    }
    let root = env!("CARGO_MANIFEST_DIR");
    let output = Command::new("python3")
        .arg(Path::new(root).join("tests/lab/chdb_check.py"))
        .arg(Path::new(root).join("deploy/clickhouse"))
        .arg(&dir)
        .args(times.iter().map(|t| t.to_string()))
        .output()
        .expect("python3");
    assert!(
        output.status.success(),
        "chdb: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Value = serde_json::from_slice(&output.stdout).expect("chdb answers JSON");
    assert_eq!(answers["counts"]["events"], events as u64);
    assert_eq!(answers["counts"]["session_summaries"], summaries as u64);
    // The same answers as 18.16, query by query.
    for now in times {
        for (name, sql) in queries() {
            let sql = sql.replace("now()", &format!("toDateTime({now})"));
            let old = server.lines(db, &format!("{sql} FORMAT JSONCompact"));
            let old: Value = serde_json::from_str(&old.join("\n")).unwrap();
            assert_eq!(
                normalise(&answers["queries"][now.to_string()][&name]),
                normalise(&old["data"]),
                "{name} at {now}: chdb and 18.16 differ"
            );
        }
    }
    eprintln!("chdb {}: same counts and answers", answers["version"]);
}

/// Query answers as text (the engines print numbers with different quoting).
fn normalise(rows: &Value) -> Vec<Vec<String>> {
    rows.as_array()
        .map(|rows| {
            rows.iter()
                .map(|row| {
                    row.as_array()
                        .unwrap()
                        .iter()
                        .map(|v| match v {
                            Value::String(s) => {
                                s.parse::<f64>().map_or(s.clone(), |n| format!("{n}"))
                            }
                            Value::Number(n) => format!("{}", n.as_f64().unwrap()),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Feeds `capture` to rtmpscope's standard input over about `seconds`, calling `during` at
/// each tenth of the way; returns rtmpscope's output.
fn throttled_run(
    capture: &Path,
    args: &[&str],
    seconds: f64,
    mut during: impl FnMut(usize),
) -> Output {
    let mut child = rtmpscope()
        .args(["-r", "-"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rtmpscope");
    let bytes = std::fs::read(capture).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut { stdout }, &mut out).unwrap();
        out
    });
    let steps = 10;
    for (step, piece) in bytes.chunks(bytes.len().div_ceil(steps)).enumerate() {
        during(step);
        stdin.write_all(piece).unwrap();
        std::thread::sleep(Duration::from_secs_f64(seconds / steps as f64));
    }
    drop(stdin);
    let mut output = child.wait_with_output().unwrap();
    output.stdout = reader.join().unwrap();
    output
}

/// A generated capture of `size_mb` MiB (many sessions, tens of thousands of events).
fn generated(server: &Server, size_mb: u32) -> PathBuf {
    let path = server.dir.join(format!("gen-{size_mb}.pcap"));
    let status = Command::new(env!("CARGO_BIN_EXE_rtmpscope-gencap"))
        .arg(&path)
        .args([&size_mb.to_string(), "samples/publish_play.pcap", "7", "8"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("run the generator");
    assert!(status.success());
    path
}

fn sink_args<'a>(url: &'a str, sensor: &'a str, spool: &'a Path) -> Vec<&'a str> {
    vec![
        "--json",
        "--clickhouse",
        url,
        "--sensor",
        sensor,
        "--spool",
        spool.to_str().unwrap(),
    ]
}

#[test]
fn server_down_at_start_then_up() {
    if !require("clickhouse-server") {
        return;
    }
    let mut server = Server::new("down-at-start");
    let capture = samples_named("publish_play.pcap");
    let url = server.url("fleet");
    // Up during the run: the batches spooled meanwhile follow.
    let dir = spool(&server, "a");
    let mut started = false;
    let output = throttled_run(&capture, &sink_args(&url, "during", &dir), 4.0, |step| {
        if step == 4 && !started {
            server.start();
            started = true;
        }
    });
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let emitted = sorted(lines(&output.stdout));
    assert_eq!(stored(&server, "fleet", "events", "during"), emitted);
    eprintln!(
        "up during the run: {} events emitted and stored",
        emitted.len()
    );
    // Down for a whole run: rtmpscope exits 0 with everything spooled, and the next run sends it.
    server.kill();
    let dir = spool(&server, "b");
    let first = rtmpscope()
        .args(["-r", capture.to_str().unwrap()])
        .args(sink_args(&url, "later", &dir))
        .output()
        .unwrap();
    assert!(first.status.success());
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(
        stderr.contains("0 rows stored") && stderr.contains("0 rows dropped"),
        "{stderr}"
    );
    server.start();
    let second = run_ok(&[
        "-r",
        capture.to_str().unwrap(),
        "--json",
        "--clickhouse",
        &url,
        "--sensor",
        "later",
        "--spool",
        dir.to_str().unwrap(),
    ]);
    let mut twice = lines(&first.stdout);
    twice.extend(lines(&second.stdout));
    eprintln!(
        "down for a whole run, sent by the next: {} events stored",
        twice.len()
    );
    assert_eq!(stored(&server, "fleet", "events", "later"), sorted(twice));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "spool emptied");
}

fn samples_named(name: &str) -> PathBuf {
    samples()
        .into_iter()
        .find(|p| p.ends_with(name))
        .expect("sample")
}

#[test]
fn server_killed_and_restarted_during_a_run() {
    if !require("clickhouse-server") {
        return;
    }
    let mut server = Server::new("killed");
    server.start();
    let capture = generated(&server, 16);
    let url = server.url("fleet");
    let dir = spool(&server, "k");
    let output = throttled_run(
        &capture,
        &sink_args(&url, "killed", &dir),
        8.0,
        |step| match step {
            3 => server.kill(),
            6 => server.start(),
            _ => {}
        },
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let emitted = sorted(lines(&output.stdout));
    let stored = stored(&server, "fleet", "events", "killed");
    eprintln!(
        "killed and restarted: {} events emitted, {} stored",
        emitted.len(),
        stored.len()
    );
    assert_eq!(stored, emitted);
}

#[test]
fn server_answering_errors() {
    if !require("clickhouse-server") {
        return;
    }
    let mut server = Server::new("errors");
    server.start();
    // Refused twice, then stored but answered with an error twice (the retry must not store
    // those rows again), then refused once more.
    let faults = vec![
        Fault::Refuse,
        Fault::Refuse,
        Fault::LoseAnswer,
        Fault::LoseAnswer,
        Fault::Refuse,
    ];
    let proxy = FaultyProxy::start(server.http_port, faults);
    let capture = generated(&server, 4);
    let url = format!("http://127.0.0.1:{}/fleet", proxy.port);
    let dir = spool(&server, "e");
    let output = throttled_run(&capture, &sink_args(&url, "errors", &dir), 5.0, |_| {});
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The faults' backoffs (0.5 s doubling) may outlast the run's wait at exit (5 s without a
    // batch taken); what is left in the spool then goes with the next run, as designed.
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !stderr.contains(" 0 rows spooled") {
        eprintln!("errors: the run left rows in the spool ({stderr}); the next run sends them");
        let next = samples_named("snaplen96.pcap");
        let flush = sink_args(&url, "flush", &dir);
        run_ok(&[&["-r", next.to_str().unwrap()], flush.as_slice()].concat());
    }
    let inserts = proxy.inserts.load(std::sync::atomic::Ordering::SeqCst);
    assert!(inserts > 5, "{inserts} inserts: {stderr}");
    let emitted = sorted(lines(&output.stdout));
    assert_eq!(stored(&server, "fleet", "events", "errors"), emitted);
    eprintln!(
        "errors: {inserts} inserts (5 spoiled), {} events emitted and stored once",
        emitted.len()
    );
}

#[test]
fn spool_full_drops_oldest_and_says_so() {
    if !require("clickhouse-server") {
        return;
    }
    let mut server = Server::new("spool-full");
    let capture = generated(&server, 16);
    let url = server.url("fleet");
    let dir = spool(&server, "f");
    // Server down, a 4 MiB spool: the oldest batches are dropped, counted, and the exit status
    // says so.
    let output = rtmpscope()
        .args(["-r", capture.to_str().unwrap()])
        .args(sink_args(&url, "full", &dir))
        .args(["--spool-cap", "4"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    // The outcome's line (the spool's warnings also say "rows dropped so far").
    let dropped: u64 = stderr
        .lines()
        .find(|l| l.contains(" rows stored, "))
        .and_then(|l| l.split(" rows dropped").next())
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("dropped count");
    assert!(
        dropped > 0 && stderr.contains("spool") && stderr.contains("full"),
        "{stderr}"
    );
    // Rows of both tables: the events printed and the sessions' summaries.
    let summaries = json_lines(&capture, true)
        .iter()
        .filter(|l| l.starts_with("{\"event\":\"session_summary\""))
        .count();
    let emitted = (lines(&output.stdout).len() + summaries) as u64;
    // What the spool kept arrives with the next run, once the server is up.
    server.start();
    let empty = samples_named("snaplen96.pcap");
    let next = run_ok(&[
        "-r",
        empty.to_str().unwrap(),
        "--clickhouse",
        &url,
        "--sensor",
        "other",
        "--spool",
        dir.to_str().unwrap(),
        "--spool-cap",
        "4",
    ]);
    let _ = next;
    let kept = server.count("fleet", "SELECT count() FROM events WHERE sensor = 'full'")
        + server.count(
            "fleet",
            "SELECT count() FROM session_summaries WHERE sensor = 'full'",
        );
    eprintln!("spool full: {emitted} rows emitted, {dropped} dropped, {kept} stored");
    assert!(kept > 0, "the spool kept its newest batches");
    assert_eq!(kept + dropped, emitted, "stored = emitted - dropped");
    for table in ["events", "session_summaries"] {
        let sql = format!("SELECT count() - uniqExact(batch_id, batch_row) FROM {table}");
        assert_eq!(
            server.count("fleet", &sql),
            0,
            "{table}: a row stored twice"
        );
    }
}

#[test]
fn tui_feeds_clickhouse_beside_the_ui() {
    if !require("clickhouse-server") || !require("tmux") {
        return;
    }
    let mut server = Server::new("tui");
    server.start();
    let capture = samples_named("publish_play.pcap");
    let done = server.dir.join("done");
    let session = format!("rtmpscope-ch-tui-{}", std::process::id());
    let command = format!(
        "{} -r {} --tui --clickhouse {} --sensor tui --spool {} 2>{}; echo $? > {}",
        env!("CARGO_BIN_EXE_rtmpscope"),
        capture.display(),
        server.url("fleet"),
        spool(&server, "tui").display(),
        server.dir.join("stderr").display(),
        done.display()
    );
    let tmux = |args: &[&str]| Command::new("tmux").args(args).output().expect("tmux");
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "120",
        "-y",
        "40",
        &command,
    ]);
    let wait = |what: &dyn Fn() -> bool| {
        for _ in 0..100 {
            if what() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    };
    // Quit once the whole file is decoded ("done"), or the rest is never stored.
    let shown = wait(&|| {
        let screen = String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", &session]).stdout)
            .into_owned();
        screen.contains("Sessions (3)") && screen.contains("| done |")
    });
    tmux(&["send-keys", "-t", &session, "q"]);
    let finished = wait(&|| done.exists());
    tmux(&["kill-session", "-t", &session]);
    assert!(shown && finished, "the UI showed the sessions and quit");
    assert_eq!(std::fs::read_to_string(&done).unwrap().trim(), "0");
    let stderr = std::fs::read_to_string(server.dir.join("stderr")).unwrap();
    assert!(stderr.contains("rows stored, 0 rows spooled"), "{stderr}");
    assert_eq!(
        stored(&server, "fleet", "events", "tui"),
        sorted(json_lines(&capture, false))
    );
    assert_eq!(
        server.count(
            "fleet",
            "SELECT count() FROM session_summaries WHERE sensor = 'tui'"
        ),
        3
    );
}

#[test]
fn server_killed_and_restarted_during_a_live_capture() {
    if !require("clickhouse-server")
        || !common::require_root()
        || !require("nginx")
        || !require("ffmpeg")
    {
        return;
    }
    let mut server = Server::new("live");
    server.start();
    let out = server.dir.join("live");
    std::fs::create_dir_all(&out).unwrap();
    let mut lab = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lab/clickhouse_live.sh"))
        .arg(env!("CARGO_BIN_EXE_rtmpscope"))
        .arg(&out)
        .arg(server.url("fleet"))
        .arg("12")
        .spawn()
        .expect("the lab script");
    let publishing = out.join("publishing");
    for _ in 0..200 {
        if publishing.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(publishing.exists(), "the publisher started");
    std::thread::sleep(Duration::from_secs(2));
    server.kill();
    std::thread::sleep(Duration::from_millis(2500));
    server.start();
    assert!(lab.wait().unwrap().success(), "the lab script failed");
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap_or_default();
    assert_eq!(read("live.status").trim(), "0", "{}", read("live.err"));
    let (stats, emitted): (Vec<String>, Vec<String>) = read("live.json")
        .lines()
        .map(str::to_string)
        .partition(|l| l.starts_with("{\"event\":\"stream_stats\""));
    assert!(
        emitted.len() > 100,
        "a real publish: {} events",
        emitted.len()
    );
    let findings = emitted
        .iter()
        .filter(|l| l.starts_with("{\"event\":\"finding\""))
        .count();
    assert!(findings >= 2, "the stall started and ended: {findings}");
    assert!(stats.len() >= 2, "stream_stats every 5 s: {}", stats.len());
    let stored_events = stored(&server, "fleet", "events", "live");
    let stored_stats = stored(&server, "fleet", "stream_stats", "live");
    eprintln!(
        "live, server killed and restarted: {} events ({findings} findings) and {} stream_stats \
         emitted, {} and {} stored; {}",
        emitted.len(),
        stats.len(),
        stored_events.len(),
        stored_stats.len(),
        read("live.err")
            .lines()
            .filter(|l| l.contains("clickhouse"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    assert_eq!(stored_events, sorted(emitted));
    assert_eq!(stored_stats, sorted(stats.clone()));
    assert_eq!(
        server.count(
            "fleet",
            "SELECT count() FROM events WHERE event = 'finding' AND code = 'stall' \
             AND stream = 'chlive' AND msid = 1"
        ),
        findings as u64
    );
    check_live_stream_health(&server, &stats);
}

/// The typed columns of the stream_stats rows, and the live_stream_health query, against the
/// stream_stats lines `--json` printed.
fn check_live_stream_health(server: &Server, stats: &[String]) {
    let stats: Vec<Value> = stats
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let columns = "session, msid, stream, role, interval_s, video_kbps, audio_kbps, fps, \
                   keyframes, realtime_ratio, lag_s, retransmissions";
    let names: Vec<&str> = columns.split(", ").map(str::trim).collect();
    let rows = server.lines(
        "fleet",
        &format!("SELECT {columns}, raw FROM stream_stats FORMAT TSVRaw"),
    );
    for row in rows {
        let fields: Vec<&str> = row.splitn(names.len() + 1, '\t').collect();
        let json: Value = serde_json::from_str(fields[names.len()]).unwrap();
        for (name, field) in names.iter().zip(&fields) {
            match &json[*name] {
                // 18.16 reads about one JSON number in 7000 one unit in the last place off
                // (6.613 is stored as 6.6129999999999995): equal to 1e-12.
                Value::Number(n) => {
                    let (want, got) = (n.as_f64().unwrap(), field.parse::<f64>().unwrap());
                    let close = (got - want).abs() <= 1e-12 * want.abs().max(1.0);
                    assert!(close, "{name} of {row}: {got} against {want}");
                }
                Value::String(text) => assert_eq!(field, text, "{name} of {row}"),
                _ => assert_eq!(*field, "", "{name} of {row}"),
            }
        }
    }
    // Per stream: intervals, mean and lowest ratio, largest lag, keyframes, retransmissions.
    let mut want: BTreeMap<(u64, u64), Vec<f64>> = BTreeMap::new();
    for line in &stats {
        let key = (
            line["session"].as_u64().unwrap(),
            line["msid"].as_u64().unwrap(),
        );
        want.entry(key)
            .or_default()
            .push(line["realtime_ratio"].as_f64().unwrap());
    }
    let now = stats
        .iter()
        .map(|l| l["time"].as_f64().unwrap() as i64 + 1)
        .max()
        .unwrap();
    let sql = queries()["live_stream_health"].replace("now()", &format!("toDateTime({now})"));
    let got = server.lines("fleet", &format!("{sql} FORMAT TSVRaw"));
    assert_eq!(got.len(), want.len(), "{got:?}");
    for row in got {
        let r: Vec<&str> = row.split('\t').collect();
        let key = (r[2].parse().unwrap(), r[3].parse().unwrap());
        let ratios = &want[&key];
        let of_stream = |name: &str| -> Vec<f64> {
            stats
                .iter()
                .filter(|l| {
                    (l["session"].as_u64(), l["msid"].as_u64()) == (Some(key.0), Some(key.1))
                })
                .map(|l| l[name].as_f64().unwrap())
                .collect()
        };
        let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
        let lowest = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let lag = of_stream("lag_s").into_iter().fold(0.0, f64::max);
        assert_eq!(r[4], mask("chlive"));
        assert_eq!(r[6].parse::<usize>().unwrap(), ratios.len());
        // Rounded to 3 places by the query: a mean of 3-place values can fall on a half.
        for (column, want) in [(7, mean), (8, lowest), (9, lag)] {
            let got: f64 = r[column].parse().unwrap();
            assert!((got - want).abs() <= 0.0005 + 1e-9, "{row}: {want}");
        }
        let sum = |name| of_stream(name).iter().sum::<f64>().to_string();
        assert_eq!(
            (r[12].to_string(), r[13].to_string()),
            (sum("keyframes"), sum("retransmissions"))
        );
    }
}

#[test]
fn late_inserts_are_never_stored_twice() {
    if !require("clickhouse-server") {
        return;
    }
    let mut server = Server::new("late");
    server.start();
    // With a 1 s client timeout: one insert reaches the server 8 s late, after rtmpscope gave
    // up on it, checked and sent the batch again; another is stored at once but answered 4 s
    // late, after rtmpscope gave up on it.
    let faults = vec![
        Fault::DelayRequest(Duration::from_secs(8)),
        Fault::DelayAnswer(Duration::from_secs(4)),
    ];
    let proxy = FaultyProxy::start(server.http_port, faults);
    let capture = samples_named("publish_play.pcap");
    let url = format!("http://127.0.0.1:{}/fleet", proxy.port);
    let dir = spool(&server, "late");
    let mut args = sink_args(&url, "late", &dir);
    args.extend(["--clickhouse-timeout", "1", "-r", capture.to_str().unwrap()]);
    let output = run_ok(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("0 rows spooled"), "{stderr}");
    // The late insert ran into the end of its session: refused, whenever it came.
    let late = proxy.wait_late_answers(1);
    assert_eq!(late.len(), 1);
    assert!(late[0].contains("Code: 372"), "{}", late[0]);
    let emitted = sorted(lines(&output.stdout));
    assert_eq!(stored(&server, "fleet", "events", "late"), emitted);
    let summaries: Vec<String> = json_lines(&capture, true)
        .into_iter()
        .filter(|l| l.starts_with("{\"event\":\"session_summary\""))
        .collect();
    assert_eq!(
        stored(&server, "fleet", "session_summaries", "late"),
        sorted(summaries)
    );
    eprintln!(
        "late insert refused by the server ({}); {} events stored once",
        late[0].lines().find(|l| l.contains("Code:")).unwrap_or(""),
        emitted.len()
    );
}

/// Child processes killed (by PID) when dropped.
struct Children(Vec<std::process::Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A self-signed certificate for localhost in `dir`: `NAME.pem` (returned), and
/// `NAME-server.pem` with its key for a server.
fn certificate(dir: &Path, name: &str) -> PathBuf {
    let (cert, key) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
    );
    let status = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(status.success());
    let mut both = std::fs::read(&cert).unwrap();
    both.extend(std::fs::read(&key).unwrap());
    std::fs::write(dir.join(format!("{name}-server.pem")), both).unwrap();
    cert
}

#[test]
fn https_through_the_documented_local_proxy() {
    if !require("clickhouse-server") || !require("socat") || !require("openssl") {
        return;
    }
    let mut server = Server::new("tls");
    server.start();
    // The remote side speaks only TLS (a terminator in front of the server, as an https
    // port would); rtmpscope talks plain HTTP to the local proxy the README shows, which
    // checks the server's certificate.
    let ca = certificate(&server.dir, "remote");
    let stranger = certificate(&server.dir, "stranger");
    let (tls, trusting, distrusting) = (
        common::clickhouse::free_port(),
        common::clickhouse::free_port(),
        common::clickhouse::free_port(),
    );
    let socat = |args: [String; 2]| {
        Command::new("socat")
            .args(args)
            .stderr(Stdio::null())
            .spawn()
            .expect("socat")
    };
    let remote = server.dir.join("remote-server.pem");
    let local = |port: u16, ca: &Path| {
        [
            format!("TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr"),
            format!("OPENSSL:localhost:{tls},cafile={}", ca.display()),
        ]
    };
    let _children = Children(vec![
        socat([
            format!(
                "OPENSSL-LISTEN:{tls},bind=127.0.0.1,cert={},verify=0,fork,reuseaddr",
                remote.display()
            ),
            format!("TCP:127.0.0.1:{}", server.http_port),
        ]),
        socat(local(trusting, &ca)),
        socat(local(distrusting, &stranger)),
    ]);
    for port in [tls, trusting, distrusting] {
        let up = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "socat on {port}");
    }
    let capture = samples_named("publish_play.pcap");
    let url = format!("http://127.0.0.1:{trusting}/fleet");
    let dir = spool(&server, "tls");
    let mut args = sink_args(&url, "tls", &dir);
    args.extend(["-r", capture.to_str().unwrap()]);
    let output = run_ok(&args);
    let emitted = sorted(lines(&output.stdout));
    assert_eq!(stored(&server, "fleet", "events", "tls"), emitted);
    // A certificate the proxy does not trust: nothing reaches the server, all is spooled.
    let url = format!("http://127.0.0.1:{distrusting}/fleet");
    let dir = spool(&server, "untrusted");
    let mut args = sink_args(&url, "untrusted", &dir);
    args.extend(["-r", capture.to_str().unwrap()]);
    let output = run_ok(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(" 0 rows stored"), "{stderr}");
    assert!(!stderr.contains(" 0 rows spooled"), "{stderr}");
    assert_eq!(
        server.count(
            "fleet",
            "SELECT count() FROM events WHERE sensor = 'untrusted'"
        ),
        0
    );
    eprintln!("https through socat: {} events stored", emitted.len());
}

#[test]
fn an_older_table_is_named_and_still_filled() {
    if !require("clickhouse-server") {
        return;
    }
    let mut server = Server::new("older");
    server.start();
    // session_summaries as a much older schema made it: no role, no health, no streams.
    let client = server.client("fleet");
    client
        .query("CREATE DATABASE fleet", None)
        .expect("database");
    client
        .query(
            "CREATE TABLE session_summaries (time_us Int64, time DateTime MATERIALIZED \
             toDateTime(intDiv(time_us, 1000000)), sensor String, session UInt64, raw String, \
             batch_id String, batch_row UInt32) ENGINE = MergeTree() \
             PARTITION BY toDate(time) ORDER BY (time, session)",
            Some("fleet"),
        )
        .expect("old table");
    let capture = samples_named("publish_play.pcap");
    let url = server.url("fleet");
    let dir = spool(&server, "older");
    let mut args = sink_args(&url, "older", &dir);
    args.extend(["-r", capture.to_str().unwrap()]);
    let output = run_ok(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let said: Vec<&str> = stderr.lines().filter(|l| l.contains("lacks")).collect();
    assert_eq!(said.len(), 1, "{stderr}");
    assert!(
        said[0].contains("fleet.session_summaries")
            && said[0].contains("role, ")
            && said[0].contains("finding_codes")
            && !said[0].contains("batch_id"),
        "{}",
        said[0]
    );
    // Not altered, and every summary stored whole in raw.
    assert_eq!(
        server.count(
            "fleet",
            "SELECT count() FROM system.columns WHERE database = 'fleet' \
             AND table = 'session_summaries'"
        ),
        7
    );
    let summaries: Vec<String> = json_lines(&capture, true)
        .into_iter()
        .filter(|l| l.starts_with("{\"event\":\"session_summary\""))
        .collect();
    assert_eq!(
        stored(&server, "fleet", "session_summaries", "older"),
        sorted(summaries)
    );
}
