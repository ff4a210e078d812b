//! The command line, defined once with clap: parsing, `--help`, completions and the man page.

use std::path::PathBuf;

use clap::{ArgGroup, Parser, ValueEnum};

use crate::filter::Filter;

const EXAMPLES: &str = "\
Examples:
  rtmpscope -r capture.pcapng                    one readable line per RTMP message
  rtmpscope -r capture.pcap --json | jq .        one JSON object per event
  rtmpscope -r capture.pcap --summary           a report per session: codecs, bitrates, health
  rtmpscope -r capture.pcap --tui               explore it interactively (? lists the keys)
  rtmpscope -r capture.pcap --port 8935          also decode server port 8935 as RTMP
  tcpdump -i eth0 -w - 'tcp port 1935' | rtmpscope -r -
  sudo rtmpscope -i lo -f 'tcp port 1935' --json live capture, line-buffered JSON
  rtmpscope -r capture.pcap --export-flv out/    also write each media stream as FLV
  rtmpscope -r rtmps.pcap --tls-keylog keys.txt  decrypt RTMPS with the client's SSLKEYLOGFILE
  rtmpscope -r capture.pcap --filter-messages 'command == publish or amf.encoder'
                                                 only the events a display filter matches
  rtmpscope -r capture.pcap --flows              list the TCP connections only
  sudo rtmpscope -i eth0 --clickhouse http://db:8123/ --summary   a fleet's sensor";

/// Watches RTMP traffic and explains it.
#[derive(Debug, Parser)]
#[command(name = "rtmpscope", version, about, after_help = EXAMPLES)]
#[command(group(ArgGroup::new("source").args(["read", "interface"])))]
pub struct Cli {
    /// Read packets from a pcap or pcapng file ('-' for standard input).
    #[arg(short = 'r', long = "read", value_name = "FILE")]
    pub read: Option<PathBuf>,

    /// Capture live on this interface (needs root or CAP_NET_RAW + CAP_NET_ADMIN).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: Option<String>,

    /// BPF capture filter (live default: "tcp"; applied to files too, as tcpdump -r does).
    #[arg(short = 'f', long = "filter", value_name = "BPF")]
    pub filter: Option<String>,

    /// Live snap length in bytes.
    #[arg(
        short = 's',
        long = "snaplen",
        value_name = "BYTES",
        default_value_t = 262_144
    )]
    pub snaplen: i32,

    /// Stop after this many packets.
    #[arg(short = 'c', long = "count", value_name = "N")]
    pub count: Option<u64>,

    /// List the interfaces live capture can use, and exit.
    #[arg(short = 'D', long = "list-interfaces")]
    pub list_interfaces: bool,

    /// Write one JSON object per event (NDJSON) instead of readable lines.
    #[arg(long, conflicts_with = "flows")]
    pub json: bool,

    /// Explore sessions and messages in an interactive terminal UI (on a file or live).
    #[arg(long, conflicts_with_all = ["json", "flows", "summary"])]
    pub tui: bool,

    /// Print a report per session when it ends (who, what, codecs, bitrates, health) instead of
    /// one line per message; with --json, one session_summary object per session.
    #[arg(long, conflicts_with = "flows")]
    pub summary: bool,

    /// List TCP connections (bytes, gaps, how they ended) instead of decoding RTMP.
    #[arg(long)]
    pub flows: bool,

    /// Write every published or played media stream to an FLV file in this directory.
    #[arg(long = "export-flv", value_name = "DIR", conflicts_with = "flows")]
    pub export_flv: Option<PathBuf>,

    /// Mask stream keys and tokens (stream names, tcUrl query values and passwords) in every
    /// output: text, JSON, summaries, FLV file names.
    #[arg(long)]
    pub redact: bool,

    /// Most memory, in MiB (default 256; 1024 with --tui, whose history of messages and
    /// sessions is what it is for): 3/8 for bytes held by TCP reassembly, 3/8 for the decoders'
    /// partial messages and searches, 1/4 for tracked flows (about 6 KiB each). With --tui, the
    /// history takes 5/8 first (messages half the cap, sessions an eighth) and the rest is
    /// shared out so. Past a share, data (or the least recently active flow, or the oldest
    /// messages and sessions) is dropped with a warning.
    #[arg(
        long = "memory-cap",
        value_name = "MIB",
        value_parser = clap::value_parser!(u64).range(8..=1 << 20)
    )]
    pub memory_cap: Option<u64>,

    /// Decode connections to this server port as RTMP whatever they start with (repeatable).
    #[arg(long = "port", value_name = "PORT")]
    pub ports: Vec<u16>,

    /// Live (-i): a stream_stats line per active stream every SECS seconds, and stalls as they
    /// happen (default 5 with --summary or --json, else 0 = off).
    #[arg(long = "stats-interval", value_name = "SECS")]
    pub stats_interval: Option<u64>,

    /// Check publishes against an ingest service's published recommendations (keyframe
    /// interval, codecs, sample rates, bitrate ceilings).
    #[arg(long, value_name = "SERVICE")]
    pub ingest: Option<IngestService>,

    /// Also store every event and session report in ClickHouse, through its HTTP interface:
    /// http://[USER[:PASSWORD]@]HOST[:PORT][/DATABASE] (user and password otherwise from
    /// CLICKHOUSE_USER and CLICKHOUSE_PASSWORD; database rtmpscope unless named). Creates the
    /// database and tables when missing; batches wait in a disk spool while the server is away.
    #[arg(long, value_name = "URL", conflicts_with = "flows")]
    pub clickhouse: Option<String>,

    /// This capture point's name on every ClickHouse row (default: the host name).
    #[arg(long, value_name = "NAME", requires = "clickhouse")]
    pub sensor: Option<String>,

    /// Where ClickHouse batches wait while the server cannot take them (default:
    /// ~/.local/state/rtmpscope/spool); sent when it answers again, also by a later run.
    #[arg(long, value_name = "DIR", requires = "clickhouse")]
    pub spool: Option<PathBuf>,

    /// Most MiB the spool holds; past it the oldest batches are dropped, with a warning.
    #[arg(
        long = "spool-cap",
        value_name = "MIB",
        default_value_t = 1024,
        requires = "clickhouse"
    )]
    pub spool_cap: u64,

    /// Seconds each request to ClickHouse (connect, send, answer) may take before the batch
    /// is spooled and tried again.
    #[arg(
        long = "clickhouse-timeout",
        value_name = "SECS",
        default_value_t = 30,
        requires = "clickhouse"
    )]
    pub clickhouse_timeout: u64,

    /// Decrypt RTMPS and RTMPTS with the TLS secrets in this key log (NSS format, as
    /// SSLKEYLOGFILE makes clients write it; repeatable). A pcapng capture's own Decryption
    /// Secrets Blocks (editcap --inject-secrets) are read without it.
    #[arg(long = "tls-keylog", value_name = "FILE")]
    pub tls_keylogs: Vec<PathBuf>,

    /// Write only the events this display filter matches (text and --json output; session
    /// reports and live statistics are written whatever it says); with --tui, the filter
    /// the messages list starts with. The same language as the
    /// TUI's `/`: fields of the JSON lines compared with == != < <= > >= contains matches
    /// (type == video, frame >= 1400, dir == c2s, session == 3, command == "publish"),
    /// amf.KEY for a property anywhere in a command or data body (amf.encoder, amf.tcUrl
    /// contains live), a field alone for "present and not false" (amf.encoder, recovered),
    /// event names as yes/no (warning, gap, handshake), a word or "quoted text" alone to
    /// search a row's text; and/&&, or/||, not/!, parentheses. See README, "Display filters".
    #[arg(
        long = "filter-messages",
        value_name = "EXPR",
        value_parser = parse_filter,
        conflicts_with = "flows"
    )]
    pub filter_messages: Option<Filter>,

    /// Print a shell completion script and exit.
    #[arg(long, value_name = "SHELL")]
    pub completions: Option<Shell>,

    /// Print the man page (roff) and exit.
    #[arg(long)]
    pub man: bool,
}

/// Compiles `--filter-messages`; an error shows the expression with a caret under the fault.
fn parse_filter(expression: &str) -> Result<Filter, String> {
    Filter::parse(expression).map_err(|error| error.caret(expression).to_string())
}

/// Ingest services whose recommendations `--ingest` checks.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum IngestService {
    /// YouTube Live.
    Youtube,
    /// Twitch.
    Twitch,
    /// Facebook Live.
    Facebook,
}

impl From<IngestService> for crate::analysis::Ingest {
    fn from(service: IngestService) -> Self {
        match service {
            IngestService::Youtube => crate::analysis::Ingest::Youtube,
            IngestService::Twitch => crate::analysis::Ingest::Twitch,
            IngestService::Facebook => crate::analysis::Ingest::Facebook,
        }
    }
}

/// `--memory-cap` when it is not given, MiB.
pub const DEFAULT_MEMORY_CAP_MIB: u64 = 256;
/// `--memory-cap` when it is not given with `--tui`, MiB: the TUI keeps the history of
/// messages and sessions within it, and that history is what it is for (a 1 GiB capture's 2.5
/// million messages fit).
pub const TUI_MEMORY_CAP_MIB: u64 = 1024;

impl Cli {
    /// The memory cap in MiB: `--memory-cap`, else [`TUI_MEMORY_CAP_MIB`] with `--tui` and
    /// [`DEFAULT_MEMORY_CAP_MIB`] otherwise.
    pub fn memory_cap(&self) -> u64 {
        self.memory_cap.unwrap_or(if self.tui {
            TUI_MEMORY_CAP_MIB
        } else {
            DEFAULT_MEMORY_CAP_MIB
        })
    }

    /// Seconds between live statistics: `--stats-interval`, or 5 for a live capture with
    /// `--summary` or `--json`; 0 (off) on files.
    pub fn stats_interval(&self, live: bool) -> u64 {
        if !live {
            return 0;
        }
        self.stats_interval
            .unwrap_or(if self.summary || self.json { 5 } else { 0 })
    }
}

/// Shells a completion script can be generated for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    /// GNU bash.
    Bash,
    /// Z shell.
    Zsh,
    /// fish.
    Fish,
    /// Elvish.
    Elvish,
    /// PowerShell.
    Powershell,
}

impl From<Shell> for clap_complete::Shell {
    fn from(shell: Shell) -> Self {
        match shell {
            Shell::Bash => clap_complete::Shell::Bash,
            Shell::Zsh => clap_complete::Shell::Zsh,
            Shell::Fish => clap_complete::Shell::Fish,
            Shell::Elvish => clap_complete::Shell::Elvish,
            Shell::Powershell => clap_complete::Shell::PowerShell,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap(args: &[&str]) -> u64 {
        let args = ["rtmpscope", "-r", "capture.pcap"].iter().chain(args);
        Cli::try_parse_from(args).map_or(0, |cli| cli.memory_cap())
    }

    #[test]
    fn the_tui_gets_a_larger_memory_cap_unless_one_is_given() {
        assert_eq!(cap(&[]), DEFAULT_MEMORY_CAP_MIB);
        assert_eq!(cap(&["--json"]), 256);
        assert_eq!(cap(&["--tui"]), TUI_MEMORY_CAP_MIB);
        assert_eq!(cap(&["--tui"]), 1024);
        assert_eq!(cap(&["--tui", "--memory-cap", "64"]), 64);
        assert_eq!(cap(&["--memory-cap", "2048", "--tui"]), 2048);
        assert_eq!(cap(&["--summary", "--memory-cap", "16"]), 16);
        // The range is checked whatever the mode.
        assert_eq!(cap(&["--tui", "--memory-cap", "4"]), 0);
    }
}
