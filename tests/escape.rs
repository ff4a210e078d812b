//! Wire strings cannot drive the reader's terminal: a crafted capture whose connect fields,
//! server version, status codes and descriptions, stream name, publish type, onMetaData value
//! and Enhanced RTMP FourCCs hold ESC/CSI, OSC, BEL, C1 controls and a right-to-left override
//! is printed with all of them escaped, in the readable lines, the `--summary` report, the FLV
//! export's lines and file names; the JSON keeps the exact strings.

mod common;

use common::crafted::{amf_message, command, message, temp_path, Amf};
use common::pcap::{Connection, PcapWriter};
use rtmpscope::common::escape::Escaped;
use serde_json::Value;

/// Clears the screen (CSI 2 J), sets the window title (OSC … BEL), a C1 CSI (U+009B, as
/// UTF-8), a right-to-left override, DEL, and a lone 0x9B byte (not UTF-8: read as U+FFFD).
const HOSTILE: &[u8] = b"a\x1b[2J\x1b]0;pwned\x07b\xc2\x9bc\xe2\x80\xaed\x7fe\x9bf";
/// An Enhanced RTMP video FourCC that clears the screen.
const VIDEO_FOURCC: &[u8; 4] = b"\x1b[2J";
/// An audio one that resets the terminal, then a C1 CSI.
const AUDIO_FOURCC: &[u8; 4] = b"\x1bc\xc2\x9b";

/// A status object.
fn status<'a>(level: &'a [u8], code: &'a [u8], description: &'a [u8]) -> Amf<'a> {
    Amf::Object(vec![
        ("level", Amf::Text(level)),
        ("code", Amf::Text(code)),
        ("description", Amf::Text(description)),
    ])
}

/// One publisher whose every printed string is [`HOSTILE`].
fn hostile_capture() -> Vec<u8> {
    let mut pcap = PcapWriter::new();
    let mut connection = Connection::open(&mut pcap, ([127, 0, 0, 1], 40000));
    connection.rtmp_handshake(&mut pcap);
    let mut tc_url = b"rtmp://127.0.0.1/".to_vec();
    tc_url.extend_from_slice(HOSTILE);
    let connect = Amf::Object(vec![
        ("app", Amf::Text(HOSTILE)),
        ("flashVer", Amf::Text(HOSTILE)),
        ("swfUrl", Amf::Text(HOSTILE)),
        ("tcUrl", Amf::Text(&tc_url)),
        ("pageUrl", Amf::Text(HOSTILE)),
        (
            "fourCcList",
            Amf::StrictArray(vec![Amf::Text(VIDEO_FOURCC), Amf::Text(HOSTILE)]),
        ),
    ]);
    let c2s = |connection: &mut Connection, pcap: &mut PcapWriter, bytes: Vec<u8>| {
        connection.send(pcap, true, &bytes)
    };
    let s2c = |connection: &mut Connection, pcap: &mut PcapWriter, bytes: Vec<u8>| {
        connection.send(pcap, false, &bytes)
    };
    let mut values = command(b"connect", 1.0, vec![]);
    values.push(connect);
    c2s(&mut connection, &mut pcap, amf_message(3, 20, 0, &values));
    let mut values = command(b"_result", 1.0, vec![]);
    values.push(Amf::Object(vec![("fmsVer", Amf::Text(HOSTILE))]));
    values.push(status(b"status", b"NetConnection.Connect.Success", HOSTILE));
    s2c(&mut connection, &mut pcap, amf_message(3, 20, 0, &values));
    let values = command(b"createStream", 2.0, vec![Amf::Null]);
    c2s(&mut connection, &mut pcap, amf_message(3, 20, 0, &values));
    let values = command(b"_result", 2.0, vec![Amf::Null, Amf::Number(1.0)]);
    s2c(&mut connection, &mut pcap, amf_message(3, 20, 0, &values));
    let mut values = command(b"publish", 3.0, vec![Amf::Null]);
    values.extend([Amf::Text(HOSTILE), Amf::Text(HOSTILE)]);
    c2s(&mut connection, &mut pcap, amf_message(8, 20, 1, &values));
    let mut values = command(b"onStatus", 0.0, vec![Amf::Null]);
    values.push(status(b"status", HOSTILE, HOSTILE));
    s2c(&mut connection, &mut pcap, amf_message(5, 20, 1, &values));
    let mut values = command(b"onStatus", 0.0, vec![Amf::Null]);
    values.push(status(b"error", HOSTILE, HOSTILE));
    s2c(&mut connection, &mut pcap, amf_message(5, 20, 1, &values));
    let metadata = [
        Amf::Text(b"@setDataFrame"),
        Amf::Text(b"onMetaData"),
        Amf::EcmaArray(vec![
            ("encoder", Amf::Text(HOSTILE)),
            ("width", Amf::Text(HOSTILE)),
        ]),
    ];
    c2s(&mut connection, &mut pcap, amf_message(4, 18, 1, &metadata));
    for packet_type in [0u8, 1, 1] {
        // Enhanced RTMP: ex header, keyframe, SequenceStart then CodedFrames.
        let mut video = vec![0x80 | 0x10 | packet_type];
        video.extend_from_slice(VIDEO_FOURCC);
        video.extend_from_slice(&[0, 0, 0, 1, 2, 3]);
        c2s(&mut connection, &mut pcap, message(6, 9, 1, 0, &video));
        let mut audio = vec![0x90 | packet_type];
        audio.extend_from_slice(AUDIO_FOURCC);
        audio.extend_from_slice(&[1, 2, 3]);
        c2s(&mut connection, &mut pcap, message(7, 8, 1, 0, &audio));
    }
    connection.close(&mut pcap);
    pcap.finish()
}

/// Runs rtmpscope on the hostile capture with `args`: (stdout, stderr).
fn run(name: &str, args: &[&str]) -> (Vec<u8>, Vec<u8>) {
    common::crafted::run(name, &hostile_capture(), args)
}

/// Is `c` a character that must never reach a terminal raw?
fn is_dangerous(c: char) -> bool {
    matches!(c, '\0'..='\x09' | '\x0b'..='\x1f' | '\x7f'..='\u{9f}')
        || matches!(
            c,
            '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Fails on any control byte or character (newlines aside) and on bidirectional overrides.
fn assert_clean(what: &str, bytes: &[u8]) {
    let text = String::from_utf8(bytes.to_vec()).unwrap_or_else(|_| panic!("{what}: not UTF-8"));
    for (line_number, line) in text.lines().enumerate() {
        if let Some(c) = line.chars().find(|&c| is_dangerous(c)) {
            panic!("{what}: raw {c:?} in line {}: {line:?}", line_number + 1);
        }
    }
    assert!(!text.contains('\r'), "{what}: a carriage return");
}

/// How the hostile text is shown: what [`Escaped`] makes of what the decoder read.
fn shown(bytes: &[u8]) -> String {
    Escaped(&String::from_utf8_lossy(bytes)).to_string()
}

#[test]
fn readable_lines_escape_every_wire_string_and_fourcc() {
    let (stdout, stderr) = run("lines", &[]);
    assert_clean("stdout", &stdout);
    assert_clean("stderr", &stderr);
    let text = String::from_utf8(stdout).unwrap();
    let hostile = shown(HOSTILE);
    assert!(hostile.contains("\\x1b[2J\\x1b]0;pwned\\x07"), "{hostile}");
    assert!(
        hostile.contains("\\u{9b}c\\u{202e}d\\x7fe\u{fffd}f"),
        "{hostile}"
    );
    for expected in [
        format!("connect app={hostile} tcUrl=rtmp://127.0.0.1/{hostile} flashVer={hostile} swfUrl={hostile} pageUrl={hostile}"),
        format!("publish '{hostile}' '{hostile}'"),
        format!("onStatus error {hostile} {hostile}"),
        format!("Video {} keyframe", shown(VIDEO_FOURCC)),
        format!("Audio {}", shown(AUDIO_FOURCC)),
    ] {
        assert!(text.contains(&expected), "{expected}\nnot in\n{text}");
    }
    assert!(text.contains("Video \\x1b[2J keyframe"), "{text}");
    assert!(text.contains("Audio \\x1bc\\u{9b}"), "{text}");
}

#[test]
fn the_summary_escapes_every_wire_string() {
    let (stdout, stderr) = run("summary", &["--summary"]);
    assert_clean("stdout", &stdout);
    assert_clean("stderr", &stderr);
    let text = String::from_utf8(stdout).unwrap();
    let hostile = shown(HOSTILE);
    for expected in [
        format!("connect   app={hostile}\n"),
        format!("tcUrl=rtmp://127.0.0.1/{hostile}\n"),
        format!("flashVer={hostile}\n"),
        format!("swfUrl={hostile}\n"),
        format!("pageUrl={hostile}\n"),
        format!("fourCcList={},{hostile}\n", shown(VIDEO_FOURCC)),
        format!("server    {hostile}\n"),
        format!("<- NetConnection.Connect.Success: {hostile}\n"),
        format!("<- {hostile}: {hostile}\n"),
        format!("<- ERROR {hostile}: {hostile}\n"),
        format!("publish \"{hostile}\" ({hostile})\n"),
        format!("meta    encoder declared {hostile}\n"),
        format!("meta    width declared {hostile}\n"),
    ] {
        assert!(text.contains(&expected), "{expected}\nnot in\n{text}");
    }
    let findings: Vec<&str> = text.lines().filter(|l| l.contains("finding")).collect();
    assert!(
        findings.iter().any(|l| l.contains(&hostile)),
        "a finding quotes the error status: {findings:?}"
    );
}

#[test]
fn flv_export_lines_and_file_names_hold_no_control() {
    let dir = temp_path("export");
    std::fs::remove_dir_all(&dir).ok();
    let (stdout, stderr) = run("export", &["--export-flv", dir.to_str().unwrap()]);
    assert_clean("stdout", &stdout);
    assert_clean("stderr", &stderr);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    for name in &names {
        assert_clean("file name", name.as_bytes());
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
            "{name}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn json_keeps_the_exact_strings() {
    let (stdout, _) = run("json", &["--json"]);
    let events: Vec<Value> = String::from_utf8(stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let exact = String::from_utf8_lossy(HOSTILE).into_owned();
    let connect = events
        .iter()
        .find(|e| e["command"] == "connect")
        .expect("the connect message");
    for field in ["app", "flashVer", "swfUrl", "pageUrl"] {
        assert_eq!(connect["command_object"][field], exact.as_str(), "{field}");
    }
    assert_eq!(connect["command_object"]["fourCcList"][0], "\x1b[2J");
    let publish = events.iter().find(|e| e["command"] == "publish").unwrap();
    assert_eq!(publish["args"][1], exact.as_str());
    let video = events.iter().find(|e| e["type"] == "video").unwrap();
    assert_eq!(video["fourcc"], "\x1b[2J");
    let audio = events.iter().find(|e| e["type"] == "audio").unwrap();
    assert_eq!(audio["fourcc"], "\x1bc\u{9b}");
    let (summary, _) = run("summary-json", &["--summary", "--json"]);
    let summary: Value = serde_json::from_slice(
        summary
            .split(|&b| b == b'\n')
            .find(|line| line.starts_with(b"{\"event\":\"session_summary\""))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(summary["app"], exact.as_str());
    assert_eq!(summary["server_version"], exact.as_str());
    assert_eq!(summary["streams"][0]["name"], exact.as_str());
}
