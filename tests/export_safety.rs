//! FLV export against crafted captures: streams whose names read the same get their own files,
//! nothing that exists is followed or overwritten, timestamps never wrap, and thousands of
//! streams stay within the caps on open and written files, with what was held back reported.

mod common;

use std::path::{Path, PathBuf};

use common::crafted::{connect, message, publish, temp_path};
use common::pcap::{Connection, PcapWriter};
use rtmpscope::output::flv::MAX_FILES;
use serde_json::Value;

/// An AVC sequence header (with a minimal configuration record).
const AVC_HEADER: &[u8] = &[0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff, 0xe0, 0];
/// An AVC inter frame.
const AVC_FRAME: &[u8] = &[0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x41];
/// An AAC sequence header (AAC LC, 44.1 kHz, stereo).
const AAC_HEADER: &[u8] = &[0xAF, 0, 0x12, 0x10];
/// An AAC frame.
const AAC_FRAME: &[u8] = &[0xAF, 1, 0x21, 0x10];

/// One client on port 40000 connecting to `live`; `messages` are its chunk stream after that.
fn session(messages: impl IntoIterator<Item = Vec<u8>>) -> Vec<u8> {
    let mut pcap = PcapWriter::new();
    let mut connection = Connection::open(&mut pcap, ([127, 0, 0, 1], 40000));
    connection.rtmp_handshake(&mut pcap);
    let mut stream = connect(b"live");
    for message in messages {
        stream.extend(message);
    }
    connection.send(&mut pcap, true, &stream);
    connection.close(&mut pcap);
    pcap.finish()
}

/// `names` published on message streams 1, 2, …; stream `i` carries a sequence header and
/// `i` frames, so each file's content tells which stream it holds.
fn publishers(names: &[Vec<u8>]) -> Vec<u8> {
    session(names.iter().zip(1u32..).flat_map(|(name, msid)| {
        let mut messages = vec![publish(msid, name), message(6, 9, msid, 0, AVC_HEADER)];
        messages.extend((1..=msid).map(|frame| message(6, 9, msid, frame * 40, AVC_FRAME)));
        messages
    }))
}

/// Runs `rtmpscope -r CAPTURE --json --export-flv DIR` and returns its events.
fn export(name: &str, capture: Vec<u8>, dir: &Path) -> Vec<Value> {
    let dir = dir.to_str().unwrap();
    let (stdout, _) = common::crafted::run(name, &capture, &["--json", "--export-flv", dir]);
    String::from_utf8(stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn exports<'a>(events: &'a [Value], state: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["event"] == "export" && e["state"] == state)
        .collect()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn streams_whose_names_read_the_same_get_a_file_each() {
    let long = vec![b'k'; 250];
    let names = vec![
        b"a/b".to_vec(),
        b"a?b".to_vec(),
        b"a/b".to_vec(),
        [long.as_slice(), b"x"].concat(),
        [long.as_slice(), b"y"].concat(),
    ];
    let capture = publishers(&names);
    let dir = temp_path("collide");
    std::fs::remove_dir_all(&dir).ok();
    let events = export("collide", capture.clone(), &dir);
    let finished = exports(&events, "finished");
    assert_eq!(finished.len(), names.len());
    let files = files_in(&dir);
    assert_eq!(files.len(), names.len(), "{files:?}");
    for export in &finished {
        let path = export["path"].as_str().unwrap();
        let msid = export["msid"].as_u64().unwrap();
        let tags = common::flv::tags(&std::fs::read(path).unwrap());
        assert_eq!(tags.len() as u64, 1 + msid, "{path}: its own stream only");
        let name = Path::new(path).file_name().unwrap().to_str().unwrap();
        assert!(name.len() <= 200 + ".flv".len(), "{name}");
        assert!(name.contains(&format!("msid{msid}")), "{name}");
    }
    // A second run into the same directory: every name is taken, nothing is overwritten.
    let before: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let again = export("collide-again", capture, &dir);
    assert_eq!(files_in(&dir).len(), 2 * names.len());
    let after: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert!(before == after, "the first run's files are untouched");
    for export in exports(&again, "finished") {
        assert!(
            export["path"].as_str().unwrap().ends_with("-2.flv"),
            "{export}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_planted_symlink_is_not_followed() {
    let dir = temp_path("symlink");
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    let victim = temp_path("victim");
    std::fs::write(&victim, b"precious").unwrap();
    let never = temp_path("never-created");
    std::fs::remove_file(&never).ok();
    // The name this stream gets, and the one the earlier naming scheme gave it.
    let name = "001-127.0.0.1_40000-live-key-msid1-publish";
    std::os::unix::fs::symlink(&victim, dir.join(format!("{name}.flv"))).unwrap();
    std::os::unix::fs::symlink(&never, dir.join(format!("{name}-2.flv"))).unwrap();
    std::os::unix::fs::symlink(
        &victim,
        dir.join("001-127.0.0.1_40000-live-key-publish.flv"),
    )
    .unwrap();
    let capture = publishers(&[b"key".to_vec()]);
    let events = export("symlink", capture, &dir);
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(!never.exists(), "a dangling link's target was created");
    let finished = exports(&events, "finished");
    assert_eq!(finished.len(), 1);
    let path = finished[0]["path"].as_str().unwrap();
    assert!(path.ends_with(&format!("{name}-3.flv")), "{path}");
    let metadata = std::fs::symlink_metadata(path).unwrap();
    assert!(metadata.file_type().is_file());
    assert_eq!(common::flv::tags(&std::fs::read(path).unwrap()).len(), 2);
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_file(&victim).ok();
}

#[test]
fn an_earlier_stamped_header_does_not_wrap_the_timestamps() {
    let capture = session([
        publish(1, b"wrap"),
        message(7, 8, 1, 20, AAC_HEADER),
        message(6, 9, 1, 0, AVC_HEADER),
        message(7, 8, 1, 43, AAC_FRAME),
        message(6, 9, 1, 33, AVC_FRAME),
        message(6, 9, 1, 66, AVC_FRAME),
    ]);
    let dir = temp_path("wrap");
    std::fs::remove_dir_all(&dir).ok();
    let events = export("wrap", capture, &dir);
    let finished = exports(&events, "finished");
    assert_eq!(finished.len(), 1);
    let duration = finished[0]["duration_ms"].as_u64().unwrap();
    assert_eq!(duration, 46, "66 ms after the first tag at 20");
    let tags = common::flv::tags(&std::fs::read(finished[0]["path"].as_str().unwrap()).unwrap());
    let times: Vec<(u8, u32)> = tags.iter().map(|t| (t.tag_type, t.timestamp)).collect();
    // The AVC header, stamped before the first tag, is written at 0.
    assert_eq!(times, [(8, 0), (9, 0), (8, 23), (9, 13), (9, 46)]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn thousands_of_streams_stay_within_the_caps_and_are_counted() {
    let extra = 300;
    let streams = MAX_FILES as u32 + extra;
    let capture = session((1..=streams).map(|msid| message(6, 9, msid, 0, AVC_HEADER)));
    let dir = temp_path("many");
    std::fs::remove_dir_all(&dir).ok();
    let events = export("many", capture, &dir);
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(files, MAX_FILES);
    assert_eq!(exports(&events, "finished").len(), MAX_FILES);
    assert_eq!(exports(&events, "skipped").len(), extra as usize);
    let warnings = events
        .iter()
        .filter(|e| e["event"] == "warning" && e["code"] == "export_file_cap")
        .count();
    assert_eq!(warnings, extra as usize);
    let notice = |code: &str| {
        events
            .iter()
            .find(|e| e["event"] == "capture_warning" && e["code"] == code)
            .unwrap_or_else(|| panic!("no {code} notice"))["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        notice("export_file_cap").starts_with(&format!("{extra} streams were not exported")),
        "{}",
        notice("export_file_cap")
    );
    notice("export_open_files_cap");
    std::fs::remove_dir_all(&dir).ok();
}
