//! rtmpscope: watches RTMP traffic and explains it.
//!
//! The pipeline runs one way:
//! packet source ([`capture`]) → link/IP/TCP ([`net`]) → TCP reassembly ([`reassembly`]) →
//! RTMP session decoder ([`rtmp`]) → [`event::Event`]s → sinks ([`output`]).
//! Every stage is a plain struct fed by the one before; the decoders never do I/O, so tests and
//! benchmarks drive the same code the binary runs.

pub mod amf;
pub mod analysis;
#[cfg(feature = "capture")]
pub mod capture;
pub mod cli;
pub mod common;
pub mod filter;
pub mod fuzz_harness;
pub mod net;
pub mod output;
#[cfg(feature = "capture")]
pub mod pipeline;
pub mod reassembly;
pub mod redact;
pub mod rtmp;
pub mod session;
pub mod testkit;
pub mod transport;
#[cfg(all(feature = "tui", feature = "capture"))]
pub mod tui;
