//! FLV export (`--export-flv DIR`): every published or played media stream to its own FLV file.
//!
//! The exporter wraps the output sink: every event passes through to it, and the exporter adds
//! `export` events when it starts and finishes a file. One file per (session, message stream)
//! that carries audio, video or script data, written as messages arrive (bounded memory):
//! - the FLV header's audio/video flags are rewritten at the end to match what was written;
//! - `@setDataFrame` loses its first value, so the script tag is `onMetaData` as FLV expects;
//! - timestamps are made relative to the stream's first tag (extended timestamps kept), on a
//!   64-bit timeline that never wraps: each RTMP timestamp is read as the one nearest to the
//!   previous tag's (so a 32-bit wrap after 49 days goes on counting), and a tag stamped before
//!   the file's first tag (an AVC sequence header sent after an AAC one stamped later) is
//!   written at 0 rather than wrapping to 2^32 - 20 ms;
//! - aggregate messages are unpacked into their tags;
//! - after a gap, the messages lost are simply absent (the chunk layer never builds a message
//!   across a gap); a stream that starts mid-way skips video until a decoder configuration or,
//!   for codecs without one, a keyframe, and says how many frames it skipped.
//!
//! Files are never overwritten: each is created new (`O_CREAT | O_EXCL`, and `O_NOFOLLOW`), so
//! a name that exists, a symbolic link among them, is left alone and the next name with a
//! counter is tried. Names carry the session and message stream id (see [`file_name`]), so
//! streams whose names read the same once made safe still get their own files. At most
//! [`MAX_OPEN_FILES`] are open at once (the least recently written is closed and reopened to
//! append, after checking it is still the file written) and at most [`MAX_FILES`] are written a
//! run; a stream past that cap gets a `warning` event, a `skipped` export event, and the count
//! is a notice at the end.
//!
//! Audio and video bodies must be whole: the session decoder must run with
//! [`crate::rtmp::chunk::ChunkConfig::keep_media_payloads`].

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::net::SocketAddr;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::amf::AmfValue;
use crate::common::escape::EscapedDisplay;
use crate::common::hex::Hex;
use crate::common::reader::Reader;
use crate::common::{Direction, Notice, NoticeCode, WarningCode};
use crate::rtmp::message::{MessageBody, MessageTypeId};
use crate::session::event::{Event, EventKind, EventSink, ExportEvent, MessageEvent, WarningEvent};

/// FLV tag types.
const TAG_AUDIO: u8 = 8;
const TAG_VIDEO: u8 = 9;
const TAG_SCRIPT: u8 = 18;
/// Header flag bits.
const FLAG_AUDIO: u8 = 4;
const FLAG_VIDEO: u8 = 1;
/// The FLV header: "FLV", version 1, flags (fixed at the end), header size 9, then the first
/// previous-tag size, 0.
const FLV_HEADER: [u8; 13] = [
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
];
/// Where the header's flags byte is.
const FLAGS_OFFSET: u64 = 4;

/// Most FLV files open at once. Past it, the file written least recently is flushed and
/// closed, and reopened to append when its stream has more (so thousands of streams never
/// exhaust the descriptor limit). Each such closing is counted and reported at the end.
pub const MAX_OPEN_FILES: usize = 64;
/// Most FLV files one exporter writes. A stream past it is not written: a `warning` event
/// (`export_file_cap`) and a `skipped` export event say so, and a notice at the end counts
/// them. Bounds the files on disk and the exporter's memory (a few hundred bytes a file).
pub const MAX_FILES: usize = 10_000;
/// Longest file name, `.flv` and collision counter aside: a longer one is cut and ends with a
/// hash of the whole name, so names that differ only past the cut stay distinct.
const MAX_NAME: usize = 200;
/// Hex digits of the hash that ends a cut name (64 bits).
const NAME_HASH_HEX: usize = 16;
/// Names tried for one stream (`NAME.flv`, `NAME-2.flv`, …) while they exist already.
const MAX_NAME_ATTEMPTS: u32 = 1000;

/// Tag timestamps relative to a file's first tag, on a 64-bit timeline (see the module doc).
#[derive(Debug, Default, Clone, Copy)]
struct TagClock {
    /// The previous tag's RTMP timestamp and its place on the timeline (ms from the first).
    last: Option<(u32, i64)>,
}

impl TagClock {
    /// The FLV timestamp for a tag stamped `timestamp`: ms since the first tag, at least 0.
    fn relative(&mut self, timestamp: u32) -> u32 {
        let at = match self.last {
            None => 0,
            // Serial-number arithmetic: the nearest reading, forwards or backwards.
            Some((raw, at)) => at.saturating_add(i64::from(timestamp.wrapping_sub(raw) as i32)),
        };
        self.last = Some((timestamp, at));
        u32::try_from(at.max(0)).unwrap_or(u32::MAX)
    }
}

/// One FLV file being written; its handle is closed while idle past [`MAX_OPEN_FILES`].
struct FlvFile {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    /// Device and inode of the file created, checked whenever it is reopened.
    identity: (u64, u64),
    /// Bytes written, also checked on reopening (nothing else may have written to it).
    length: u64,
    clock: TagClock,
    flags: u8,
    /// Video, then audio: a decoder could start (see [`starts_decoding`]).
    ready: [bool; 2],
    /// When it was last written, in the exporter's write count (the idlest is closed first).
    last_use: u64,
    report: ExportEvent,
}

impl FlvFile {
    /// Creates `path`, which must not exist (a symbolic link is not followed).
    fn create(path: PathBuf, report: ExportEvent) -> io::Result<Self> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)?;
        let metadata = file.metadata()?;
        let mut out = BufWriter::new(file);
        out.write_all(&FLV_HEADER)?;
        Ok(FlvFile {
            path,
            out: Some(out),
            identity: (metadata.dev(), metadata.ino()),
            length: FLV_HEADER.len() as u64,
            clock: TagClock::default(),
            flags: 0,
            ready: [false; 2],
            last_use: 0,
            report,
        })
    }

    /// Reopens the file this exporter created, if the path still names it, unchanged.
    fn reopen(&self) -> io::Result<File> {
        let file = OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&self.path)?;
        let metadata = file.metadata()?;
        if (metadata.dev(), metadata.ino()) != self.identity || metadata.len() != self.length {
            return Err(io::Error::other(
                "the file was replaced or changed while rtmpscope had it closed",
            ));
        }
        Ok(file)
    }

    /// The open handle, reopened at its end if it was closed.
    fn handle(&mut self) -> io::Result<&mut BufWriter<File>> {
        if self.out.is_none() {
            let mut file = self.reopen()?;
            file.seek(SeekFrom::End(0))?;
            self.out = Some(BufWriter::new(file));
        }
        self.out
            .as_mut()
            .ok_or_else(|| io::Error::other("no handle"))
    }

    /// Flushes and closes the handle (the file stays, to be reopened).
    fn suspend(&mut self) -> io::Result<()> {
        match self.out.take() {
            Some(mut out) => out.flush(),
            None => Ok(()),
        }
    }

    /// Writes one tag with `timestamp` (absolute RTMP ms) and `body`.
    fn tag(&mut self, tag_type: u8, timestamp: u32, body: &[u8]) -> io::Result<()> {
        let relative = self.clock.relative(timestamp);
        let size = u32::try_from(body.len()).unwrap_or(u32::MAX).min(0xFF_FFFF);
        let [_, s1, s2, s3] = size.to_be_bytes();
        let [t0, t1, t2, t3] = relative.to_be_bytes();
        let body = body.get(..size as usize).unwrap_or(body);
        let out = self.handle()?;
        // Type, data size (24), timestamp (24) + extended (8), stream id (24, always 0).
        out.write_all(&[tag_type, s1, s2, s3, t1, t2, t3, t0, 0, 0, 0])?;
        out.write_all(body)?;
        out.write_all(&(size + 11).to_be_bytes())?;
        self.length += 15 + u64::from(size);
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
        let mut file = match self.out.take() {
            Some(out) => out.into_inner().map_err(io::IntoInnerError::into_error)?,
            None => self.reopen()?,
        };
        file.seek(SeekFrom::Start(FLAGS_OFFSET))?;
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
    /// Files with an open handle (at most [`MAX_OPEN_FILES`]).
    open: Vec<(u64, u32)>,
    /// Streams not written (a file that failed, or past [`MAX_FILES`]), so each is reported
    /// once; forgotten when their session ends.
    refused: BTreeSet<(u64, u32)>,
    /// Files created so far.
    created: usize,
    /// Streams not written because of [`MAX_FILES`].
    skipped: u64,
    /// Times a file was closed while idle because of [`MAX_OPEN_FILES`].
    suspended: u64,
    /// Tags written, the clock of `last_use`.
    writes: u64,
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
            open: Vec::new(),
            refused: BTreeSet::new(),
            created: 0,
            skipped: 0,
            suspended: 0,
            writes: 0,
            announce: true,
        })
    }

    /// Writes no progress lines on stderr (the `export` events still report every file).
    pub fn silent(mut self) -> Self {
        self.announce = false;
        self
    }

    /// A progress line on stderr, unless silent (escaped: it may hold a stream's name).
    fn say(&self, line: std::fmt::Arguments<'_>) {
        if self.announce {
            eprintln!("rtmpscope: {}", EscapedDisplay(line));
        }
    }

    /// Finishes every open file, reports what the caps held back, and gives back the inner
    /// sink.
    pub fn finish(mut self) -> S {
        let keys: Vec<(u64, u32)> = self.files.keys().copied().collect();
        for key in keys {
            self.close(key, None);
        }
        if self.skipped > 0 {
            self.notice(
                NoticeCode::ExportFileCap,
                format!(
                    "{} streams were not exported: the cap of {MAX_FILES} FLV files a run was reached",
                    self.skipped
                ),
            );
        }
        if self.suspended > 0 {
            self.notice(
                NoticeCode::ExportOpenFilesCap,
                format!(
                    "more than {MAX_OPEN_FILES} FLV files were being written at once: idle ones were closed and reopened to append {} times (nothing was lost)",
                    self.suspended
                ),
            );
        }
        self.inner
    }

    fn notice(&mut self, code: NoticeCode, message: String) {
        self.inner.notice(&Notice {
            frame: None,
            time: None,
            code,
            message,
        });
    }

    fn close(&mut self, key: (u64, u32), like: Option<&Event<'_>>) {
        let Some(file) = self.files.remove(&key) else {
            return;
        };
        self.open.retain(|open| *open != key);
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
                    self.emit(event, EventKind::Export(report));
                }
            }
            Err(error) => self.failure(&path, &error),
        }
    }

    fn emit(&mut self, like: &Event<'_>, kind: EventKind<'_>) {
        self.inner.event(&Event {
            kind,
            ..like.clone()
        });
    }

    fn failure(&mut self, path: &Path, error: &io::Error) {
        self.notice(
            NoticeCode::ExportFailed,
            format!("cannot write {}: {error}", path.display()),
        );
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

    /// The file for a session's message stream, created on first use and open.
    fn file(&mut self, event: &Event<'_>, msid: u32, dir: Direction) -> Option<&mut FlvFile> {
        let key = (event.session, msid);
        if self.refused.contains(&key) {
            return None;
        }
        let open = match self.files.get(&key) {
            Some(file) => file.out.is_some(),
            None => {
                self.start(event, key, dir);
                true
            }
        };
        if !open {
            self.make_room();
            let file = self.files.get_mut(&key)?;
            match file.handle() {
                Ok(_) => self.open.push(key),
                Err(error) => {
                    let path = file.path.clone();
                    self.abandon(key, &path, &error);
                    return None;
                }
            }
        }
        self.writes += 1;
        let file = self.files.get_mut(&key)?;
        file.last_use = self.writes;
        Some(file)
    }

    /// Creates the file for `key` (or reports why not).
    fn start(&mut self, event: &Event<'_>, key: (u64, u32), dir: Direction) {
        let (session, msid) = key;
        let info = self.sessions.entry(session).or_default();
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
        let mut report = ExportEvent {
            state: "started",
            path: String::new(),
            msid,
            role,
            stream,
            audio_tags: 0,
            video_tags: 0,
            script_tags: 0,
            skipped_frames: 0,
            incomplete_frames: 0,
            gaps: 0,
            duration_ms: 0,
        };
        self.refused.insert(key);
        if self.created >= MAX_FILES {
            self.skipped += 1;
            report.state = "skipped";
            self.say(format_args!(
                "not exporting session {session} stream {msid}: {MAX_FILES} FLV files written already"
            ));
            let warning = WarningEvent {
                dir: Some(dir),
                code: WarningCode::ExportFileCap,
                message: format!(
                    "message stream {msid} is not exported: the cap of {MAX_FILES} FLV files a run was reached"
                ),
            };
            self.emit(event, EventKind::Warning(warning));
            self.emit(event, EventKind::Export(report));
            return;
        }
        let name = file_name(
            session,
            event.endpoints.client,
            info.app.as_deref(),
            report.stream.as_deref(),
            msid,
            role,
        );
        self.make_room();
        let mut attempt = 1;
        let created = loop {
            let path = self.dir.join(numbered(&name, attempt));
            report.path = path.display().to_string();
            match FlvFile::create(path.clone(), report.clone()) {
                Err(error)
                    if error.kind() == io::ErrorKind::AlreadyExists
                        && attempt < MAX_NAME_ATTEMPTS =>
                {
                    attempt += 1;
                }
                result => break result.map_err(|error| (path, error)),
            }
        };
        match created {
            Ok(file) => {
                self.say(format_args!("writing {}", file.path.display()));
                self.emit(event, EventKind::Export(report));
                self.refused.remove(&key);
                self.files.insert(key, file);
                self.open.push(key);
                self.created += 1;
            }
            Err((path, error)) => self.failure(&path, &error),
        }
    }

    /// Closes the idlest open file while [`MAX_OPEN_FILES`] are open.
    fn make_room(&mut self) {
        while self.open.len() >= MAX_OPEN_FILES {
            let idlest = self
                .open
                .iter()
                .enumerate()
                .min_by_key(|(_, key)| self.files.get(key).map_or(0, |file| file.last_use))
                .map(|(index, &key)| (index, key));
            let Some((index, key)) = idlest else {
                return;
            };
            self.open.swap_remove(index);
            let Some(file) = self.files.get_mut(&key) else {
                continue;
            };
            self.suspended += 1;
            if let Err(error) = file.suspend() {
                let path = file.path.clone();
                self.abandon(key, &path, &error);
            }
        }
    }

    /// Gives up on a file after a write error (reported once; the stream is not written on).
    fn abandon(&mut self, key: (u64, u32), path: &Path, error: &io::Error) {
        self.files.remove(&key);
        self.open.retain(|open| *open != key);
        self.refused.insert(key);
        self.failure(path, error);
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
        if message.flags.missing_bytes > 0 {
            // Never a tag from bytes that were not captured.
            file.report.incomplete_frames += 1;
            return;
        }
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
                let path = file.path.clone();
                self.abandon((event.session, header.msid), &path, &error);
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
                                EscapedDisplay(file.path.display()),
                                gap.bytes,
                                gap.dir,
                                file.report.duration_ms
                            );
                        }
                    }
                }
            }
            EventKind::SessionEnd(_) => {
                let session = event.session;
                let keys: Vec<(u64, u32)> = self
                    .files
                    .keys()
                    .filter(|(s, _)| *s == session)
                    .copied()
                    .collect();
                for key in keys {
                    self.close(key, Some(event));
                }
                self.sessions.remove(&session);
                self.refused.retain(|(s, _)| *s != session);
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

/// `003-127.0.0.1_50000-live-test-msid1-publish`: session, client, app, stream (when known),
/// message stream id, role, with every character but ASCII letters, digits, `.`, `_` and `-`
/// made `_`. Past [`MAX_NAME`] characters the app and stream part is cut and ends with a hash
/// of that part before it was made safe. The session and message stream id, always whole,
/// keep the streams of one run apart whatever their names; [`numbered`] makes it a file name.
fn file_name(
    session: u64,
    client: SocketAddr,
    app: Option<&str>,
    stream: Option<&str>,
    msid: u32,
    role: &str,
) -> String {
    let safe = |text: String| -> String {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let prefix = safe(format!("{session:03}-{}_{}-", client.ip(), client.port()));
    let suffix = safe(format!("-msid{msid}-{role}"));
    let raw = match stream {
        Some(stream) => format!("{}-{stream}", app.unwrap_or("unknown")),
        None => app.unwrap_or("unknown").to_owned(),
    };
    let mut label = safe(raw.clone());
    let room = MAX_NAME.saturating_sub(prefix.len() + suffix.len());
    if label.len() > room {
        // Only ASCII is left, so any byte index is a character boundary.
        label.truncate(room.saturating_sub(NAME_HASH_HEX + 1));
        let digest = Sha256::digest(raw.as_bytes());
        let hash = digest.get(..NAME_HASH_HEX / 2).unwrap_or_default();
        label = format!("{label}-{}", Hex(hash));
    }
    format!("{prefix}{label}{suffix}")
}

/// The file name for the `attempt`th try of `name`: `NAME.flv`, then `NAME-2.flv`, ….
fn numbered(name: &str, attempt: u32) -> String {
    if attempt <= 1 {
        format!("{name}.flv")
    } else {
        format!("{name}-{attempt}.flv")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_readable() {
        let client: SocketAddr = "[::1]:5000".parse().unwrap();
        assert_eq!(
            file_name(3, client, Some("live"), Some("a/b?key=1"), 1, "publish"),
            "003-__1_5000-live-a_b_key_1-msid1-publish"
        );
        assert_eq!(
            file_name(1, "1.2.3.4:9".parse().unwrap(), None, None, 7, "play"),
            "001-1.2.3.4_9-unknown-msid7-play"
        );
        assert_eq!(numbered("x", 1), "x.flv");
        assert_eq!(numbered("x", 2), "x-2.flv");
    }

    #[test]
    fn long_names_are_cut_with_a_hash_of_the_whole_name() {
        let client: SocketAddr = "10.0.0.1:1".parse().unwrap();
        let long = "k".repeat(300);
        let names: Vec<String> = [format!("{long}a"), format!("{long}b"), format!("{long}?")]
            .iter()
            .chain([format!("{long}/")].iter())
            .map(|stream| file_name(1, client, Some("live"), Some(stream), 1, "publish"))
            .collect();
        for name in &names {
            assert_eq!(name.len(), MAX_NAME, "{name}");
            assert!(name.starts_with("001-10.0.0.1_1-live-kkk"), "{name}");
            assert!(name.ends_with("-msid1-publish"), "{name}");
        }
        let distinct: BTreeSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), names.len(), "{names:?}");
        let short = file_name(1, client, Some("live"), Some("a"), 1, "publish");
        assert_eq!(short, "001-10.0.0.1_1-live-a-msid1-publish");
    }

    #[test]
    fn tag_times_never_wrap() {
        let mut clock = TagClock::default();
        // An AAC header at 20 ms, then an AVC header stamped 0: clamped, not 2^32 - 20.
        assert_eq!(
            [20, 0, 20, 53, 40].map(|t| clock.relative(t)),
            [0, 0, 0, 33, 20]
        );
        // A 32-bit wrap of the RTMP clock goes on counting.
        let mut clock = TagClock::default();
        assert_eq!(
            [u32::MAX - 10, 5, 30].map(|t| clock.relative(t)),
            [0, 16, 41]
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
