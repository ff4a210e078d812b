//! The hash map of the per-packet and per-message paths.
//!
//! The standard library's SipHash took a tenth of the decoding thread's time on a 1 GiB capture
//! (the flow table is looked up once a packet, the session tables once a delivered piece and a
//! message). foldhash is several times faster on such small keys and is still seeded at random
//! per process, so a capture crafted to collide in these tables (addresses and ports chosen to
//! flood one bucket) cannot be prepared in advance.

/// A `HashMap` with foldhash's randomly seeded hasher; make one with `FastHashMap::default()`.
pub type FastHashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
