//! `--summary`: the per-session report agrees with ffprobe on the same streams, and the text
//! report names what a streaming engineer asks first.

mod common;

use std::path::Path;
use std::process::Command;

use common::{json_events, require, rtmpscope};
use serde_json::Value;

fn sample(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// The session_summary events of a capture, by session id.
fn summaries(capture: &Path) -> Vec<Value> {
    let events = json_events(capture, &["--summary"]);
    assert!(
        events.iter().all(|e| e["event"] == "session_summary"),
        "--summary --json emits only session summaries"
    );
    events
}

fn session(summaries: &[Value], id: u64) -> &Value {
    summaries
        .iter()
        .find(|s| s["session"] == id)
        .unwrap_or_else(|| panic!("session {id} has a summary"))
}

/// What ffprobe measures of a file's video or audio stream: parameters from -show_streams, and
/// frames, bytes and duration from its packets.
struct Probe {
    stream: Value,
    packets: usize,
    bytes: u64,
    duration_s: f64,
}

/// ffprobe's packets are cut to the first `limit` when given.
fn ffprobe(file: &Path, select: &str, limit: Option<usize>) -> Probe {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", select])
        .args(["-show_streams", "-show_packets", "-of", "json"])
        .arg(file)
        .output()
        .expect("run ffprobe");
    assert!(output.status.success(), "ffprobe {}", file.display());
    let json: Value = serde_json::from_slice(&output.stdout).expect("ffprobe JSON");
    let mut packets = json["packets"].as_array().expect("packets").clone();
    packets.truncate(limit.unwrap_or(usize::MAX));
    let time = |p: &Value, key: &str| p[key].as_str().and_then(|t| t.parse::<f64>().ok());
    let first = packets
        .first()
        .and_then(|p| time(p, "pts_time"))
        .unwrap_or(0.0);
    let last = packets.last().expect("a packet");
    let end = time(last, "pts_time").unwrap_or(0.0) + time(last, "duration_time").unwrap_or(0.0);
    Probe {
        stream: json["streams"][0].clone(),
        packets: packets.len(),
        bytes: packets
            .iter()
            .map(|p| {
                p["size"]
                    .as_str()
                    .and_then(|s| s.parse::<u64>().ok())
                    .unwrap_or(0)
            })
            .sum(),
        duration_s: end - first,
    }
}

fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("a number: {value}"))
}

/// ffprobe's "15/1" as a number.
fn ratio(value: &Value) -> f64 {
    let text = value.as_str().expect("a ratio");
    let (numerator, denominator) = text.split_once('/').expect("n/d");
    number(&Value::from(numerator)) / number(&Value::from(denominator))
}

fn relative_difference(ours: f64, theirs: f64) -> f64 {
    (ours - theirs).abs() / theirs.abs()
}

/// How much of the FLV to compare with.
#[derive(Clone, Copy, PartialEq)]
enum Extent {
    /// The file holds exactly the stream's frames.
    Whole,
    /// The file may go on past the end of the capture: compare its first frames only.
    Prefix,
}

/// Our stream report against ffprobe's view of an FLV of the same stream. Tolerances: frame
/// rate 1 %, bitrate 3 % (our bytes include each tag's 2- or 5-byte codec header, which
/// ffprobe's packet sizes leave out), resolution, sample rate and channels exact.
fn assert_agrees_with_ffprobe(stream: &Value, flv: &Path, extent: Extent) -> Vec<String> {
    let limit =
        |track: &str| (extent == Extent::Prefix).then(|| number(&stream[track]["frames"]) as usize);
    let video = ffprobe(flv, "v:0", limit("video"));
    assert_eq!(video.stream["codec_name"], "h264");
    assert_eq!(stream["video_codec"]["codec"], "avc");
    assert_eq!(stream["video_codec"]["profile"], video.stream["profile"]);
    assert_eq!(stream["video_codec"]["width"], video.stream["width"]);
    assert_eq!(stream["video_codec"]["height"], video.stream["height"]);
    assert_eq!(number(&stream["video"]["frames"]) as usize, video.packets);
    let fps = number(&stream["video"]["frame_rate"]);
    let their_fps = ratio(&video.stream["avg_frame_rate"]);
    assert!(
        relative_difference(fps, their_fps) < 0.01,
        "{fps} vs {their_fps}"
    );
    let kbps = number(&stream["video"]["average_kbps"]);
    let their_kbps = video.bytes as f64 * 8.0 / video.duration_s / 1000.0;
    let video_diff = relative_difference(kbps, their_kbps);
    assert!(video_diff < 0.03, "video {kbps} vs {their_kbps} kbps");

    let audio = ffprobe(flv, "a:0", limit("audio"));
    assert_eq!(audio.stream["codec_name"], "aac");
    assert_eq!(stream["audio_codec"]["codec"], "aac");
    assert_eq!(stream["audio_codec"]["profile"], "AAC LC");
    assert_eq!(audio.stream["profile"], "LC");
    assert_eq!(
        number(&stream["audio_codec"]["sample_rate"]),
        number(&audio.stream["sample_rate"])
    );
    assert_eq!(stream["audio_codec"]["channels"], audio.stream["channels"]);
    assert_eq!(number(&stream["audio"]["frames"]) as usize, audio.packets);
    let kbps = number(&stream["audio"]["average_kbps"]);
    let their_kbps = audio.bytes as f64 * 8.0 / audio.duration_s / 1000.0;
    let audio_diff = relative_difference(kbps, their_kbps);
    assert!(audio_diff < 0.03, "audio {kbps} vs {their_kbps} kbps");
    vec![
        format!("frame rate {fps:.3} vs {their_fps:.3}"),
        format!("video bitrate {:.2} %", video_diff * 100.0),
        format!("audio bitrate {:.2} %", audio_diff * 100.0),
    ]
}

#[test]
fn player_summary_agrees_with_the_flv_ffmpeg_recorded() {
    if !require("ffprobe") {
        return;
    }
    // Session 2 is the ffmpeg player; during sample generation it wrote what it received,
    // with -c copy, to samples/out/publish_play_player.flv. The capture stopped before the
    // player did (its last four frames are not in it), so the file's first frames are compared.
    let summaries = summaries(&sample("publish_play.pcap"));
    let player = session(&summaries, 2);
    assert_eq!(player["role"], "player");
    let stream = &player["streams"][0];
    assert_eq!(stream["role"], "play");
    let agreement = assert_agrees_with_ffprobe(
        stream,
        &sample("out/publish_play_player.flv"),
        Extent::Prefix,
    );
    eprintln!("player vs ffmpeg's recording: {}", agreement.join(", "));
}

#[test]
fn publisher_summary_agrees_with_its_flv_export() {
    if !require("ffprobe") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("rtmpscope-summary-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let events = json_events(
        &sample("publish_play.pcap"),
        &[
            "--summary",
            "--export-flv",
            dir.to_str().expect("UTF-8 path"),
        ],
    );
    let publisher = session(&events, 1);
    assert_eq!(publisher["role"], "publisher");
    assert_eq!(publisher["app"], "live");
    assert_eq!(publisher["server_version"], "FMS/3,0,1,123");
    assert_eq!(publisher["handshake_complete"], true);
    let codes: Vec<&str> = publisher["status"]
        .as_array()
        .expect("status list")
        .iter()
        .filter_map(|s| s["code"].as_str())
        .collect();
    assert_eq!(
        codes,
        [
            "NetConnection.Connect.Success",
            "NetStream.Publish.Start",
            "NetStream.Unpublish.Success"
        ]
    );
    let stream = &publisher["streams"][0];
    assert_eq!(
        (stream["name"].as_str(), stream["publish_type"].as_str()),
        (Some("test"), Some("live"))
    );
    // The lab publishes a 1 s GOP at 15 fps.
    assert_eq!(stream["gop"]["frames"], 15.0);
    assert_eq!(stream["gop"]["seconds"], 1.0);
    let flv = std::fs::read_dir(&dir)
        .expect("export dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().contains("publish"))
        .expect("the publisher's FLV");
    let agreement = assert_agrees_with_ffprobe(stream, &flv, Extent::Whole);
    eprintln!(
        "publisher vs ffprobe on its export: {}",
        agreement.join(", ")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn text_summary_reports_each_session() {
    let output = rtmpscope()
        .arg("-r")
        .arg(sample("publish_play.pcap"))
        .arg("--summary")
        .output()
        .expect("run rtmpscope");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    assert_eq!(text.matches("\nSession ").count() + 1, 3, "{text}");
    for expected in [
        "RTMP  publisher  health: ok",
        "stream 1  publish \"test\" (live)",
        "video   avc High 1.2 320x240 4:2:0 8-bit; 60 frames 15.00/s",
        "audio   aac AAC LC 44100 Hz 2 ch; 174 frames",
        "<- NetStream.Publish.Start: Start publishing",
        "meta    width declared 320, measured 320.0",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    // No per-message lines.
    assert!(!text.contains("publish('test'"), "{text}");
}
