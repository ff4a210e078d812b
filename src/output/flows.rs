//! The flow lister (`--flows`): one line per TCP connection, with bytes, gaps and how it ended.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::common::escape::Escaped;
use crate::common::{Endpoints, Notice, PacketMeta, Timestamp};
use crate::reassembly::{CloseReason, FlowId, StreamEvent, StreamSink};

/// What is known about one flow.
#[derive(Debug, Clone)]
pub struct FlowRecord {
    /// Client and server.
    pub endpoints: Endpoints,
    /// The capture started after the connection did.
    pub mid_stream: bool,
    /// Payload bytes delivered, per direction (client to server first).
    pub bytes: [u64; 2],
    /// Gap events and lost bytes, per direction.
    pub gaps: [(u64, u64); 2],
    /// TCP warnings.
    pub warnings: u64,
    /// How it ended (`None` while open).
    pub close: Option<CloseReason>,
    /// First and last packet times.
    pub first: Timestamp,
    /// Last packet time.
    pub last: Timestamp,
}

/// Collects [`FlowRecord`]s from stream events, and notices for printing.
#[derive(Debug, Default)]
pub struct FlowLister {
    flows: BTreeMap<FlowId, FlowRecord>,
    notices: Vec<Notice>,
}

impl FlowLister {
    /// The flows seen, by id.
    pub fn flows(&self) -> &BTreeMap<FlowId, FlowRecord> {
        &self.flows
    }

    /// Writes one line per flow, then the capture warnings.
    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        for (id, flow) in &self.flows {
            let gaps = flow.gaps[0].0 + flow.gaps[1].0;
            let gap_bytes = flow.gaps[0].1 + flow.gaps[1].1;
            let close = flow.close.map_or("open".to_owned(), |reason| {
                format!("{reason:?}").to_lowercase()
            });
            writeln!(
                out,
                "{:>4}  {} -> {}  c2s {} B  s2c {} B  gaps {gaps} ({gap_bytes} B)  {close}{}  {:.3} s",
                id.0,
                flow.endpoints.client,
                flow.endpoints.server,
                flow.bytes[0],
                flow.bytes[1],
                if flow.mid_stream { "  mid-stream" } else { "" },
                flow.last.micros_since(flow.first) as f64 / 1e6,
            )?;
        }
        for notice in &self.notices {
            writeln!(
                out,
                "warning: {} ({})",
                Escaped(&notice.message),
                notice.code
            )?;
        }
        Ok(())
    }
}

impl StreamSink for FlowLister {
    fn stream_event(
        &mut self,
        meta: &PacketMeta,
        flow: FlowId,
        endpoints: &Endpoints,
        event: StreamEvent<'_>,
    ) {
        let record = self.flows.entry(flow).or_insert_with(|| FlowRecord {
            endpoints: *endpoints,
            mid_stream: false,
            bytes: [0; 2],
            gaps: [(0, 0); 2],
            warnings: 0,
            close: None,
            first: meta.time,
            last: meta.time,
        });
        if !matches!(event, StreamEvent::Close { .. }) {
            // A close by timeout or end of capture comes with a later packet's time.
            record.last = record.last.max(meta.time);
        }
        match event {
            StreamEvent::Open { mid_stream } => record.mid_stream = mid_stream,
            StreamEvent::Data { dir, bytes } => record.bytes[dir.index()] += bytes.len() as u64,
            StreamEvent::Gap { dir, bytes, .. } => {
                let gaps = &mut record.gaps[dir.index()];
                *gaps = (gaps.0 + 1, gaps.1 + bytes);
            }
            StreamEvent::Warning { .. } => record.warnings += 1,
            StreamEvent::Network(_) => {}
            StreamEvent::Close { reason, .. } => record.close = Some(reason),
        }
    }

    fn notice(&mut self, notice: &Notice) {
        self.notices.push(notice.clone());
    }
}
