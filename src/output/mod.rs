//! Event sinks: NDJSON, readable text, one-line descriptions, the TCP flow list, ClickHouse.

pub mod clickhouse;
pub mod describe;
pub mod filtered;
pub mod flows;
pub mod flv;
pub mod json;
pub mod line;
pub mod report;
pub mod tee;
pub mod text;
