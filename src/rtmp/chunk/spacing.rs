//! Chunk sizes read off the spacing of continuation headers: when the chunk size is unknown,
//! the format-3 header of a candidate message's chunk stream, met again inside the message,
//! suggests it ended a chunk there. The scan of one candidate's body is kept across searches
//! ([`SpacingScan`]), so bytes that arrive in tiny pieces are scanned once, not once a piece.

use super::lockon::MAX_WALK_BYTES;
use super::tape::{Layout, Read, SpacingScan, MAX_INFERRED};

/// Bytes read from the tape at a time.
const READ_BYTES: usize = 4096;

/// Chunk sizes the spacing of continuation headers suggests for a candidate message: each
/// position after the candidate's header where the format-3 header of its chunk stream appears,
/// within the message (the first [`MAX_INFERRED`]). `Err` when more bytes are needed to finish
/// looking; what was scanned is kept in the tape for the next call.
pub(super) fn spaced_chunk_sizes(
    tape: &Layout<'_>,
    body_at: u64,
    csid: u32,
    length: u32,
) -> Result<Vec<u32>, ()> {
    let expected: &[u8] = match csid {
        2..=63 => &[0xC0 | csid as u8],
        64..=319 => &[0xC0, (csid - 64) as u8],
        _ => return Ok(Vec::new()),
    };
    let span = u64::from(length).min(MAX_WALK_BYTES);
    let fresh = SpacingScan {
        body_at: tape.absolute(body_at),
        csid,
        span,
        next: 1,
        found: [0; MAX_INFERRED],
        count: 0,
        complete: false,
    };
    let mut scan = tape
        .spacing_scan()
        .filter(|kept| (kept.body_at, kept.csid, kept.span) == (fresh.body_at, csid, span))
        .unwrap_or(fresh);
    let result = scan_on(tape, body_at, expected, &mut scan);
    tape.keep_spacing_scan(scan);
    result.map(|()| scan.found())
}

/// Goes on with `scan` over the body at `body_at`, looking for `expected`.
fn scan_on(
    tape: &Layout<'_>,
    body_at: u64,
    expected: &[u8],
    scan: &mut SpacingScan,
) -> Result<(), ()> {
    let width = expected.len();
    let first = expected.first().copied().unwrap_or_default();
    while !scan.complete && scan.next < scan.span && scan.count < MAX_INFERRED {
        let offset = scan.next;
        let bytes = match tape.read(body_at.saturating_add(offset), READ_BYTES) {
            Read::Bytes(bytes, _) => bytes,
            Read::Hole => break,
            Read::End => return Err(()),
        };
        for i in memchr::memchr_iter(first, bytes) {
            let position = offset.saturating_add(i as u64);
            if position >= scan.span || scan.count >= MAX_INFERRED {
                break;
            }
            if bytes.get(i..i.saturating_add(width)) == Some(expected) {
                scan.push(position);
            }
        }
        let step = bytes.len().saturating_sub(width - 1).max(1);
        scan.next = offset.saturating_add(step as u64);
    }
    scan.complete = true;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtmp::chunk::tape::Tape;

    /// A 40 000-byte body on chunk stream 4 whose continuation headers (0xC4) sit every 4096
    /// bytes, with a few 0xC4 bytes of its own before the first.
    fn body() -> Vec<u8> {
        let mut body = vec![0u8; 40_000];
        for at in (4096..40_000).step_by(4097) {
            body[at] = 0xC4;
        }
        body[100] = 0xC4;
        body
    }

    /// What a scan from scratch finds on the whole body.
    fn whole(body: &[u8]) -> Vec<u32> {
        let tape = Tape::of(body.to_vec());
        spaced_chunk_sizes(&tape.layout(), 0, 4, 1 << 20).unwrap_or_default()
    }

    #[test]
    fn a_scan_fed_in_pieces_finds_what_one_scan_finds() {
        let body = body();
        let expected = whole(&body);
        assert_eq!(
            expected,
            [100, 4096, 8193, 12290, 16387, 20484, 24581, 28678]
        );
        for piece in [1, 2, 7, 1448, 4096] {
            let mut tape = Tape::default();
            let mut result = Err(());
            for bytes in body.chunks(piece) {
                tape.push(bytes);
                result = spaced_chunk_sizes(&tape.layout(), 0, 4, 1 << 20);
                if result.is_ok() {
                    break;
                }
            }
            assert_eq!(result, Ok(expected.clone()), "pieces of {piece}");
        }
    }

    #[test]
    fn bytes_already_scanned_are_not_scanned_again() {
        let body = body();
        let mut tape = Tape::of(body.get(..10_000).unwrap_or_default().to_vec());
        assert_eq!(spaced_chunk_sizes(&tape.layout(), 0, 4, 1 << 20), Err(()));
        // Were the first 10 000 bytes read again, the 0xC4 bytes wiped here would be missed.
        tape.bytes.fill(0);
        tape.push(body.get(10_000..).unwrap_or_default());
        assert_eq!(
            spaced_chunk_sizes(&tape.layout(), 0, 4, 1 << 20),
            Ok(whole(&body))
        );
        // A scan of another candidate starts afresh (and sees the wiped bytes).
        assert_eq!(
            spaced_chunk_sizes(&tape.layout(), 1, 4, 30_000),
            Ok(vec![12_289, 16_386, 20_483, 24_580, 28_677])
        );
    }

    #[test]
    fn a_kept_scan_follows_its_body_when_the_front_is_dropped() {
        let body = body();
        let mut tape = Tape::of(vec![0xAA; 10]);
        tape.push(body.get(..10_000).unwrap_or_default());
        assert_eq!(spaced_chunk_sizes(&tape.layout(), 10, 4, 1 << 20), Err(()));
        tape.drop_front(10, false);
        tape.push(body.get(10_000..).unwrap_or_default());
        assert_eq!(
            spaced_chunk_sizes(&tape.layout(), 0, 4, 1 << 20),
            Ok(whole(&body))
        );
    }
}
