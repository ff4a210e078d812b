//! Reading a capture file on a second thread: while the decoder works through one batch of
//! packets, the reader fills the next. The reader also reads each packet's link, IP and TCP
//! headers and keeps only what the decoder needs: the segment's fields and its payload. Files
//! are then read and decoded at the same time, on two cores, and the decoding thread starts at
//! TCP reassembly. Batches are recycled, so nothing is allocated per packet once they are warm.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use crate::capture::{Frame, Next, Source};
use crate::net::{Decoded, LinkType, TcpSegment};

/// Packets per batch.
const BATCH_PACKETS: usize = 1024;
/// Payload bytes per batch before it is sent, whatever its packet count.
const BATCH_BYTES: usize = 1 << 20;
/// Batches in flight between the threads (the reader is at most this far ahead).
const BATCHES_IN_FLIGHT: usize = 4;

/// Packets read out of the source, their TCP payloads one after another in `payloads`.
#[derive(Debug, Default)]
struct Batch {
    payloads: Vec<u8>,
    packets: Vec<Record>,
    /// How the source ended after these packets, if it did.
    end: Option<Ending>,
}

/// One packet of a batch.
#[derive(Debug, Clone, Copy)]
struct Record {
    /// The frame, a TCP segment with an empty payload: its bytes are in the batch's
    /// `payloads`, up to `payload_end`.
    frame: Frame<'static>,
    payload_end: usize,
}

#[derive(Debug, Clone)]
enum Ending {
    End,
    Broken(String),
}

/// The decoder's side: packets in the order the reader read them.
pub struct ReadAhead {
    batches: Receiver<Batch>,
    recycle: SyncSender<Batch>,
    current: Batch,
    next_packet: usize,
}

/// Starts the reader on `scope`, reading `source` (whose link type is `link`) until it ends or
/// the [`ReadAhead`] is dropped.
pub fn spawn<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    source: &'scope mut Source,
    link: LinkType,
) -> ReadAhead {
    let (batches_tx, batches) = sync_channel::<Batch>(BATCHES_IN_FLIGHT);
    let (recycle, recycled) = sync_channel::<Batch>(BATCHES_IN_FLIGHT + 2);
    scope.spawn(move || loop {
        let mut batch = recycled.try_recv().unwrap_or_default();
        batch.payloads.clear();
        batch.packets.clear();
        while batch.packets.len() < BATCH_PACKETS && batch.payloads.len() < BATCH_BYTES {
            match source.next_packet() {
                Next::Packet(packet) => {
                    let frame = packet.frame(link);
                    let decoded = detach(frame.decoded, &mut batch.payloads);
                    batch.packets.push(Record {
                        frame: Frame { decoded, ..frame },
                        payload_end: batch.payloads.len(),
                    });
                }
                // A file is never idle; treat it as the end.
                Next::Idle | Next::End => batch.end = Some(Ending::End),
                Next::Broken(detail) => batch.end = Some(Ending::Broken(detail)),
            }
            if batch.end.is_some() {
                break;
            }
        }
        let ended = batch.end.is_some();
        // The decoder stopped early (Ctrl-C, -c, a closed output): stop reading.
        if batches_tx.send(batch).is_err() || ended {
            return;
        }
    });
    ReadAhead {
        batches,
        recycle,
        current: Batch::default(),
        next_packet: 0,
    }
}

/// `decoded` without its borrow of the frame: a segment's payload is appended to `payloads`.
fn detach(decoded: Decoded<'_>, payloads: &mut Vec<u8>) -> Decoded<'static> {
    match decoded {
        Decoded::Tcp(segment) => {
            payloads.extend_from_slice(segment.payload);
            Decoded::Tcp(TcpSegment {
                payload: &[],
                ..segment
            })
        }
        Decoded::NotTcp => Decoded::NotTcp,
        Decoded::Fragment => Decoded::Fragment,
        Decoded::Malformed(reason) => Decoded::Malformed(reason),
    }
}

impl ReadAhead {
    /// The next packet, its headers read.
    pub fn next_frame(&mut self) -> Next<Frame<'_>> {
        if self.next_packet >= self.current.packets.len() {
            if let Some(ending) = self.current.end.take() {
                return match ending {
                    Ending::End => Next::End,
                    Ending::Broken(detail) => Next::Broken(detail),
                };
            }
            let Ok(batch) = self.batches.recv() else {
                return Next::End;
            };
            let used = std::mem::replace(&mut self.current, batch);
            // If the reader has stopped, the batch is simply dropped.
            let _ = self.recycle.try_send(used);
            self.next_packet = 0;
            return self.next_frame();
        }
        let start = self
            .next_packet
            .checked_sub(1)
            .and_then(|previous| self.current.packets.get(previous))
            .map_or(0, |record| record.payload_end);
        let Some(record) = self.current.packets.get(self.next_packet) else {
            return Next::End;
        };
        self.next_packet += 1;
        let decoded = match record.frame.decoded {
            Decoded::Tcp(segment) => Decoded::Tcp(TcpSegment {
                payload: self
                    .current
                    .payloads
                    .get(start..record.payload_end)
                    .unwrap_or_default(),
                ..segment
            }),
            other => other,
        };
        Next::Packet(Frame {
            decoded,
            ..record.frame
        })
    }
}
