//! The packet loop: source → link/IP/TCP → reassembly → a [`StreamSink`].
//!
//! The loop allocates nothing per packet. It stops at the end of the input, after `-c` packets,
//! or when the stop flag is raised (Ctrl-C, a closed output); in every case it then flushes the
//! reassembler, so everything decoded so far reaches the sink.

use crate::common::NoticeCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::capture::readahead::{self, ReadAhead};
use crate::capture::{Frame, LiveStats, Next, Source};
use crate::common::{Notice, PacketMeta, Timestamp};
use crate::net::{Decoded, LinkType};
use crate::reassembly::{Reassembler, StreamSink};

/// Files larger than this get a progress bar (when stderr is a terminal).
const PROGRESS_MIN_BYTES: u64 = 32 << 20;
/// Per-packet record overhead assumed for progress (pcap's record header).
const RECORD_OVERHEAD: u64 = 16;
/// Malformed frames reported one by one before they are only counted.
const MAX_MALFORMED_NOTICES: u64 = 20;
/// How often kernel drop counters are read for a watcher (when the source is idle).
const DROPS_REFRESH: Duration = Duration::from_secs(1);
/// How long the loop sleeps when a live source has nothing ready.
const IDLE_SLEEP: Duration = Duration::from_millis(1);
/// While a live source is quiet, the sink is told how far capture time has moved this often
/// (live statistics and stalls need a clock when no packet comes).
const TICK: Duration = Duration::from_millis(100);

/// Counters another thread can watch while the loop runs (the TUI's status bar).
#[derive(Debug, Default)]
pub struct PacketCounters {
    /// Packets read.
    pub packets: AtomicU64,
    /// Bytes captured.
    pub bytes: AtomicU64,
    /// Packets the kernel dropped (live capture; refreshed about once a second).
    pub drops: AtomicU64,
}

/// How the loop runs.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Stop after this many packets.
    pub count: Option<u64>,
    /// Raised to stop early (Ctrl-C, output closed).
    pub stop: Arc<AtomicBool>,
    /// Show a progress bar for large files.
    pub progress: bool,
    /// Counters to keep up to date for a watcher.
    pub counters: Option<Arc<PacketCounters>>,
}

/// What the loop saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Packets read.
    pub packets: u64,
    /// Bytes captured.
    pub bytes: u64,
    /// TCP segments decoded.
    pub tcp_segments: u64,
    /// Frames that were not TCP over IP.
    pub not_tcp: u64,
    /// IP fragments (not reassembled).
    pub fragments: u64,
    /// Frames too short or inconsistent for their headers.
    pub malformed: u64,
    /// The loop stopped on the stop flag.
    pub interrupted: bool,
    /// The source failed before its end: a file cut short, or a live interface gone; why.
    pub broken: Option<String>,
    /// The link type is not supported, so no packet was decoded.
    pub unsupported_link: bool,
    /// libpcap's counters, for live capture.
    pub live: Option<LiveStats>,
}

/// Where the loop takes packets from.
enum Input<'s> {
    /// The source itself (live capture, standard input): packets as they come, their headers
    /// read by the loop.
    Direct(&'s mut Source, LinkType),
    /// A file read ahead on another thread, which also reads the headers.
    ReadAhead(ReadAhead),
}

impl Input<'_> {
    fn next_frame(&mut self) -> Next<Frame<'_>> {
        match self {
            Input::Direct(source, link) => source.next_packet().map(|packet| packet.frame(*link)),
            Input::ReadAhead(reader) => reader.next_frame(),
        }
    }
}

/// Runs `source` through `reassembler` into `sink` until the input ends or the loop is stopped.
/// A regular file is read on a second thread while it is decoded.
pub fn run(
    source: &mut Source,
    reassembler: &mut Reassembler,
    sink: &mut impl StreamSink,
    options: &RunOptions,
) -> RunSummary {
    let mut summary = if source.file_size().is_some() {
        let link = source.link_type();
        let progress = progress_bar(source, options);
        std::thread::scope(|scope| {
            let input = Input::ReadAhead(readahead::spawn(scope, source, link));
            run_loop(input, link, false, progress, reassembler, sink, options)
        })
    } else {
        let link = source.link_type();
        let progress = progress_bar(source, options);
        let live = source.is_live();
        run_loop(
            Input::Direct(source, link),
            link,
            live,
            progress,
            reassembler,
            sink,
            options,
        )
    };
    summary.live = source.live_stats();
    summary
}

/// The packet loop proper.
fn run_loop(
    mut input: Input<'_>,
    link: LinkType,
    live: bool,
    progress: Option<ProgressBar>,
    reassembler: &mut Reassembler,
    sink: &mut impl StreamSink,
    options: &RunOptions,
) -> RunSummary {
    let mut summary = RunSummary::default();
    if !link.is_supported() {
        sink.notice(&Notice {
            frame: None,
            time: None,
            code: NoticeCode::UnsupportedLinkType,
            message: format!(
                "link type {} ({}) is not supported; skipping this capture",
                link.0,
                link.name()
            ),
        });
        summary.unsupported_link = true;
        return summary;
    }
    let mut last = PacketMeta::default();
    let mut last_drops_check = Instant::now();
    // Live only: when the latest packet was read and when the sink was last ticked.
    let mut last_packet_read = Instant::now();
    let mut last_tick = Instant::now();
    loop {
        if options.stop.load(Ordering::Relaxed) {
            summary.interrupted = true;
            break;
        }
        if options.count.is_some_and(|count| summary.packets >= count) {
            break;
        }
        if let Input::Direct(source, _) = &mut input {
            refresh_drops(source, options, &mut last_drops_check);
        }
        let frame = match input.next_frame() {
            Next::Packet(frame) => frame,
            Next::Idle => {
                if live && summary.packets > 0 && last_tick.elapsed() >= TICK {
                    last_tick = Instant::now();
                    let quiet = i64::try_from(last_packet_read.elapsed().as_micros());
                    let now = Timestamp(last.time.0.saturating_add(quiet.unwrap_or(i64::MAX)));
                    sink.tick(now);
                }
                std::thread::sleep(IDLE_SLEEP);
                continue;
            }
            Next::End => break,
            Next::Broken(detail) => {
                let (code, what) = if live {
                    (NoticeCode::CaptureStopped, "live capture stopped")
                } else {
                    (NoticeCode::CaptureFileTruncated, "the capture breaks off")
                };
                sink.notice(&Notice {
                    frame: Some(summary.packets),
                    time: Some(last.time),
                    code,
                    message: format!("{what} after frame {}: {detail}", summary.packets),
                });
                summary.broken = Some(detail);
                break;
            }
        };
        summary.packets += 1;
        summary.bytes += frame.captured as u64;
        if live {
            last_packet_read = Instant::now();
        }
        last = PacketMeta {
            frame: summary.packets,
            time: frame.time,
        };
        if let Some(bar) = &progress {
            bar.inc(frame.captured as u64 + RECORD_OVERHEAD);
        }
        if let Some(counters) = &options.counters {
            counters.packets.store(summary.packets, Ordering::Relaxed);
            counters.bytes.store(summary.bytes, Ordering::Relaxed);
        }
        match frame.decoded {
            Decoded::Tcp(segment) => {
                summary.tcp_segments += 1;
                reassembler.process(&last, &segment, sink);
            }
            Decoded::NotTcp => summary.not_tcp += 1,
            Decoded::Fragment => {
                summary.fragments += 1;
                if summary.fragments == 1 {
                    notice_frame(
                        sink,
                        &last,
                        NoticeCode::IpFragment,
                        "IP fragments are not reassembled; TCP data inside them is not seen".into(),
                    );
                }
            }
            Decoded::Malformed(reason) => {
                summary.malformed += 1;
                if summary.malformed <= MAX_MALFORMED_NOTICES {
                    notice_frame(
                        sink,
                        &last,
                        NoticeCode::MalformedFrame,
                        format!("{reason} ({} bytes captured)", frame.captured),
                    );
                }
            }
        }
    }
    if summary.malformed > MAX_MALFORMED_NOTICES {
        notice_frame(
            sink,
            &last,
            NoticeCode::MalformedFrame,
            format!(
                "{} malformed frames in all; only the first {MAX_MALFORMED_NOTICES} were reported",
                summary.malformed
            ),
        );
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    reassembler.finish(&last, sink);
    summary
}

/// Reads the kernel's drop counter for a watcher, at most about once a second.
fn refresh_drops(source: &mut Source, options: &RunOptions, last_check: &mut Instant) {
    let Some(counters) = &options.counters else {
        return;
    };
    if last_check.elapsed() >= DROPS_REFRESH {
        *last_check = Instant::now();
        let drops = source.live_stats().map_or(0, |s| u64::from(s.dropped));
        counters.drops.store(drops, Ordering::Relaxed);
    }
}

fn notice_frame(sink: &mut impl StreamSink, meta: &PacketMeta, code: NoticeCode, message: String) {
    sink.notice(&Notice {
        frame: Some(meta.frame),
        time: Some(meta.time),
        code,
        message,
    });
}

/// A progress bar on stderr for a large file, when asked for.
fn progress_bar(source: &Source, options: &RunOptions) -> Option<ProgressBar> {
    let size = source
        .file_size()
        .filter(|&size| size >= PROGRESS_MIN_BYTES)?;
    if !options.progress {
        return None;
    }
    let bar = ProgressBar::new(size);
    let style =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}
