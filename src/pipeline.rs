//! The pipeline: the packet loop (source → link/IP/TCP → reassembly → a [`StreamSink`]), and
//! the decoding chain every front end runs behind it ([`Decoding`]): reassembly → session
//! table → redaction → [one session only] → [FLV export] → the front end's sink (the CLI's
//! writers, behind the analyzer for `--summary`; the TUI's feed; the TUI's exporter).
//!
//! The loop allocates nothing per packet. It stops at the end of the input, after `-c` packets,
//! or when the stop flag is raised (Ctrl-C, a closed output); in every case it then flushes the
//! reassembler, so everything decoded so far reaches the sink.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::analysis::{Analyzer, HealthOptions, ReportSink};
use crate::capture::readahead::{self, ReadAhead};
use crate::capture::{Frame, LiveStats, Next, Source};
use crate::common::budget::MemoryBudget;
use crate::common::{Notice, NoticeCode, PacketMeta, Timestamp};
use crate::net::{Decoded, LinkType};
use crate::output::flv::FlvExporter;
use crate::reassembly::{Reassembler, ReassemblyConfig, StreamSink};
use crate::redact::Redactor;
use crate::session::event::{Event, EventSink};
use crate::session::table::{DecoderConfig, SessionTable};

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

/// How `--memory-cap` is shared: 3/8 for bytes held by TCP reassembly, 3/8 for the decoders'
/// buffers and the analysis's streams (one budget), 1/4 for what every open connection costs
/// whatever it carries (see [`BYTES_PER_FLOW`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemorySplit {
    /// Bytes TCP reassembly may hold.
    pub reassembly: usize,
    /// Bytes the decoders may buffer and the analysis may hold.
    pub decoders: usize,
    /// Flows tracked at once.
    pub flows: usize,
}

/// Memory one open connection costs: its reassembly flow, its session (decoder state, chunk
/// stream table, handshake) and, with `--summary`, its session analysis, hash-table slack
/// included. Measured at 5.4 KiB a session (2000 and 8000 open RTMP sessions with --summary:
/// 20.4 and 53.0 MiB peak RSS), 2.8 KiB without the analysis; rounded up.
pub const BYTES_PER_FLOW: usize = 6 << 10;

impl MemorySplit {
    /// The split of `cap_mib` MiB.
    pub fn of(cap_mib: u64) -> Self {
        let cap = usize::try_from(cap_mib << 20).unwrap_or(usize::MAX);
        MemorySplit {
            reassembly: cap / 8 * 3,
            decoders: cap / 8 * 3,
            flows: cap / 4 / BYTES_PER_FLOW,
        }
    }
}

/// How a capture is decoded: the settings of every stage of the decoding chain, and which
/// optional stages it has. [`Decoding::run`] builds the chain and runs a source through it.
#[derive(Debug, Clone, Default)]
pub struct Decoding {
    /// Reassembly bounds.
    pub reassembly: ReassemblyConfig,
    /// Decoder settings.
    pub decoder: DecoderConfig,
    /// Mask keys and tokens (`--redact`).
    pub redact: bool,
    /// Write every media stream as FLV here as it is decoded (`--export-flv`).
    pub export: Option<PathBuf>,
    /// No progress lines from the FLV export on stderr (the TUI owns the terminal); its
    /// `export` events still report every file.
    pub quiet: bool,
    /// Only this session's events reach the FLV export and the sink.
    pub session: Option<u64>,
    /// How sessions are judged (`--ingest`).
    pub health: HealthOptions,
    /// Live statistics every this many seconds (`--stats-interval`; 0: off).
    pub stats_interval: u64,
}

impl Decoding {
    /// Decoding within `cap_mib` MiB of buffers and flow state (`--memory-cap`, shared as
    /// [`MemorySplit`] says); every other setting at its default.
    pub fn within_memory(cap_mib: u64) -> Self {
        let memory = MemorySplit::of(cap_mib);
        Decoding {
            reassembly: ReassemblyConfig {
                memcap: memory.reassembly,
                max_flows: memory.flows,
                ..ReassemblyConfig::default()
            },
            decoder: DecoderConfig {
                memory_budget: memory.decoders,
                ..DecoderConfig::default()
            },
            ..Decoding::default()
        }
    }

    /// The chain ending in `sink`. Fails only when the FLV export directory cannot be created.
    pub fn chain<S: EventSink>(self, sink: S) -> anyhow::Result<Chain<S>> {
        let budget = MemoryBudget::new(self.decoder.memory_budget);
        self.chain_within(sink, budget)
    }

    /// The chain ending in `sink`, its decoders charging `budget` (which `sink` may share).
    fn chain_within<S: EventSink>(self, sink: S, budget: MemoryBudget) -> anyhow::Result<Chain<S>> {
        let mut decoder = self.decoder;
        let out = match &self.export {
            Some(dir) => {
                // FLV export needs whole audio/video bodies, not just their headers.
                decoder.session.chunk.keep_media_payloads = true;
                let exporter = FlvExporter::new(dir, sink)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                Out::Flv(if self.quiet {
                    exporter.silent()
                } else {
                    exporter
                })
            }
            None => Out::Sink(sink),
        };
        let tail = Tail {
            session: self.session,
            out,
        };
        Ok(Chain {
            reassembler: Reassembler::new(self.reassembly),
            table: SessionTable::with_budget(decoder, budget, Redactor::new(tail, self.redact)),
        })
    }

    /// Runs `source` through the chain into `sink`; returns what the loop saw and the sink.
    pub fn run<S: EventSink>(
        self,
        source: &mut Source,
        options: &RunOptions,
        sink: S,
    ) -> anyhow::Result<(RunSummary, S)> {
        let mut chain = self.chain(sink)?;
        let summary = chain.run(source, options);
        Ok((summary, chain.finish()))
    }

    /// Runs `source` into a writer of session reports: with `summary` only the reports (and
    /// capture notices) reach it, through an [`Analyzer`] (`--summary`); else every event (and,
    /// with live statistics, the analyzer's `stream_stats` and finding lines).
    pub fn run_reports<W: ReportSink>(
        self,
        source: &mut Source,
        options: &RunOptions,
        writer: W,
        summary: bool,
    ) -> anyhow::Result<(RunSummary, W)> {
        if summary || self.stats_interval > 0 {
            self.run_through_analyzer(source, options, writer, !summary, summary)
        } else {
            self.run(source, options, writer)
        }
    }

    /// Runs `source` into `writer` through an [`Analyzer`] that passes every event on and
    /// every session report too (a sink that stores both, such as the ClickHouse one).
    pub fn run_analysed<W: ReportSink>(
        self,
        source: &mut Source,
        options: &RunOptions,
        writer: W,
    ) -> anyhow::Result<(RunSummary, W)> {
        self.run_through_analyzer(source, options, writer, true, true)
    }

    /// Runs `source` into `writer` through an [`Analyzer`] forwarding events (`forward_all`)
    /// and session reports (`reports`), its streams charged to the decoders' budget so
    /// `--memory-cap` covers both.
    fn run_through_analyzer<W: ReportSink>(
        self,
        source: &mut Source,
        options: &RunOptions,
        writer: W,
        forward_all: bool,
        reports: bool,
    ) -> anyhow::Result<(RunSummary, W)> {
        let budget = MemoryBudget::new(self.decoder.memory_budget);
        let analyzer = Analyzer::with_budget(writer, forward_all, budget.clone())
            .with_health(self.health)
            .with_live_stats(self.stats_interval)
            .with_reports(reports);
        let mut chain = self.chain_within(analyzer, budget)?;
        let run = chain.run(source, options);
        Ok((run, chain.finish().into_inner()))
    }
}

/// A built decoding chain: the reassembler, and the session table whose events go through
/// redaction and the optional stages to the sink.
pub struct Chain<S: EventSink> {
    reassembler: Reassembler,
    table: SessionTable<Redactor<Tail<S>>>,
}

impl<S: EventSink> Chain<S> {
    /// Runs `source` through the chain until the input ends or the loop is stopped.
    pub fn run(&mut self, source: &mut Source, options: &RunOptions) -> RunSummary {
        run(source, &mut self.reassembler, &mut self.table, options)
    }

    /// Finishes the FLV files being written and gives back the sink.
    pub fn finish(self) -> S {
        let tail = self.table.into_sink().into_inner();
        match tail.out {
            Out::Sink(sink) => sink,
            Out::Flv(exporter) => exporter.finish(),
        }
    }
}

/// What follows redaction: the session filter, then the sink, behind the FLV exporter when
/// asked.
struct Tail<S> {
    session: Option<u64>,
    out: Out<S>,
}

/// The sink, or the FLV exporter in front of it.
enum Out<S> {
    Sink(S),
    Flv(FlvExporter<S>),
}

impl<S: EventSink> EventSink for Tail<S> {
    fn event(&mut self, event: &Event<'_>) {
        if self.session.is_some_and(|only| only != event.session) {
            return;
        }
        match &mut self.out {
            Out::Sink(sink) => sink.event(event),
            Out::Flv(exporter) => exporter.event(event),
        }
    }

    fn notice(&mut self, notice: &Notice) {
        match &mut self.out {
            Out::Sink(sink) => sink.notice(notice),
            Out::Flv(exporter) => exporter.notice(notice),
        }
    }

    fn tick(&mut self, now: Timestamp) {
        match &mut self.out {
            Out::Sink(sink) => sink.tick(now),
            Out::Flv(exporter) => exporter.tick(now),
        }
    }
}

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
    /// Packets the capture's snap length cut short (their tails were not captured).
    pub truncated: u64,
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
        if frame.wire_len as usize > frame.captured {
            summary.truncated += 1;
            if summary.truncated == 1 {
                notice_frame(
                    sink,
                    &last,
                    NoticeCode::SnapLengthTruncated,
                    format!(
                        "the capture's snap length ({} bytes) cuts packets short (this one had {} on the wire): the bytes past it are missing from every longer packet (gaps of reason truncated); handshakes and messages are decoded as far as the captured bytes go",
                        frame.captured, frame.wire_len
                    ),
                );
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_cap_is_shared_out() {
        let split = MemorySplit::of(256);
        assert_eq!(split.reassembly, 96 << 20);
        assert_eq!(split.decoders, 96 << 20);
        assert_eq!(split.flows, (64 << 20) / (6 << 10));
        let decoding = Decoding::within_memory(256);
        assert_eq!(decoding.reassembly.memcap, split.reassembly);
        assert_eq!(decoding.reassembly.max_flows, split.flows);
        assert_eq!(decoding.decoder.memory_budget, split.decoders);
        assert!(!decoding.decoder.session.chunk.keep_media_payloads);
    }
}
