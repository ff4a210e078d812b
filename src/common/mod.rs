//! What every stage shares and nothing else: the capture clock, where a packet sits, the two
//! ends of a connection and its directions and Community ID, capture-level notices, the memory budget, and the
//! small byte helpers every decoder reads with. Imports nothing from the rest of the crate.

// Decoders read bytes anyone can send: no panicking shortcuts outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod budget;
mod community_id;
mod diagnostic;
mod direction;
pub mod escape;
pub mod fasthash;
pub mod hex;
mod notice;
pub mod reader;
mod time;

pub use community_id::CommunityId;
pub use diagnostic::{DetectedBy, NoticeCode, WarningCode};
pub use direction::{Direction, Endpoints};
pub use notice::{Notice, NoticeEvent};
pub use time::{PacketMeta, Timestamp};
