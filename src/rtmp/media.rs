//! Audio and video tag headers (FLV tag header fields carried in RTMP messages 8 and 9).
//!
//! PLACEHOLDER: to be implemented (see the chunk/message work).

use serde::Serialize;

/// The decoded header of an audio message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AudioHeader {}

/// The decoded header of a video message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VideoHeader {}
