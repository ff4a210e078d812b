//! The `rtmpscope` binary: parse the command line, build the pipeline, run it, map errors to
//! exit codes (0 success, 1 a runtime error a person can act on, 2 a usage error).

use std::io::{self, BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use std::path::Path;

use anyhow::Context;
use clap::{CommandFactory, Parser};

use rtmpscope::analysis::{Analyzer, ReportSink};
use rtmpscope::capture::secrets::load_tls_keys;
use rtmpscope::capture::{list_interfaces, Source};
use rtmpscope::cli::Cli;
use rtmpscope::output::flows::FlowLister;
use rtmpscope::output::flv::FlvExporter;
use rtmpscope::output::json::JsonWriter;
use rtmpscope::output::line::LineOut;
use rtmpscope::output::text::TextWriter;
use rtmpscope::pipeline::{run, RunOptions, RunSummary};
use rtmpscope::reassembly::{Reassembler, ReassemblyConfig};
use rtmpscope::redact::Redactor;
use rtmpscope::session::event::EventSink;
use rtmpscope::session::table::{DecoderConfig, SessionTable};

/// Output buffer size for files; live output is flushed per line instead.
const OUTPUT_BUFFER: usize = 1 << 16;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("rtmpscope: {error:#}");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

fn execute(cli: &Cli) -> anyhow::Result<()> {
    let mut stdout = io::stdout().lock();
    if let Some(shell) = cli.completions {
        let shell: clap_complete::Shell = shell.into();
        clap_complete::generate(shell, &mut Cli::command(), "rtmpscope", &mut stdout);
        return Ok(());
    }
    if cli.man {
        clap_mangen::Man::new(Cli::command()).render(&mut stdout)?;
        return Ok(());
    }
    if cli.list_interfaces {
        for line in list_interfaces()? {
            writeln!(stdout, "{line}")?;
        }
        return Ok(());
    }
    let mut source = open_source(cli)?;
    let live = source.is_live();
    if cli.tui {
        return run_tui(cli, source);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let handler_flag = Arc::clone(&stop);
    // Ctrl-C stops the loop; the pipeline then flushes everything, as tcpdump does.
    ctrlc::set_handler(move || handler_flag.store(true, Ordering::Relaxed))?;
    let options = RunOptions {
        count: cli.count,
        stop: Arc::clone(&stop),
        progress: io::stderr().is_terminal(),
        counters: None,
    };
    let mut reassembler = Reassembler::new(reassembly_config(cli));
    let out = LineOut::new(BufWriter::with_capacity(OUTPUT_BUFFER, stdout), live, stop);
    let config = decoder_config(cli)?;
    let mut decode = Decode {
        source: &mut source,
        reassembler: &mut reassembler,
        options: &options,
        config,
        export: cli.export_flv.as_deref(),
        redact: cli.redact,
    };
    let summary = if cli.flows {
        let mut lister = FlowLister::default();
        let summary = run(
            decode.source,
            decode.reassembler,
            &mut lister,
            decode.options,
        );
        let mut out = io::stdout().lock();
        lister.write(&mut out)?;
        summary
    } else if cli.json {
        let (summary, writer) = decode.run_reporting(JsonWriter::new(out), cli.summary)?;
        writer.finish()?;
        summary
    } else {
        let (summary, writer) = decode.run_reporting(TextWriter::new(out), cli.summary)?;
        writer.finish()?;
        summary
    };
    report_live(&summary);
    match (live, summary.broken) {
        // Like tcpdump: everything decoded is written, then the failure is the exit status.
        (true, Some(detail)) => Err(anyhow::anyhow!("live capture stopped: {detail}")),
        _ => Ok(()),
    }
}

/// How `--memory-cap` is shared: 3/8 for bytes held by TCP reassembly, 3/8 for the decoders'
/// buffers, 1/4 for flow bookkeeping (measured at about 1 KiB a flow, hash-table slack
/// included, with both the reassembler's and the session table's entries).
struct MemorySplit {
    reassembly: usize,
    decoders: usize,
    flows: usize,
}

/// Memory one tracked flow costs, as measured with a flood of SYNs.
const BYTES_PER_FLOW: usize = 1 << 10;

impl MemorySplit {
    fn of(cap_mib: u64) -> Self {
        let cap = usize::try_from(cap_mib << 20).unwrap_or(usize::MAX);
        MemorySplit {
            reassembly: cap / 8 * 3,
            decoders: cap / 8 * 3,
            flows: cap / 4 / BYTES_PER_FLOW,
        }
    }
}

/// One RTMP decoding run: the source, the pipeline's parts, and where output goes.
struct Decode<'a> {
    source: &'a mut Source,
    reassembler: &'a mut Reassembler,
    options: &'a RunOptions,
    config: DecoderConfig,
    export: Option<&'a Path>,
    redact: bool,
}

impl Decode<'_> {
    /// Decodes into `sink`, or with `summary` only the per-session reports into it.
    fn run_reporting<S: ReportSink>(
        &mut self,
        sink: S,
        summary: bool,
    ) -> anyhow::Result<(RunSummary, S)> {
        if summary {
            let (run_summary, analyzer) = self.run(Analyzer::new(sink, false))?;
            Ok((run_summary, analyzer.into_inner()))
        } else {
            self.run(sink)
        }
    }

    /// Decodes into `sink` (through the FLV exporter when asked), returning the sink.
    fn run<S: EventSink>(&mut self, sink: S) -> anyhow::Result<(RunSummary, S)> {
        match self.export {
            Some(dir) => {
                let exporter = FlvExporter::new(dir, sink)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                let redactor = Redactor::new(exporter, self.redact);
                let mut table = SessionTable::new(self.config.clone(), redactor);
                let summary = run(self.source, self.reassembler, &mut table, self.options);
                Ok((summary, table.into_sink().into_inner().finish()))
            }
            None => {
                let mut table =
                    SessionTable::new(self.config.clone(), Redactor::new(sink, self.redact));
                let summary = run(self.source, self.reassembler, &mut table, self.options);
                Ok((summary, table.into_sink().into_inner()))
            }
        }
    }
}

/// The reassembler's bounds, from `--memory-cap`.
fn reassembly_config(cli: &Cli) -> ReassemblyConfig {
    let memory = MemorySplit::of(cli.memory_cap);
    ReassemblyConfig {
        memcap: memory.reassembly,
        max_flows: memory.flows,
        ..ReassemblyConfig::default()
    }
}

/// The decoders' settings, from the command line (a TLS key log that cannot be read is an
/// error).
fn decoder_config(cli: &Cli) -> anyhow::Result<DecoderConfig> {
    let mut config = DecoderConfig {
        forced_ports: cli.ports.clone(),
        memory_budget: MemorySplit::of(cli.memory_cap).decoders,
        tls_keys: Arc::new(load_tls_keys(&cli.tls_keylogs, cli.read.as_deref())?),
        ..DecoderConfig::default()
    };
    // FLV export needs whole audio/video bodies, not just their headers (the TUI decides
    // for itself, as its `e` key may export without --export-flv).
    config.session.chunk.keep_media_payloads = cli.export_flv.is_some();
    Ok(config)
}

/// The interactive UI, when it was built in.
#[cfg(feature = "tui")]
fn run_tui(cli: &Cli, source: Source) -> anyhow::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let handler_flag = Arc::clone(&stop);
    ctrlc::set_handler(move || handler_flag.store(true, Ordering::Relaxed))?;
    let source_name = match (&cli.read, &cli.interface) {
        (Some(path), _) => path.display().to_string(),
        (None, Some(interface)) => format!("live on {interface}"),
        (None, None) => String::new(),
    };
    rtmpscope::tui::run(
        source,
        rtmpscope::tui::TuiOptions {
            file: cli.read.clone().filter(|path| path.as_os_str() != "-"),
            source_name,
            decoding: rtmpscope::tui::feed::Decoding {
                reassembly: reassembly_config(cli),
                decoder: decoder_config(cli)?,
                redact: cli.redact,
                export: cli.export_flv.clone(),
            },
            count: cli.count,
            stop,
        },
    )
}

/// Without the `tui` feature, `--tui` explains itself.
#[cfg(not(feature = "tui"))]
fn run_tui(_cli: &Cli, _source: Source) -> anyhow::Result<()> {
    anyhow::bail!("this rtmpscope was built without the TUI (cargo feature \"tui\")")
}

/// Opens the file or interface named on the command line.
fn open_source(cli: &Cli) -> anyhow::Result<Source> {
    if let Some(path) = &cli.read {
        return Ok(Source::open_file(path, cli.filter.as_deref())?);
    }
    if let Some(interface) = &cli.interface {
        let filter = cli.filter.as_deref().unwrap_or("tcp");
        return Ok(Source::open_live(interface, filter, cli.snaplen)?);
    }
    Cli::command()
        .error(
            clap::error::ErrorKind::MissingRequiredArgument,
            "give a capture file with -r FILE or an interface with -i IFACE (-D lists them)",
        )
        .exit()
}

/// tcpdump's closing counters, for live capture.
fn report_live(summary: &RunSummary) {
    if let Some(live) = summary.live {
        eprintln!(
            "{} packets captured\n{} packets received by filter\n{} packets dropped by kernel",
            summary.packets, live.received, live.dropped
        );
        if live.if_dropped > 0 {
            eprintln!("{} packets dropped by interface", live.if_dropped);
        }
    }
}
