//! Event sinks: NDJSON, readable text, one-line descriptions.

pub mod describe;
pub mod json;
pub mod line;
pub mod text;
