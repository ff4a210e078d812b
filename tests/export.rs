//! FLV export: every published or played stream becomes a file that ffprobe reads, with every
//! decoded frame in it, also after a lost segment.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{flv, pcap_without, require, require_for, rtmpscope, samples};
use serde_json::Value;

fn export(capture: &Path, dir: &Path) -> Vec<Value> {
    let output = rtmpscope()
        .arg("-r")
        .arg(capture)
        .arg("--json")
        .arg("--export-flv")
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rtmpscope-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// ffprobe's view: codec names, width x height, and the number of video packets.
fn ffprobe(file: &str) -> (Vec<String>, String, usize) {
    let streams = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "csv=p=0",
            file,
        ])
        .output()
        .unwrap();
    assert!(
        streams.status.success() && streams.stderr.is_empty(),
        "ffprobe: {}",
        String::from_utf8_lossy(&streams.stderr)
    );
    let text = String::from_utf8_lossy(&streams.stdout).into_owned();
    let codecs: Vec<String> = text
        .lines()
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect();
    let size = text
        .lines()
        .find(|l| l.starts_with("h264"))
        .map(|l| l.replacen("h264,", "", 1).replace(',', "x"))
        .unwrap_or_default();
    let packets = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v",
            "-count_packets",
            "-show_entries",
            "stream=nb_read_packets",
            "-of",
            "csv=p=0",
            file,
        ])
        .output()
        .unwrap();
    let count = String::from_utf8_lossy(&packets.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    (codecs, size, count)
}

/// Video messages with coded frames (AVC NALUs) per (session, msid).
fn nalus(events: &[Value], session: &Value, msid: &Value) -> usize {
    events
        .iter()
        .filter(|e| {
            e["type"] == "video"
                && e["avc_packet_type"] == 1
                && &e["session"] == session
                && &e["msid"] == msid
        })
        .count()
}

#[test]
fn every_stream_of_the_sample_is_exported_and_readable() {
    let sample = samples()
        .into_iter()
        .find(|p| p.ends_with("publish_play.pcap"))
        .unwrap();
    let dir = temp_dir("export");
    let events = export(&sample, &dir);
    let finished: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "export" && e["state"] == "finished")
        .collect();
    let roles: Vec<&str> = finished
        .iter()
        .map(|e| e["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        ["play", "play", "publish"],
        "two players and the publisher"
    );
    let decoded_video = events.iter().filter(|e| e["type"] == "video").count() as u64;
    let written_video: u64 = finished
        .iter()
        .map(|e| e["video_tags"].as_u64().unwrap())
        .sum();
    assert_eq!(
        written_video, decoded_video,
        "every decoded video message is in a file"
    );
    let ffprobe_checks = require_for("the ffprobe cross-check", "ffprobe");
    for export in &finished {
        let path = export["path"].as_str().unwrap();
        assert!(path.contains("-live-test-"), "{path}");
        let tags = flv::tags(&std::fs::read(path).unwrap());
        assert_eq!(
            tags.iter().filter(|t| t.tag_type == 9).count() as u64,
            export["video_tags"].as_u64().unwrap()
        );
        assert_eq!(tags[0].timestamp, 0, "timestamps start at 0");
        assert!(tags
            .windows(2)
            .filter(|w| w[0].tag_type == w[1].tag_type)
            .all(|w| w[1].timestamp >= w[0].timestamp));
        if ffprobe_checks {
            let (mut codecs, size, packets) = ffprobe(path);
            codecs.sort();
            assert_eq!(codecs, ["aac", "h264"], "{path}");
            assert_eq!(size, "320x240");
            assert_eq!(
                packets,
                nalus(&events, &export["session"], &export["msid"]),
                "{path}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_lost_segment_leaves_a_readable_file_with_the_frames_after_it() {
    let sample = samples()
        .into_iter()
        .find(|p| p.ends_with("publish_play.pcap"))
        .unwrap();
    let whole = export(&sample, &temp_dir("whole"));
    // Drop the packet that completed a video message in the middle of the publish.
    let publisher_video: Vec<u64> = whole
        .iter()
        .filter(|e| e["session"] == 1 && e["type"] == "video")
        .map(|e| e["frame"].as_u64().unwrap())
        .collect();
    let victim = publisher_video[publisher_video.len() / 2];
    let cut = temp_dir("cut").with_extension("pcap");
    std::fs::write(
        &cut,
        pcap_without(&std::fs::read(&sample).unwrap(), &[victim]),
    )
    .unwrap();
    let dir = temp_dir("gap");
    let events = export(&cut, &dir);
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "gap" && e["session"] == 1),
        "the loss is reported"
    );
    let publish = events
        .iter()
        .find(|e| e["event"] == "export" && e["state"] == "finished" && e["role"] == "publish")
        .unwrap();
    assert_eq!(publish["gaps"], 1);
    let written = publish["video_tags"].as_u64().unwrap();
    assert!(
        written < publisher_video.len() as u64 && written > publisher_video.len() as u64 / 2,
        "frames after the gap are kept: {written}"
    );
    let path = publish["path"].as_str().unwrap();
    let tags = flv::tags(&std::fs::read(path).unwrap());
    let last = tags.iter().rfind(|t| t.tag_type == 9).unwrap().timestamp;
    let whole_publish = whole
        .iter()
        .find(|e| e["event"] == "export" && e["state"] == "finished" && e["role"] == "publish")
        .unwrap();
    let whole_tags = flv::tags(&std::fs::read(whole_publish["path"].as_str().unwrap()).unwrap());
    let whole_last = whole_tags
        .iter()
        .rfind(|t| t.tag_type == 9)
        .unwrap()
        .timestamp;
    // Decoding went on to the end. Timestamps after the gap rest on deltas, so they run early
    // by the deltas of the lost messages (here one or two frames at 15 fps).
    assert!(
        whole_last >= last && whole_last - last <= 134,
        "last video tag at {last} ms, {whole_last} ms without the loss"
    );
    if require_for("the ffprobe cross-check", "ffprobe") {
        let (codecs, _, packets) = ffprobe(path);
        assert!(codecs.contains(&"h264".to_owned()));
        assert_eq!(packets, nalus(&events, &Value::from(1), &Value::from(1)));
    }
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_file(&cut).ok();
}

/// Timestamp of the last video packet, by ffprobe.
fn last_video_pts(file: &str) -> f64 {
    let output = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v",
            "-show_entries",
            "packet=pts_time",
            "-of",
            "csv=p=0",
            file,
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.trim().parse::<f64>().ok())
        .fold(0.0, f64::max)
}

#[test]
fn the_published_duration_survives_within_one_frame() {
    if !require("ffprobe") {
        return;
    }
    let sample = samples()
        .into_iter()
        .find(|p| p.ends_with("publish_play.pcap"))
        .unwrap();
    let dir = temp_dir("duration");
    let events = export(&sample, &dir);
    let publish = events
        .iter()
        .find(|e| e["event"] == "export" && e["state"] == "finished" && e["role"] == "publish")
        .unwrap();
    // make_samples.sh publishes 4 s at 15 fps: the last frame starts one interval before 4 s.
    let frame = 1.0 / 15.0;
    let duration = last_video_pts(publish["path"].as_str().unwrap()) + frame;
    assert!(
        (duration - 4.0).abs() <= frame,
        "exported video lasts {duration:.3} s"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_mid_stream_start_exports_nothing_undecodable() {
    let sample = samples()
        .into_iter()
        .find(|p| p.ends_with("publish_play.pcap"))
        .unwrap();
    // Without its first 60 packets the publisher's session starts mid-stream, inside its media
    // run; the players connect later and are whole.
    let cut = temp_dir("midstream").with_extension("pcap");
    std::fs::write(
        &cut,
        pcap_without(
            &std::fs::read(&sample).unwrap(),
            &(1..=60).collect::<Vec<u64>>(),
        ),
    )
    .unwrap();
    let dir = temp_dir("midstream-export");
    let events = export(&cut, &dir);
    let start = events
        .iter()
        .find(|e| e["event"] == "session_start" && e["session"] == 1)
        .unwrap();
    assert_eq!(start["mid_stream"], true);
    let finished: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "export" && e["state"] == "finished")
        .collect();
    // Nothing of the publisher's media could be trusted, so no file claims to hold it.
    assert!(finished
        .iter()
        .all(|e| e["role"] != "publish" || e["video_tags"] == 0));
    let players: Vec<&&Value> = finished.iter().filter(|e| e["role"] == "play").collect();
    assert_eq!(players.len(), 2);
    for player in players {
        assert_eq!(player["skipped_frames"], 0);
        assert!(player["video_tags"].as_u64().unwrap() > 10);
    }
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_file(&cut).ok();
}
