//! Enhanced RTMP from a real publisher (ffmpeg 9 from PyPI's imageio-ffmpeg, made by
//! samples/make_samples.sh): HEVC + Opus, AV1 + AC-3, VP9 + FLAC. Their headers and
//! configuration records decode to what the encoder was told, and the FLV export is an enhanced
//! FLV that the same ffmpeg reads back frame for frame.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{json_events, rtmpscope};
use serde_json::Value;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// The first stream of each session's summary, in session order.
fn streams(capture: &Path) -> Vec<Value> {
    let mut summaries = json_events(capture, &["--summary"]);
    summaries.sort_by_key(|s| s["session"].as_u64());
    summaries.iter().map(|s| s["streams"][0].clone()).collect()
}

fn assert_video(stream: &Value, codec: &str, profile: &str, size: Option<(u64, u64)>) {
    let video = &stream["video_codec"];
    assert_eq!(video["codec"], codec, "{stream}");
    assert_eq!(video["profile"], profile, "{stream}");
    if let Some((width, height)) = size {
        assert_eq!(
            (video["width"].as_u64(), video["height"].as_u64()),
            (Some(width), Some(height))
        );
    }
    assert_eq!(video["chroma_format"], "4:2:0");
    assert_eq!(video["bit_depth"], 8);
    assert_eq!(stream["video"]["frames"], 15, "one second at 15 fps");
    let fps = stream["video"]["frame_rate"].as_f64().expect("frame rate");
    assert!((fps - 15.0).abs() < 0.15, "{fps}");
}

fn assert_audio(stream: &Value, codec: &str, rate: Option<u64>, channels: Option<u64>) {
    let audio = &stream["audio_codec"];
    assert_eq!(audio["codec"], codec, "{stream}");
    assert_eq!(audio["sample_rate"].as_u64(), rate, "{stream}");
    assert_eq!(audio["channels"].as_u64(), channels, "{stream}");
    assert!(
        stream["audio"]["frames"].as_u64().unwrap_or(0) > 20,
        "{stream}"
    );
}

#[test]
fn hevc_and_opus() {
    let capture = sample("erpt_hevc_opus.pcap");
    let events = json_events(&capture, &[]);
    let connect = events
        .iter()
        .find(|e| e["command"] == "connect")
        .expect("connect");
    assert_eq!(
        connect["command_object"]["fourCcList"],
        serde_json::json!(["hvc1", "av01", "vp09", "Opus"])
    );
    let first_video = events.iter().find(|e| e["type"] == "video").expect("video");
    assert_eq!(
        (&first_video["fourcc"], &first_video["packet_type"]),
        (&Value::from("hvc1"), &Value::from("sequence_start"))
    );
    assert_eq!(first_video["config"]["level"], "2");
    let coded = events
        .iter()
        .filter(|e| e["packet_type"] == "coded_frames" && e["fourcc"] == "hvc1")
        .count();
    assert!(
        coded > 5,
        "{coded} HEVC coded frames with a composition time"
    );

    let streams = streams(&capture);
    assert_video(&streams[0], "hevc", "Main", Some((320, 240)));
    assert_audio(&streams[0], "opus", Some(48000), Some(2));
}

#[test]
fn av1_ac3_then_vp9_flac() {
    let streams = streams(&sample("erpt_av1_vp9.pcap"));
    assert_eq!(streams.len(), 2);
    assert_video(&streams[0], "av1", "Main", Some((320, 240)));
    assert_eq!(streams[0]["video_codec"]["level"], "2.0");
    assert_audio(&streams[0], "ac3", None, None);
    // VP9's configuration record carries no frame size.
    assert_video(&streams[1], "vp9", "Profile 0", None);
    assert_audio(&streams[1], "flac", Some(44100), Some(1));
}

/// The ffmpeg that made the samples, if the lab fetched it (scripts/setup.sh does).
fn modern_ffmpeg() -> Option<PathBuf> {
    let dir = Path::new("/opt/rtmpscope-lab/imageio-ffmpeg/imageio_ffmpeg/binaries");
    let found = std::fs::read_dir(dir).ok().and_then(|entries| {
        entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.to_string_lossy().contains("ffmpeg-linux-"))
    });
    if found.is_none() {
        let reason = format!(
            "no modern ffmpeg in {} (scripts/setup.sh fetches it)",
            dir.display()
        );
        common::available(false, &reason);
    }
    found
}

/// Codec names and packet counts per stream, as ffmpeg reads an FLV (framemd5 lists every
/// packet).
fn ffmpeg_view(ffmpeg: &Path, flv: &Path) -> (Vec<String>, [usize; 2]) {
    let output = Command::new(ffmpeg)
        .args(["-v", "error", "-i"])
        .arg(flv)
        .args(["-map", "0", "-c", "copy", "-f", "framemd5", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(output.status.success(), "ffmpeg reads {}", flv.display());
    let text = String::from_utf8_lossy(&output.stdout);
    let codecs = text
        .lines()
        .filter_map(|l| l.strip_prefix("#codec_id "))
        .map(|l| l.split(": ").nth(1).unwrap_or("").to_owned())
        .collect();
    let mut packets = [0; 2];
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let index: usize = line
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .parse()
            .expect("index");
        packets[index.min(1)] += 1;
    }
    (codecs, packets)
}

#[test]
fn enhanced_flv_export_reads_back_frame_for_frame() {
    let Some(ffmpeg) = modern_ffmpeg() else {
        return;
    };
    for (capture, expected) in [
        ("erpt_hevc_opus.pcap", vec![vec!["hevc", "opus"]]),
        (
            "erpt_av1_vp9.pcap",
            vec![vec!["av1", "ac3"], vec!["vp9", "flac"]],
        ),
    ] {
        let dir =
            std::env::temp_dir().join(format!("rtmpscope-erpt-{}-{capture}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let output = rtmpscope()
            .arg("-r")
            .arg(sample(capture))
            .args(["--summary", "--json", "--export-flv"])
            .arg(&dir)
            .output()
            .expect("run rtmpscope");
        assert!(output.status.success());
        let streams = streams(&sample(capture));
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("exports")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        assert_eq!(files.len(), expected.len());
        for ((file, codecs), stream) in files.iter().zip(&expected).zip(&streams) {
            let (read, packets) = ffmpeg_view(&ffmpeg, file);
            assert_eq!(&read, codecs, "{}", file.display());
            assert_eq!(Some(packets[0] as u64), stream["video"]["frames"].as_u64());
            let frames = stream["audio"]["frames"].as_u64().expect("audio frames");
            if codecs[1] == "flac" {
                // ffmpeg's FLAC parser re-frames the stream and holds back its last frame.
                assert!(
                    frames.abs_diff(packets[1] as u64) <= 1,
                    "{frames} vs {packets:?}"
                );
            } else {
                assert_eq!(packets[1] as u64, frames);
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
