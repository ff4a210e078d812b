//! The RTMP family nested, on real captures (samples/make_samples.sh): RTMPS decrypted with the
//! client's TLS key log (ffmpeg's GnuTLS SSLKEYLOGFILE) through nginx's stream module in front
//! of nginx-rtmp, RTMPTS through a TLS terminator in front of the lab's RTMPT server, and
//! RTMPTE (rtmpdump through the RTMPT server to rtmpsrv).
//!
//! Each capture also holds the plain connections behind the terminator: the messages decrypted
//! from every TLS connection must be those (direction, type, stream, length, timestamp, body
//! byte for byte) of its plain leg.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use common::{json_events, pcap_without, require, rtmpscope, samples_dir};
use rtmpscope::capture::secrets::load_tls_keys;
use rtmpscope::capture::Source;
use rtmpscope::pipeline::{run, RunOptions};
use rtmpscope::reassembly::Reassembler;
use rtmpscope::session::event::{Event, EventKind, EventSink};
use rtmpscope::session::table::{DecoderConfig, SessionTable};
use serde_json::Value;

fn sample(name: &str) -> PathBuf {
    samples_dir().join(name)
}

/// One decoded message, whole: direction, type, stream, length, timestamp, body.
type Message = (String, u8, u32, u32, u32, Vec<u8>);

/// What one session showed, by the library's own events.
#[derive(Debug, Default, Clone)]
struct Session {
    variant: String,
    inner: Option<String>,
    decrypted: bool,
    messages: Vec<Message>,
    last_frame: u64,
    /// Frames of its messages, in order.
    frames: Vec<u64>,
}

#[derive(Default)]
struct Recorder(BTreeMap<u64, Session>);

impl EventSink for Recorder {
    fn event(&mut self, event: &Event<'_>) {
        let session = self.0.entry(event.session).or_default();
        session.variant = event.variant.as_str().to_owned();
        session.inner = event.inner.map(|v| v.as_str().to_owned());
        session.last_frame = session.last_frame.max(event.frame);
        match &event.kind {
            EventKind::SessionStart(start) => session.decrypted = start.decrypted,
            EventKind::Message(message) => {
                let header = &message.message.header;
                session.messages.push((
                    format!("{:?}", message.dir),
                    header.type_id.0,
                    header.msid,
                    header.length,
                    header.timestamp,
                    message.payload.to_vec(),
                ));
                session.frames.push(event.frame);
            }
            _ => {}
        }
    }
}

/// Every session of `capture`, decoded with the key logs given (and the capture's own
/// Decryption Secrets Blocks), with whole media bodies.
fn sessions(capture: &Path, keylogs: &[PathBuf]) -> BTreeMap<u64, Session> {
    let mut config = DecoderConfig {
        tls_keys: Arc::new(load_tls_keys(keylogs, Some(capture)).expect("the key logs")),
        ..DecoderConfig::default()
    };
    config.session.chunk.keep_media_payloads = true;
    let mut source = Source::open_file(capture, None).expect("the capture");
    let mut reassembler = Reassembler::default();
    let mut table = SessionTable::new(config, Recorder::default());
    run(
        &mut source,
        &mut reassembler,
        &mut table,
        &RunOptions::default(),
    );
    table.into_sink().0
}

/// Checks that every decrypted session carries what its plain leg carried, pairing them in
/// order of appearance; returns (TLS messages, plain messages) per pair.
fn decrypted_equal_plain(
    sessions: &BTreeMap<u64, Session>,
    inner: Option<&str>,
) -> Vec<(usize, usize)> {
    let tls: Vec<&Session> = sessions
        .values()
        .filter(|s| s.variant == "rtmps" && s.decrypted)
        .collect();
    let plain: Vec<&Session> = sessions
        .values()
        .filter(|s| s.variant == inner.unwrap_or("rtmp"))
        .collect();
    assert!(!tls.is_empty(), "no decrypted session");
    assert_eq!(
        tls.len(),
        plain.len(),
        "a plain leg for every TLS connection"
    );
    let mut counts = Vec::new();
    for (tls, plain) in tls.iter().zip(&plain) {
        assert_eq!(tls.inner.as_deref(), inner);
        let n = tls.messages.len();
        assert!(n > 30, "{n} messages decrypted");
        assert!(n <= plain.messages.len());
        for (i, (ours, theirs)) in tls.messages.iter().zip(&plain.messages).enumerate() {
            assert_eq!(ours, theirs, "message {i}");
        }
        // What the plain leg has beyond: the server's last words after the client had closed
        // its TLS connection, which the terminator never relayed.
        for frame in &plain.frames[n..] {
            assert!(
                *frame > tls.frames[n - 1],
                "an unrelayed message at frame {frame}"
            );
        }
        assert!(plain.messages.len() - n <= 1);
        counts.push((n, plain.messages.len()));
    }
    counts
}

#[test]
fn rtmps_decrypted_with_the_key_log_equals_the_plain_leg() {
    for (capture, keys) in [
        ("rtmps_tls12.pcap", Some("rtmps_tls12.keys")),
        ("rtmps_chacha.pcap", Some("rtmps_chacha.keys")),
        // The key log is inside the pcapng (a Decryption Secrets Block): no option.
        ("rtmps_tls13.pcapng", None),
    ] {
        let keylogs: Vec<PathBuf> = keys.into_iter().map(sample).collect();
        let all = sessions(&sample(capture), &keylogs);
        let counts = decrypted_equal_plain(&all, None);
        eprintln!("{capture}: decrypted/plain messages per connection {counts:?}");
        let media: usize = all
            .values()
            .filter(|s| s.decrypted)
            .flat_map(|s| &s.messages)
            .filter(|m| m.1 == 8 || m.1 == 9)
            .count();
        assert!(
            media > 40,
            "{capture}: {media} audio and video messages decrypted"
        );
    }
}

#[test]
fn rtmps_sessions_name_the_key_line_and_the_suite() {
    let events = json_events(
        &sample("rtmps_tls12.pcap"),
        &["--tls-keylog", sample("rtmps_tls12.keys").to_str().unwrap()],
    );
    let starts: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "session_start" && e["variant"] == "rtmps")
        .collect();
    assert_eq!(starts.len(), 2);
    for (start, line) in starts.iter().zip([1, 2]) {
        assert_eq!(start["decrypted"], true);
        assert_eq!(start["encrypted"], true);
        assert_eq!(start["tls_keys"]["lines"], serde_json::json!([line]));
        assert!(start["tls_keys"]["source"]
            .as_str()
            .unwrap()
            .ends_with("rtmps_tls12.keys"));
    }
    assert_eq!(starts[0]["detected_by"], "tls_client_hello"); // port 1935
    assert_eq!(starts[1]["detected_by"], "tls_decrypted"); // port 1937: by its plaintext
    let suites: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "tls_handshake")
        .map(|e| e["cipher_suite"].as_str().unwrap())
        .collect();
    assert_eq!(
        suites,
        [
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        ]
    );
    for end in events
        .iter()
        .filter(|e| e["event"] == "session_end" && e["variant"] == "rtmps")
    {
        let tls = &end["tls"];
        assert!(tls["records_decrypted"].as_u64().unwrap() > 20);
        assert!(tls.get("records_lost").is_none());
        assert_eq!(end["warnings"], 0);
    }
    // The summary, the readable output and the redacted output work on decrypted RTMPS.
    let key_file = sample("rtmps_tls12.keys");
    let keys = ["--tls-keylog", key_file.to_str().unwrap()];
    let summaries = json_events(
        &sample("rtmps_tls12.pcap"),
        &[&keys[..], &["--summary"]].concat(),
    );
    let publisher = summaries
        .iter()
        .find(|e| e["event"] == "session_summary" && e["session"] == 1)
        .unwrap();
    assert_eq!(publisher["variant"], "rtmps");
    assert_eq!(publisher["decrypted"], true);
    assert_eq!(publisher["role"], "publisher");
    assert_eq!(publisher["health"], "ok");
    assert!(publisher["streams"][0]["video"]["frames"].as_u64().unwrap() > 10);
    let text = rtmpscope()
        .arg("-r")
        .arg(sample("rtmps_tls12.pcap"))
        .args(keys)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Session start: RTMPS (RTMP inside TLS: decrypted with"));
    assert!(text.contains("rtmps_tls12.keys line 1) detected by tls_client_hello"));
    let redacted = json_events(
        &sample("rtmps_tls12.pcap"),
        &[&keys[..], &["--redact"]].concat(),
    );
    let shown = serde_json::to_string(&redacted).unwrap();
    assert!(shown.contains("<redacted:"));
    assert!(
        !shown.contains("\"rtmps_tls12\""),
        "the stream name is masked inside TLS too"
    );
}

/// Every output of a run, as one string.
fn all_outputs(capture: &Path, extra: &[&str]) -> String {
    let mut out = String::new();
    for mode in [
        &[][..],
        &["--json"],
        &["--summary"],
        &["--summary", "--json"],
        &["--redact", "--json"],
    ] {
        let output = rtmpscope()
            .arg("-r")
            .arg(capture)
            .args(mode)
            .args(extra)
            .output()
            .unwrap();
        assert!(output.status.success());
        out.push_str(&String::from_utf8_lossy(&output.stdout));
        out.push_str(&String::from_utf8_lossy(&output.stderr));
    }
    out
}

#[test]
fn another_captures_key_log_changes_nothing_and_secrets_never_show() {
    let capture = sample("rtmps_tls12.pcap");
    let other = sample("rtmps_chacha.keys");
    assert_eq!(
        all_outputs(&capture, &["--tls-keylog", other.to_str().unwrap()]),
        all_outputs(&capture, &[]),
    );
    // With the right key: no secret in any output.
    let keys = sample("rtmps_tls12.keys");
    let shown = all_outputs(&capture, &["--tls-keylog", keys.to_str().unwrap()]).to_lowercase();
    for line in std::fs::read_to_string(&keys).unwrap().lines() {
        let secret = line.split_whitespace().nth(2).unwrap();
        assert!(
            !shown.contains(&secret[..16].to_lowercase()),
            "a secret shown"
        );
    }
}

#[test]
fn a_wrong_key_gives_a_warning_and_no_invented_message() {
    let dir = tempdir("wrong-key");
    let keys = std::fs::read_to_string(sample("rtmps_tls12.keys")).unwrap();
    // The same client randoms, other master secrets; and lines that are not key log lines.
    let wrong: String = keys
        .lines()
        .map(|line| {
            let mut fields: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
            fields[2] = fields[2].replace('a', "b").replace('1', "2");
            fields.join(" ") + "\n"
        })
        .chain(["not a key log line\n".to_owned(), "RSA 00 11\n".to_owned()])
        .collect();
    let path = dir.join("wrong.keys");
    std::fs::write(&path, wrong).unwrap();
    let with = json_events(
        &sample("rtmps_tls12.pcap"),
        &["--tls-keylog", path.to_str().unwrap()],
    );
    let without = json_events(&sample("rtmps_tls12.pcap"), &[]);
    let failures: Vec<&Value> = with
        .iter()
        .filter(|e| e["code"] == "tls_decrypt_failed")
        .collect();
    // One per TLS connection: the first record that fails ends decryption there.
    assert_eq!(failures.len(), 2);
    assert_ne!(failures[0]["session"], failures[1]["session"]);
    // No message comes out of TLS; everything else is as without a key.
    let messages = |events: &[Value]| {
        events
            .iter()
            .filter(|e| e["event"] == "message" && e["variant"] == "rtmps")
            .count()
    };
    assert_eq!(messages(&with), 0);
    let plain = |events: &[Value]| {
        events
            .iter()
            .filter(|e| e["variant"] == "rtmp")
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(plain(&with), plain(&without));
    let notices: Vec<&Value> = with
        .iter()
        .filter(|e| e["code"] == "tls_keylog_unusable")
        .collect();
    assert_eq!(notices.len(), 1, "reported once");
    assert!(notices[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("2 line(s)"));
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rtmpscope-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn keys_injected_into_a_pcapng_need_no_option() {
    if !require("editcap") {
        return;
    }
    let dir = tempdir("inject");
    let out = dir.join("rtmps_chacha.pcapng");
    let status = Command::new("editcap")
        .arg("--inject-secrets")
        .arg(format!("tls,{}", sample("rtmps_chacha.keys").display()))
        .arg(sample("rtmps_chacha.pcap"))
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let injected = sessions(&out, &[]);
    let counts = decrypted_equal_plain(&injected, None);
    let flagged = sessions(&sample("rtmps_chacha.pcap"), &[sample("rtmps_chacha.keys")]);
    let messages = |all: &BTreeMap<u64, Session>| -> Vec<Vec<Message>> {
        all.values().map(|s| s.messages.clone()).collect()
    };
    assert_eq!(messages(&injected), messages(&flagged));
    eprintln!("injected pcapng: {counts:?}");
}

#[test]
fn exported_flv_of_decrypted_rtmps_equals_the_plain_legs() {
    let dir = tempdir("flv");
    let output = rtmpscope()
        .arg("-r")
        .arg(sample("rtmps_tls12.pcap"))
        .args(["--tls-keylog", sample("rtmps_tls12.keys").to_str().unwrap()])
        .arg("--export-flv")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(output.status.success());
    let mut files: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // 001-127.0.0.1_39980-live-rtmps_tls12-msid1-publish.flv: by app, stream, msid, role.
        let key = name.splitn(3, '-').nth(2).unwrap().to_owned();
        files
            .entry(key)
            .or_default()
            .push(std::fs::read(&path).unwrap());
    }
    let publish = &files["live-rtmps_tls12-msid1-publish.flv"];
    assert_eq!(publish.len(), 2, "the TLS connection's and the plain leg's");
    assert!(publish[0].len() > 10_000);
    assert_eq!(publish[0], publish[1], "byte for byte");
}

#[test]
fn a_gap_inside_tls_is_resynchronised_and_counted() {
    // Frame 63 carries 5426 bytes of the publisher's TLS records.
    let bytes = std::fs::read(sample("rtmps_tls12.pcap")).unwrap();
    let dir = tempdir("gap");
    let path = dir.join("gap.pcap");
    std::fs::write(&path, pcap_without(&bytes, &[63])).unwrap();
    let events = json_events(
        &path,
        &["--tls-keylog", sample("rtmps_tls12.keys").to_str().unwrap()],
    );
    let of = |kind: &str| -> Vec<&Value> {
        events
            .iter()
            .filter(|e| e["session"] == 1 && (e["event"] == kind || e["code"] == kind))
            .collect()
    };
    assert_eq!(of("gap").len(), 1);
    assert_eq!(of("gap")[0]["bytes"], 5426);
    let resync = of("tls_record_resync");
    assert_eq!(resync.len(), 1, "{resync:?}");
    assert!(
        of("tls_decrypt_failed").is_empty(),
        "a gap is not a wrong key"
    );
    let end = of("session_end")[0];
    let lost = end["tls"]["records_lost"].as_u64().unwrap();
    assert!(lost >= 1, "{end}");
    // Messages go on after the gap, as on plain RTMP after one.
    let after: Vec<&Value> = of("message")
        .into_iter()
        .filter(|m| m["frame"].as_u64() > Some(63))
        .collect();
    assert!(after.len() > 30, "{} messages after the gap", after.len());
    eprintln!(
        "gap of 5426 bytes: {lost} record(s) lost, {} messages after it",
        after.len()
    );
}

#[test]
fn rtmpts_decrypted_equals_the_plain_rtmpt_leg() {
    let all = sessions(&sample("rtmpts.pcap"), &[sample("rtmpts.keys")]);
    let counts = decrypted_equal_plain(&all, Some("rtmpt"));
    assert_eq!(counts[0].0, counts[0].1, "the whole tunnel");
    eprintln!("rtmpts: decrypted/plain messages {counts:?}");
    let events = json_events(
        &sample("rtmpts.pcap"),
        &["--tls-keylog", sample("rtmpts.keys").to_str().unwrap()],
    );
    let start = events
        .iter()
        .find(|e| e["event"] == "session_start" && e["variant"] == "rtmps")
        .unwrap();
    assert_eq!(start["inner"], "rtmpt");
    assert_eq!(start["decrypted"], true);
    assert_eq!(start["detected_by"], "rtmpt_open");
    assert!(start["tunnel"]["session_id"].is_string());
    assert_eq!(start["tls"]["version"], "TLS 1.2");
    // Without the key: the TLS connection shows, as what its records can say.
    let keyless = json_events(&sample("rtmpts.pcap"), &[]);
    let start = keyless
        .iter()
        .find(|e| e["event"] == "session_start" && e["variant"] == "rtmps")
        .expect("the TLS connection shows");
    assert_eq!(start["detected_by"], "tls_record_sizes_http");
    assert!(start.get("inner").is_none());
    let text = rtmpscope()
        .arg("-r")
        .arg(sample("rtmpts.pcap"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout)
        .contains("Session start: TLS (HTTPS or RTMPTS: encrypted)"));
}

#[test]
fn rtmpte_is_explained_as_rtmpe_and_nothing_is_invented() {
    let events = json_events(&sample("rtmpte.pcap"), &[]);
    let tunnel: Vec<&Value> = events.iter().filter(|e| e["variant"] == "rtmpt").collect();
    let plain: Vec<&Value> = events.iter().filter(|e| e["variant"] == "rtmpe").collect();
    assert!(!tunnel.is_empty() && !plain.is_empty());
    assert!(
        events.iter().all(|e| e["event"] != "message"),
        "nothing decoded"
    );
    assert!(
        events
            .iter()
            .all(|e| !e["code"].as_str().unwrap_or("").starts_with("chunk_")),
        "no chunk warnings"
    );
    // From the first handshake byte on, the tunnel's events say RTMPE is inside.
    let warning = tunnel
        .iter()
        .find(|e| e["code"] == "rtmpe_encrypted")
        .expect("the RTMPE warning");
    assert_eq!(warning["inner"], "rtmpe");
    let handshake = |events: &[&Value]| -> Value {
        let h = events.iter().find(|e| e["event"] == "handshake").unwrap();
        serde_json::json!([
            h["inner"],
            h["encrypted"],
            h["c0_version"],
            h["client_dh_key"],
            h["server_dh_key"]
        ])
    };
    let ours = handshake(&tunnel);
    assert_eq!(ours[0], "rtmpe");
    assert_eq!(ours[1], true);
    // The same as the RTMPE connection the RTMPT server made to rtmpsrv.
    assert_eq!(
        ours.as_array().unwrap()[2..],
        handshake(&plain).as_array().unwrap()[2..]
    );
    // And where rtmpdump's own log says it put its key and found the server's.
    let log = std::fs::read_to_string(samples_dir().join("out/rtmpte.log")).unwrap();
    assert!(log.contains("DH pubkey position: 472"));
    assert!(log.contains("Server DH public key offset: 472"));
    assert_eq!(ours[3]["offset"], 472);
    assert_eq!(ours[4]["offset"], 472);
    let end = tunnel.iter().find(|e| e["event"] == "session_end").unwrap();
    assert_eq!(end["inner"], "rtmpe");
    assert_eq!(end["warnings"], 1);
    let text = rtmpscope()
        .arg("-r")
        .arg(sample("rtmpte.pcap"))
        .arg("--summary")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("RTMPTE"));
}
