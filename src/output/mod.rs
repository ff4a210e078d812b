//! Event sinks: JSON, readable text, summaries. PLACEHOLDER.
