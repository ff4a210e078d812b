//! Reading a capture file on a second thread: while the decoder works through one batch of
//! packets, the reader fills the next. Files are then read and decoded at the same time, on two
//! cores. Batches are recycled, so nothing is allocated per packet once they are warm.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use crate::capture::{Next, RawPacket, Source};
use crate::event::Timestamp;

/// Packets per batch.
const BATCH_PACKETS: usize = 1024;
/// Bytes per batch before it is sent, whatever its packet count.
const BATCH_BYTES: usize = 1 << 20;
/// Batches in flight between the threads (the reader is at most this far ahead).
const BATCHES_IN_FLIGHT: usize = 4;

/// Packets copied out of the source, one after another in `data`.
#[derive(Debug, Default)]
struct Batch {
    data: Vec<u8>,
    /// Per packet: capture time, end offset in `data`, length on the wire.
    packets: Vec<(Timestamp, usize, u32)>,
    /// How the source ended after these packets, if it did.
    end: Option<Ending>,
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

/// Starts the reader on `scope`, reading `source` until it ends or the [`ReadAhead`] is
/// dropped.
pub fn spawn<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    source: &'scope mut Source,
) -> ReadAhead {
    let (batches_tx, batches) = sync_channel::<Batch>(BATCHES_IN_FLIGHT);
    let (recycle, recycled) = sync_channel::<Batch>(BATCHES_IN_FLIGHT + 2);
    scope.spawn(move || loop {
        let mut batch = recycled.try_recv().unwrap_or_default();
        batch.data.clear();
        batch.packets.clear();
        while batch.packets.len() < BATCH_PACKETS && batch.data.len() < BATCH_BYTES {
            match source.next_packet() {
                Next::Packet(packet) => {
                    batch.data.extend_from_slice(packet.data);
                    batch
                        .packets
                        .push((packet.time, batch.data.len(), packet.wire_len));
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

impl ReadAhead {
    /// The next packet, as the source would have given it.
    pub fn next_packet(&mut self) -> Next<'_> {
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
            return self.next_packet();
        }
        let start = self
            .next_packet
            .checked_sub(1)
            .and_then(|previous| self.current.packets.get(previous))
            .map_or(0, |&(_, end, _)| end);
        let Some(&(time, end, wire_len)) = self.current.packets.get(self.next_packet) else {
            return Next::End;
        };
        self.next_packet += 1;
        Next::Packet(RawPacket {
            time,
            data: self.current.data.get(start..end).unwrap_or_default(),
            wire_len,
        })
    }
}
