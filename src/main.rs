//! The `rtmpscope` binary: parse the command line, build the pipeline, run it, map errors to
//! exit codes (0 success, 1 a runtime error a person can act on, 2 a usage error).

use std::io::{self, BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::{CommandFactory, Parser};

use anyhow::Context;
use rtmpscope::analysis::{HealthOptions, ReportSink};
use rtmpscope::capture::secrets::load_tls_keys;
use rtmpscope::capture::{list_interfaces, Source};
use rtmpscope::cli::Cli;
use rtmpscope::output::clickhouse::{self, ClickHouseSink};
use rtmpscope::output::filtered::Filtered;
use rtmpscope::output::flows::FlowLister;
use rtmpscope::output::json::JsonWriter;
use rtmpscope::output::line::LineOut;
use rtmpscope::output::tee::Tee;
use rtmpscope::output::text::TextWriter;
use rtmpscope::pipeline::{run, Decoding, RunOptions, RunSummary};
use rtmpscope::reassembly::Reassembler;

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
    let decoding = decoding(cli, live, cli.memory_cap())?;
    let mut fleet = start_fleet(cli, false)?;
    let out = LineOut::new(BufWriter::with_capacity(OUTPUT_BUFFER, stdout), live, stop);
    let summary = if cli.flows {
        let mut lister = FlowLister::default();
        let mut reassembler = Reassembler::new(decoding.reassembly);
        let summary = run(&mut source, &mut reassembler, &mut lister, &options);
        let mut out = io::stdout().lock();
        lister.write(&mut out)?;
        summary
    } else if cli.json {
        let writer = Filtered::new(JsonWriter::new(out), cli.filter_messages.clone());
        let (summary, writer) =
            run_reports(decoding, &mut source, &options, writer, &mut fleet, cli)?;
        writer.into_inner().finish()?;
        summary
    } else {
        let writer = Filtered::new(TextWriter::new(out), cli.filter_messages.clone());
        let (summary, writer) =
            run_reports(decoding, &mut source, &options, writer, &mut fleet, cli)?;
        writer.into_inner().finish()?;
        summary
    };
    report_live(&summary);
    finish_fleet(fleet)?;
    match (live, summary.broken) {
        // Like tcpdump: everything decoded is written, then the failure is the exit status.
        (true, Some(detail)) => Err(anyhow::anyhow!("live capture stopped: {detail}")),
        _ => Ok(()),
    }
}

/// How the capture is decoded, from the command line, within `cap_mib` MiB (a TLS key log
/// that cannot be read is an error).
fn decoding(cli: &Cli, live: bool, cap_mib: u64) -> anyhow::Result<Decoding> {
    let stats_interval = cli.stats_interval(live);
    let mut decoding = Decoding {
        redact: cli.redact,
        export: cli.export_flv.clone(),
        health: HealthOptions {
            ingest: cli.ingest.map(Into::into),
        },
        stats_interval,
        ..Decoding::within_memory(cap_mib)
    };
    decoding.decoder.forced_ports = cli.ports.clone();
    decoding.decoder.tls_keys = Arc::new(load_tls_keys(&cli.tls_keylogs, cli.read.as_deref())?);
    decoding.reassembly.network_updates = stats_interval > 0;
    Ok(decoding)
}

/// Decodes into `writer` (only the session reports with `--summary`), and into the ClickHouse
/// sink beside it when there is one.
fn run_reports<W: ReportSink>(
    decoding: Decoding,
    source: &mut Source,
    options: &RunOptions,
    writer: W,
    fleet: &mut Option<ClickHouseSink>,
    cli: &Cli,
) -> anyhow::Result<(RunSummary, W)> {
    let Some(sink) = fleet.take() else {
        return decoding.run_reports(source, options, writer, cli.summary);
    };
    let (summary, tee) =
        decoding.run_analysed(source, options, Tee::new(writer, sink, cli.summary))?;
    let (writer, sink) = tee.into_parts();
    *fleet = Some(sink);
    Ok((summary, writer))
}

/// The ClickHouse sink, when `--clickhouse` asks for one.
fn start_fleet(cli: &Cli, quiet: bool) -> anyhow::Result<Option<ClickHouseSink>> {
    let Some(url) = &cli.clickhouse else {
        return Ok(None);
    };
    let env = |name| std::env::var(name).ok();
    let url =
        clickhouse::http::ServerUrl::parse(url, env("CLICKHOUSE_USER"), env("CLICKHOUSE_PASSWORD"))
            .map_err(|e| anyhow::anyhow!(e))?;
    let sensor = cli.sensor.clone().unwrap_or_else(clickhouse::host_name);
    let spool = cli
        .spool
        .clone()
        .unwrap_or_else(clickhouse::default_spool_dir);
    let mut settings = clickhouse::Settings::new(url, sensor, spool);
    settings.spool_cap = cli.spool_cap.saturating_mul(1 << 20);
    settings.timeout = std::time::Duration::from_secs(cli.clickhouse_timeout.max(1));
    settings.quiet = quiet;
    let sink = ClickHouseSink::start(settings.clone())
        .with_context(|| format!("cannot use the spool {}", settings.spool_dir.display()))?;
    Ok(Some(sink))
}

/// Sends or spools the ClickHouse rows; an error when some were lost.
fn finish_fleet(fleet: Option<ClickHouseSink>) -> anyhow::Result<()> {
    let Some(fleet) = fleet else {
        return Ok(());
    };
    report_fleet(&fleet.finish())
}

/// Says what became of the ClickHouse rows; an error when some were lost.
fn report_fleet(outcome: &clickhouse::Outcome) -> anyhow::Result<()> {
    eprintln!("rtmpscope: {outcome}");
    if outcome.dropped_rows > 0 {
        anyhow::bail!(
            "clickhouse: {} rows could be neither stored nor spooled",
            outcome.dropped_rows
        );
    }
    Ok(())
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
    let fleet = start_fleet(cli, true)?;
    let status = fleet.as_ref().map(ClickHouseSink::status);
    let memory = rtmpscope::tui::model::TuiMemory::of(cli.memory_cap());
    rtmpscope::tui::run(
        source,
        rtmpscope::tui::TuiOptions {
            file: cli.read.clone().filter(|path| path.as_os_str() != "-"),
            source_name,
            decoding: decoding(cli, cli.interface.is_some(), memory.decoding_mib)?,
            count: cli.count,
            stop,
            also: fleet.map(|sink| Box::new(sink) as Box<dyn ReportSink + Send>),
            filter: cli.filter_messages.clone(),
            memory,
        },
    )?;
    // The UI is gone: the sink's outcome can be said now.
    status.map_or(Ok(()), |status| report_fleet(&status.outcome()))
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
