//! The two ends of a connection and the two ways bytes travel between them.

use std::fmt;
use std::net::SocketAddr;

use serde::{Serialize, Serializer};

/// Which way bytes travel on a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// From the client (the side that opened the connection) to the server.
    ClientToServer,
    /// From the server to the client.
    ServerToClient,
}

impl Direction {
    /// Both directions, client to server first.
    pub const BOTH: [Direction; 2] = [Direction::ClientToServer, Direction::ServerToClient];

    /// The other direction.
    pub fn reverse(self) -> Direction {
        match self {
            Direction::ClientToServer => Direction::ServerToClient,
            Direction::ServerToClient => Direction::ClientToServer,
        }
    }

    /// `0` for client to server, `1` for server to client: an index into per-direction arrays.
    pub fn index(self) -> usize {
        match self {
            Direction::ClientToServer => 0,
            Direction::ServerToClient => 1,
        }
    }

    /// This direction's element of a client/server pair (no indexing, so nothing can panic).
    pub fn of<T>(self, pair: &[T; 2]) -> &T {
        let [client, server] = pair;
        match self {
            Direction::ClientToServer => client,
            Direction::ServerToClient => server,
        }
    }

    /// This direction's element of a client/server pair, mutably.
    pub fn of_mut<T>(self, pair: &mut [T; 2]) -> &mut T {
        let [client, server] = pair;
        match self {
            Direction::ClientToServer => client,
            Direction::ServerToClient => server,
        }
    }

    /// The JSON spelling: `"c2s"` or `"s2c"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::ClientToServer => "c2s",
            Direction::ServerToClient => "s2c",
        }
    }

    /// An arrow for readable output: `->` for client to server, `<-` for server to client.
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::ClientToServer => "->",
            Direction::ServerToClient => "<-",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Direction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The two ends of a connection, with roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Endpoints {
    /// The side that opened the connection (sent the SYN), or the best guess without one.
    pub client: SocketAddr,
    /// The side that accepted it.
    pub server: SocketAddr,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_helpers() {
        assert_eq!(
            Direction::ClientToServer.reverse(),
            Direction::ServerToClient
        );
        assert_eq!(Direction::ServerToClient.index(), 1);
        assert_eq!(
            serde_json::to_string(&Direction::ClientToServer).unwrap(),
            "\"c2s\""
        );
    }
}
