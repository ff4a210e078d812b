//! Packet sources through libpcap. PLACEHOLDER.
