//! Community ID v1: the flow hash Zeek, Suricata and others print, so rtmpscope's rows join
//! with their records of the same connections.
//!
//! The specification: `"1:" + base64(sha1(seed + src ip + dst ip + proto + 0 + src port + dst
//! port))`, with the seed as two bytes big-endian, addresses and ports in network order, and the
//! endpoint that sorts first (address, then port) always written first, so both directions of
//! a connection give the same id. rtmpscope's sessions are all TCP (protocol 6) and use the
//! default seed 0.
//!
//! An id costs a SHA-1 and a base64 encoding; a session's events all carry the same one, so
//! [`CommunityId::of`] keeps the ids of recent connections in a small per-thread cache.

use std::cell::RefCell;
use std::fmt;
use std::hash::BuildHasher;
use std::net::{IpAddr, SocketAddr};

use base64::Engine as _;
use serde::{Serialize, Serializer};
use sha1::{Digest, Sha1};

use super::Endpoints;

/// IP protocol number of TCP.
pub const PROTO_TCP: u8 = 6;

/// Length of a v1 id: `"1:"` and 28 base64 characters (20 bytes of SHA-1).
const LEN: usize = 30;

/// Slots of the per-thread cache (a direct-mapped table indexed by a hash of the endpoints).
const CACHE_SLOTS: usize = 1024;

/// A Community ID v1 string, such as `1:wCb3OG7yAFWelaUydu0D+125CLM=`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommunityId([u8; LEN]);

impl CommunityId {
    /// The id of a flow between two endpoints (either order gives the same id).
    pub fn compute(seed: u16, proto: u8, one: SocketAddr, other: SocketAddr) -> CommunityId {
        let (first, second) = if (one.ip(), one.port()) <= (other.ip(), other.port()) {
            (one, other)
        } else {
            (other, one)
        };
        let mut hasher = Sha1::new();
        hasher.update(seed.to_be_bytes());
        for address in [first.ip(), second.ip()] {
            match address {
                IpAddr::V4(v4) => hasher.update(v4.octets()),
                IpAddr::V6(v6) => hasher.update(v6.octets()),
            }
        }
        hasher.update([proto, 0]);
        hasher.update(first.port().to_be_bytes());
        hasher.update(second.port().to_be_bytes());
        let digest = hasher.finalize();
        let mut id = [0u8; LEN];
        let (prefix, rest) = id.split_at_mut(2);
        prefix.copy_from_slice(b"1:");
        // 20 bytes always encode to 28 characters, so this cannot fail; an impossible error
        // would leave zero bytes, which `as_str` shows as empty.
        let _ = base64::engine::general_purpose::STANDARD.encode_slice(digest, rest);
        CommunityId(id)
    }

    /// The id of a TCP session (seed 0), from the per-thread cache when it was seen lately.
    pub fn of(endpoints: &Endpoints) -> CommunityId {
        thread_local! {
            static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
        }
        CACHE.with(|cache| cache.borrow_mut().get(endpoints))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for CommunityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CommunityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CommunityId({})", self.as_str())
    }
}

impl Serialize for CommunityId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Recently computed ids, one slot per hash of the endpoints.
struct Cache {
    hasher: foldhash::fast::RandomState,
    slots: Vec<Option<(Endpoints, CommunityId)>>,
}

impl Default for Cache {
    fn default() -> Self {
        Cache {
            hasher: foldhash::fast::RandomState::default(),
            slots: vec![None; CACHE_SLOTS],
        }
    }
}

impl Cache {
    fn get(&mut self, endpoints: &Endpoints) -> CommunityId {
        let slot =
            usize::try_from(self.hasher.hash_one(endpoints) % CACHE_SLOTS as u64).unwrap_or(0);
        if let Some(Some((seen, id))) = self.slots.get(slot) {
            if seen == endpoints {
                return *id;
            }
        }
        let id = CommunityId::compute(0, PROTO_TCP, endpoints.client, endpoints.server);
        if let Some(entry) = self.slots.get_mut(slot) {
            *entry = Some((*endpoints, id));
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(seed: u16, proto: u8, a: &str, b: &str) -> String {
        CommunityId::compute(seed, proto, a.parse().unwrap(), b.parse().unwrap()).to_string()
    }

    /// The specification's published baseline (baseline/baseline_deflt.json and
    /// baseline_seed1.json of the community-id-spec repository), both directions of each flow.
    #[test]
    fn specification_baseline() {
        let vectors = [
            (
                0,
                6,
                "128.232.110.120:34855",
                "66.35.250.204:80",
                "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
            ),
            (
                0,
                6,
                "[2001:470:e5bf:dead:4957:2174:e82c:4887]:63943",
                "[2607:f8b0:400c:c03::1a]:25",
                "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=",
            ),
            (
                0,
                17,
                "192.168.1.52:54585",
                "8.8.8.8:53",
                "1:d/FP5EW3wiY1vCndhwleRRKHowQ=",
            ),
            (
                0,
                132,
                "192.168.170.8:7",
                "192.168.170.56:7",
                "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=",
            ),
        ];
        for (seed, proto, a, b, want) in vectors {
            assert_eq!(id(seed, proto, a, b), want, "{a} {b}");
            assert_eq!(id(seed, proto, b, a), want, "{b} {a}");
        }
    }

    /// Zeek's and Suricata's test flows (Zeek's community_id_v1 test, Vector's community_id
    /// examples): 1.2.3.4:1122 to 5.6.7.8:3344 with seeds 0 and 1.
    #[test]
    fn zeek_and_suricata_vectors() {
        let (a, b) = ("1.2.3.4:1122", "5.6.7.8:3344");
        assert_eq!(id(0, 6, a, b), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
        assert_eq!(id(0, 6, b, a), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
        assert_eq!(id(1, 6, a, b), "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");
        assert_eq!(id(0, 17, a, b), "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
        assert_eq!(id(1, 17, a, b), "1:OShq+iKDAMVouh/4bMxB9Sz4amw=");
    }

    #[test]
    fn cache_gives_the_computed_id() {
        for port in 0..3000u16 {
            let endpoints = Endpoints {
                client: SocketAddr::from(([10, 0, 0, 1], port)),
                server: "10.0.0.2:1935".parse().unwrap(),
            };
            let want = CommunityId::compute(0, 6, endpoints.client, endpoints.server);
            assert_eq!(CommunityId::of(&endpoints), want);
            assert_eq!(CommunityId::of(&endpoints), want);
        }
        assert_eq!(
            serde_json::to_string(&CommunityId::compute(
                0,
                6,
                "1.2.3.4:1122".parse().unwrap(),
                "5.6.7.8:3344".parse().unwrap()
            ))
            .unwrap(),
            "\"1:wCb3OG7yAFWelaUydu0D+125CLM=\""
        );
    }
}
