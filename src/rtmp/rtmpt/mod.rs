//! RTMPT: RTMP tunnelled in HTTP, usually on ports 80, 443 or 8080 to cross firewalls.
//!
//! A client opens a tunnel with `POST /open/1` (the answer's body is the session id), sends
//! its RTMP bytes in `POST /send/ID/SEQ` bodies, polls with `POST /idle/ID/SEQ` and ends with
//! `POST /close/ID/SEQ`; every answer starts with a polling-interval byte, followed by the
//! server's RTMP bytes. One tunnel may use several TCP connections.
//!
//! [`http`] reads HTTP/1.x from one direction of a connection; [`flow`] follows one
//! connection's requests and answers; [`tunnel`] joins connections by session id and feeds
//! the RTMP bytes, in request order, to one ordinary RTMP session, so every message decodes
//! as it would over plain RTMP.

pub mod flow;
pub mod http;
pub mod tunnel;

pub use flow::HttpFlow;
pub use tunnel::{Context, TunnelInfo, Tunnels};
