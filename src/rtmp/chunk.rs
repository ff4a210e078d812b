//! The chunk stream demultiplexer. PLACEHOLDER: to be implemented.

/// Settings of the chunk demultiplexer.
#[derive(Debug, Clone)]
pub struct ChunkConfig {
    /// Keep whole audio/video payloads (FLV export, hex view) instead of a header prefix.
    pub keep_media_payloads: bool,
}
