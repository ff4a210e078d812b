//! FLV export (`--export-flv DIR`): every published or played media stream to its own FLV file.
//!
//! The exporter wraps the output sink: every event passes through to it, and the exporter adds
//! `export` events when it starts and finishes a file. One file per (session, message stream)
//! that carries audio, video or script data, written as messages arrive (bounded memory):
//! - the FLV header's audio/video flags are rewritten at the end to match what was written;
//! - `@setDataFrame` loses its first value, so the script tag is `onMetaData` as FLV expects;
//! - timestamps are made relative to the stream's first tag (extended timestamps kept);
//! - aggregate messages are unpacked into their tags;
//! - after a gap, the messages lost are simply absent (the chunk layer never builds a message
//!   across a gap); a stream that starts mid-way skips video until a decoder configuration or,
//!   for codecs without one, a keyframe, and says how many frames it skipped.
//!
//! Audio and video bodies must be whole: the session decoder must run with
//! [`crate::rtmp::chunk::ChunkConfig::keep_media_payloads`].

use crate::common::NoticeCode;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::amf::AmfValue;
use crate::common::reader::Reader;
use crate::common::{Direction, Notice};
use crate::rtmp::message::{MessageBody, MessageTypeId};
use crate::session::event::{Event, EventKind, EventSink, ExportEvent, MessageEvent};

/// FLV tag types.
const TAG_AUDIO: u8 = 8;
const TAG_VIDEO: u8 = 9;
const TAG_SCRIPT: u8 = 18;
/// Header flag bits.
const FLAG_AUDIO: u8 = 4;
const FLAG_VIDEO: u8 = 1;

/// One FLV file being written.
struct FlvFile {
    path: PathBuf,
    out: BufWriter<File>,
    first_timestamp: Option<u32>,
    flags: u8,
    /// Video, then audio: a decoder could start (see [`starts_decoding`]).
    ready: [bool; 2],
    report: ExportEvent,
}

impl FlvFile {
    fn create(path: PathBuf, report: ExportEvent) -> io::Result<Self> {
        let mut out = BufWriter::new(File::create(&path)?);
        // "FLV", version 1, flags (fixed at the end), header size 9, first previous-tag size 0.
        out.write_all(&[
            b'F',
            b'L',
            b'V',
            1,
            FLAG_AUDIO | FLAG_VIDEO,
            0,
            0,
            0,
            9,
            0,
            0,
            0,
            0,
        ])?;
        Ok(FlvFile {
            path,
            out,
            first_timestamp: None,
            flags: 0,
            ready: [false; 2],
            report,
        })
    }

    /// Writes one tag with `timestamp` (absolute RTMP ms) and `body`.
    fn tag(&mut self, tag_type: u8, timestamp: u32, body: &[u8]) -> io::Result<()> {
        let first = *self.first_timestamp.get_or_insert(timestamp);
        let relative = timestamp.wrapping_sub(first);
        let size = u32::try_from(body.len()).unwrap_or(u32::MAX).min(0xFF_FFFF);
        let [_, s1, s2, s3] = size.to_be_bytes();
        let [t0, t1, t2, t3] = relative.to_be_bytes();
        // Type, data size (24), timestamp (24) + extended (8), stream id (24, always 0).
        self.out
            .write_all(&[tag_type, s1, s2, s3, t1, t2, t3, t0, 0, 0, 0])?;
        self.out
            .write_all(body.get(..size as usize).unwrap_or(body))?;
        self.out.write_all(&(size + 11).to_be_bytes())?;
        match tag_type {
            TAG_AUDIO => {
                self.flags |= FLAG_AUDIO;
                self.report.audio_tags += 1;
            }
            TAG_VIDEO => {
                self.flags |= FLAG_VIDEO;
                self.report.video_tags += 1;
            }
            _ => self.report.script_tags += 1,
        }
        self.report.duration_ms = self.report.duration_ms.max(relative);
        Ok(())
    }

    /// Flushes and fixes the header flags.
    fn finish(mut self) -> io::Result<ExportEvent> {
        self.out.flush()?;
        let file = self.out.get_mut();
        file.seek(SeekFrom::Start(4))?;
        file.write_all(&[self.flags])?;
        self.report.state = "finished";
        Ok(self.report)
    }
}

/// What the exporter knows of a session.
#[derive(Default)]
struct SessionInfo {
    app: Option<String>,
    /// Stream names by message stream id, with the role (from publish or play).
    streams: BTreeMap<u32, (String, &'static str)>,
}

/// Writes FLV files beside passing every event on to the inner sink.
pub struct FlvExporter<S> {
    inner: S,
    dir: PathBuf,
    sessions: BTreeMap<u64, SessionInfo>,
    files: BTreeMap<(u64, u32), FlvFile>,
    /// Files that failed, so the failure is reported once.
    failed: BTreeMap<(u64, u32), ()>,
    /// Progress lines go to stderr (not under the TUI, which owns the terminal).
    announce: bool,
}

impl<S: EventSink> FlvExporter<S> {
    /// Exports into `dir` (created if missing), passing events on to `inner`.
    pub fn new(dir: &Path, inner: S) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(FlvExporter {
            inner,
            dir: dir.to_owned(),
            sessions: BTreeMap::new(),
            files: BTreeMap::new(),
            failed: BTreeMap::new(),
            announce: true,
        })
    }

    /// Writes no progress lines on stderr (the `export` events still report every file).
    pub fn silent(mut self) -> Self {
        self.announce = false;
        self
    }

    /// A progress line on stderr, unless silent.
    fn say(&self, line: std::fmt::Arguments<'_>) {
        if self.announce {
            eprintln!("rtmpscope: {line}");
        }
    }

    /// Finishes every open file and gives back the inner sink.
    pub fn finish(mut self) -> S {
        let keys: Vec<(u64, u32)> = self.files.keys().copied().collect();
        for key in keys {
            self.close(key, None);
        }
        self.inner
    }

    fn close(&mut self, key: (u64, u32), like: Option<&Event<'_>>) {
        let Some(file) = self.files.remove(&key) else {
            return;
        };
        let path = file.path.clone();
        match file.finish() {
            Ok(report) => {
                self.say(format_args!(
                    "wrote {} ({} video, {} audio, {} script tags{})",
                    report.path,
                    report.video_tags,
                    report.audio_tags,
                    report.script_tags,
                    if report.skipped_frames > 0 {
                        format!(
                            ", {} frames skipped before the first decodable one",
                            report.skipped_frames
                        )
                    } else {
                        String::new()
                    }
                ));
                if let Some(event) = like {
                    self.emit(event, report);
                }
            }
            Err(error) => self.failure(&path, &error),
        }
    }

    fn emit(&mut self, like: &Event<'_>, report: ExportEvent) {
        self.inner.event(&Event {
            kind: EventKind::Export(report),
            ..like.clone()
        });
    }

    fn failure(&mut self, path: &Path, error: &io::Error) {
        self.inner.notice(&Notice {
            frame: None,
            time: None,
            code: NoticeCode::ExportFailed,
            message: format!("cannot write {}: {error}", path.display()),
        });
    }

    /// Remembers connect's app and the stream names of publish and play.
    fn learn(&mut self, event: &Event<'_>, message: &MessageEvent<'_>) {
        let MessageBody::Command(command) = &message.message.body else {
            return;
        };
        let info = self.sessions.entry(event.session).or_default();
        let first_string = command.args.iter().find_map(AmfValue::as_str);
        match command.command.as_str() {
            "connect" => {
                info.app = command
                    .command_object
                    .get("app")
                    .and_then(AmfValue::as_str)
                    .map(str::to_owned)
            }
            "publish" | "play" => {
                if let Some(name) = first_string {
                    let role = if command.command == "publish" {
                        "publish"
                    } else {
                        "play"
                    };
                    info.streams
                        .insert(message.message.header.msid, (name.to_owned(), role));
                }
            }
            _ => {}
        }
    }

    /// The file for a session's message stream, created on first use.
    fn file(&mut self, event: &Event<'_>, msid: u32, dir: Direction) -> Option<&mut FlvFile> {
        let key = (event.session, msid);
        if self.failed.contains_key(&key) {
            return None;
        }
        if !self.files.contains_key(&key) {
            let info = self.sessions.entry(event.session).or_default();
            let (stream, role) = match info.streams.get(&msid) {
                Some((name, role)) => (Some(name.clone()), *role),
                None => (
                    None,
                    if dir == Direction::ClientToServer {
                        "publish"
                    } else {
                        "play"
                    },
                ),
            };
            let name = file_name(
                event.session,
                event.endpoints.client,
                info.app.as_deref(),
                stream.as_deref(),
                msid,
                role,
            );
            let path = self.dir.join(name);
            let report = ExportEvent {
                state: "started",
                path: path.display().to_string(),
                msid,
                role,
                stream,
                audio_tags: 0,
                video_tags: 0,
                script_tags: 0,
                skipped_frames: 0,
                gaps: 0,
                duration_ms: 0,
            };
            match FlvFile::create(path.clone(), report.clone()) {
                Ok(file) => {
                    self.say(format_args!("writing {}", path.display()));
                    self.emit(event, report);
                    self.files.insert(key, file);
                }
                Err(error) => {
                    self.failure(&path, &error);
                    self.failed.insert(key, ());
                    return None;
                }
            }
        }
        self.files.get_mut(&key)
    }

    /// Writes a media or data message as FLV tags.
    fn export(&mut self, event: &Event<'_>, message: &MessageEvent<'_>) {
        let header = message.message.header;
        let tags = match header.type_id {
            MessageTypeId::AUDIO => vec![(TAG_AUDIO, header.timestamp, message.payload)],
            MessageTypeId::VIDEO => vec![(TAG_VIDEO, header.timestamp, message.payload)],
            MessageTypeId::DATA_AMF0 => {
                vec![(TAG_SCRIPT, header.timestamp, script_body(message.payload))]
            }
            MessageTypeId::DATA_AMF3 => vec![(
                TAG_SCRIPT,
                header.timestamp,
                script_body(message.payload.get(1..).unwrap_or_default()),
            )],
            MessageTypeId::AGGREGATE => aggregate_tags(header.timestamp, message.payload),
            _ => return,
        };
        if tags.is_empty() {
            return;
        }
        let Some(file) = self.file(event, header.msid, message.dir) else {
            return;
        };
        let path = file.path.clone();
        for (tag_type, timestamp, body) in tags {
            let media = match tag_type {
                TAG_VIDEO => Some(0),
                TAG_AUDIO => Some(1),
                _ => None,
            };
            if let Some(index) = media {
                if !file.ready[index] && !starts_decoding(tag_type, body) {
                    file.report.skipped_frames += 1;
                    continue;
                }
                file.ready[index] = true;
            }
            if let Err(error) = file.tag(tag_type, timestamp, body) {
                self.files.remove(&(event.session, header.msid));
                self.failed.insert((event.session, header.msid), ());
                self.failure(&path, &error);
                return;
            }
        }
    }
}

impl<S: EventSink> EventSink for FlvExporter<S> {
    fn event(&mut self, event: &Event<'_>) {
        self.inner.event(event);
        match &event.kind {
            EventKind::Message(message) => {
                self.learn(event, message);
                self.export(event, message);
            }
            EventKind::Gap(gap) => {
                let announce = self.announce;
                for ((session, _), file) in self.files.iter_mut() {
                    if *session == event.session {
                        file.report.gaps += 1;
                        if announce {
                            eprintln!(
                                "rtmpscope: {}: {} bytes lost ({}) after {} ms; the frames in them are left out",
                                file.path.display(),
                                gap.bytes,
                                gap.dir,
                                file.report.duration_ms
                            );
                        }
                    }
                }
            }
            EventKind::SessionEnd(_) => {
                let keys: Vec<(u64, u32)> = self
                    .files
                    .keys()
                    .filter(|(s, _)| *s == event.session)
                    .copied()
                    .collect();
                for key in keys {
                    self.close(key, Some(event));
                }
                self.sessions.remove(&event.session);
            }
            _ => {}
        }
    }

    fn notice(&mut self, notice: &Notice) {
        self.inner.notice(notice);
    }

    fn tick(&mut self, now: crate::common::Timestamp) {
        self.inner.tick(now);
    }
}

/// The body of a script tag: a data message without its `@setDataFrame` handler name.
fn script_body(payload: &[u8]) -> &[u8] {
    const SET_DATA_FRAME: &[u8] = b"\x02\x00\x0d@setDataFrame";
    payload.strip_prefix(SET_DATA_FRAME).unwrap_or(payload)
}

/// Does this audio or video body let a decoder start: a decoder configuration (AVC/HEVC
/// sequence header, AAC sequence header, Enhanced RTMP sequence start) or, for codecs without
/// one, a video keyframe or any audio frame?
fn starts_decoding(tag_type: u8, body: &[u8]) -> bool {
    let Some(&first) = body.first() else {
        return false;
    };
    if tag_type == TAG_AUDIO {
        return match first >> 4 {
            10 => body.get(1) == Some(&0), // AAC sequence header
            9 => first & 0x0F == 0,        // Enhanced RTMP audio: SequenceStart
            _ => true,
        };
    }
    if first & 0x80 != 0 {
        return first & 0x0F == 0; // Enhanced RTMP video: SequenceStart
    }
    match first & 0x0F {
        7 | 12 => body.get(1) == Some(&0), // AVC/HEVC sequence header
        _ => first >> 4 == 1,              // a keyframe
    }
}

/// The tags inside an aggregate message, with timestamps moved so the first sub-message has
/// the aggregate's own timestamp.
fn aggregate_tags(timestamp: u32, payload: &[u8]) -> Vec<(u8, u32, &[u8])> {
    let mut reader = Reader::new(payload);
    let mut tags = Vec::new();
    let mut offset = None;
    while reader.remaining() > 0 {
        let part = (|| {
            let tag_type = reader.u8()?;
            let size = reader.be_u24()?;
            let low = reader.be_u24()?;
            let high = reader.u8()?;
            reader.be_u24()?;
            let body = reader.take(size as usize)?;
            reader.be_u32()?;
            Some((tag_type, (u32::from(high) << 24) | low, body))
        })();
        let Some((tag_type, sub_timestamp, body)) = part else {
            break;
        };
        let shift = *offset.get_or_insert(timestamp.wrapping_sub(sub_timestamp));
        if matches!(tag_type, TAG_AUDIO | TAG_VIDEO | TAG_SCRIPT) {
            tags.push((tag_type, sub_timestamp.wrapping_add(shift), body));
        }
    }
    tags
}

/// `003-127.0.0.1_50000-live-test-publish.flv`: session, client, app, stream, role; only
/// characters safe in a file name.
fn file_name(
    session: u64,
    client: SocketAddr,
    app: Option<&str>,
    stream: Option<&str>,
    msid: u32,
    role: &str,
) -> String {
    let client = format!("{}_{}", client.ip(), client.port());
    let stream = stream.map_or_else(|| format!("msid{msid}"), str::to_owned);
    let raw = format!(
        "{session:03}-{client}-{}-{stream}-{role}",
        app.unwrap_or("unknown")
    );
    let safe: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(200)
        .collect();
    format!("{safe}.flv")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_readable() {
        let client: SocketAddr = "[::1]:5000".parse().unwrap();
        assert_eq!(
            file_name(3, client, Some("live"), Some("a/b?key=1"), 1, "publish"),
            "003-__1_5000-live-a_b_key_1-publish.flv"
        );
        assert_eq!(
            file_name(1, "1.2.3.4:9".parse().unwrap(), None, None, 7, "play"),
            "001-1.2.3.4_9-unknown-msid7-play.flv"
        );
    }

    #[test]
    fn script_bodies_and_decoder_starts() {
        let mut body = b"\x02\x00\x0d@setDataFrame".to_vec();
        body.extend_from_slice(b"\x02\x00\x0aonMetaData");
        assert_eq!(script_body(&body), b"\x02\x00\x0aonMetaData");
        assert!(starts_decoding(TAG_VIDEO, &[0x17, 0x00]));
        assert!(!starts_decoding(TAG_VIDEO, &[0x17, 0x01]));
        assert!(!starts_decoding(TAG_VIDEO, &[0x27, 0x01]));
        assert!(starts_decoding(TAG_VIDEO, &[0x12])); // an H.263 keyframe
        assert!(starts_decoding(TAG_VIDEO, &[0x90, b'h', b'v', b'c', b'1']));
        assert!(starts_decoding(TAG_AUDIO, &[0xAF, 0x00]));
        assert!(!starts_decoding(TAG_AUDIO, &[0xAF, 0x01]));
        assert!(starts_decoding(TAG_AUDIO, &[0x2F])); // MP3 needs no configuration
    }

    #[test]
    fn aggregate_timestamps_follow_the_message() {
        let mut payload = Vec::new();
        payload.extend_from_slice(&[9, 0, 0, 1, 0, 0, 10, 0, 0, 0, 0, 0x17, 0, 0, 0, 12]);
        payload.extend_from_slice(&[8, 0, 0, 1, 0, 0, 30, 0, 0, 0, 0, 0xAF, 0, 0, 0, 12]);
        let tags = aggregate_tags(1000, &payload);
        assert_eq!(
            tags.iter().map(|t| (t.0, t.1)).collect::<Vec<_>>(),
            [(9, 1000), (8, 1020)]
        );
    }
}
