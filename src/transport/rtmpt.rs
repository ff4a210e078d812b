//! RTMPT: RTMP tunnelled in HTTP, usually on ports 80, 443 or 8080 to cross firewalls.
//!
//! A client opens a tunnel with `POST /open/1` (the answer's body is the session id), sends
//! its RTMP bytes in `POST /send/ID/SEQ` bodies, polls with `POST /idle/ID/SEQ` and ends with
//! `POST /close/ID/SEQ`; every answer starts with a polling-interval byte, followed by the
//! server's RTMP bytes. One tunnel may use several TCP connections.
//!
//! [`crate::transport::http`] reads HTTP/1.x from one direction of a connection;
//! [`crate::session::tunnel_flow`] follows one connection's requests and answers;
//! [`crate::session::tunnel`] joins connections by session id and feeds the RTMP bytes, in
//! request order, to one ordinary RTMP session, so every message decodes as it would over
//! plain RTMP. This module holds what a tunnel showed.

use serde::Serialize;

/// Facts about an RTMPT tunnel.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TunnelInfo {
    /// The session id the server gave in its /open response (absent when neither the
    /// answer to /open nor any request naming the id was captured).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// TCP connections that carried the tunnel.
    pub connections: u32,
    /// Requests the client made after /open (send, idle, close).
    pub requests: u64,
    /// Of those, idle polls.
    pub idle_polls: u64,
    /// Smallest polling interval byte the server answered with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polling_interval_min: Option<u8>,
    /// Largest polling interval byte.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polling_interval_max: Option<u8>,
}

impl TunnelInfo {
    /// Notes the polling interval byte of one response.
    pub fn observe_interval(&mut self, interval: u8) {
        self.polling_interval_min = Some(
            self.polling_interval_min
                .map_or(interval, |m| m.min(interval)),
        );
        self.polling_interval_max = Some(
            self.polling_interval_max
                .map_or(interval, |m| m.max(interval)),
        );
    }
}
