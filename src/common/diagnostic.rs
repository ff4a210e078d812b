//! Typed diagnostics: the stable codes of `warning` events, of capture-level notices, and of how
//! a session was recognised. Each serialises (and displays) as its documented `snake_case`
//! string, so the JSON schema is fixed here, in one list, not in literals across the decoders.

use std::fmt;

use serde::{Serialize, Serializer};

/// Declares a code enum with its `snake_case` spellings, `as_str`, `Display`, `Serialize` and
/// `ALL` (every code, for tests and documentation).
macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($(#[$doc:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$doc])* $variant,)+
        }

        impl $name {
            /// Every code, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable spelling used in every output.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

codes! {
    /// Why a `warning` event was raised on a session: something looked wrong, and decoding went
    /// on with what could be trusted.
    WarningCode {
        /// TCP: a segment lies far beyond the receive window; dropped.
        TcpOutOfWindow => "tcp_out_of_window",
        /// TCP: a retransmission differs from the first copy (the first copy is kept).
        TcpOverlapMismatch => "tcp_overlap_mismatch",
        /// Chunks: messages in progress were dropped at a gap.
        ChunkGapDroppedMessages => "chunk_gap_dropped_messages",
        /// Chunks: a header that does not look like RTMP while the position is uncertain.
        ChunkHeaderImplausible => "chunk_header_implausible",
        /// Chunks: the header after a hole is not the continuation predicted for it.
        ChunkHoleMismatch => "chunk_hole_mismatch",
        /// Chunks: a stream caught mid-way was locked on to; what was skipped and assumed.
        ChunkJoined => "chunk_joined",
        /// Chunks: a message body that does not look like its type while uncertain.
        ChunkMessageImplausible => "chunk_message_implausible",
        /// Chunks: too many bytes in partial messages; one was dropped.
        ChunkPartialBytesLimit => "chunk_partial_bytes_limit",
        /// Chunks: the position in the chunk stream was found again.
        ChunkResync => "chunk_resync",
        /// Chunks: a Set Chunk Size outside what the specification allows.
        ChunkSizeInvalid => "chunk_size_invalid",
        /// Chunks: a continuation of a message that was dropped at a gap.
        ChunkStaleStream => "chunk_stale_stream",
        /// Chunks: more chunk streams than the limit.
        ChunkStreamsLimit => "chunk_streams_limit",
        /// Chunks: a format 1-3 header on a chunk stream never started.
        ChunkUnknownStream => "chunk_unknown_stream",
        /// A message body that could not be decoded as its type says.
        MessageDecodeError => "message_decode_error",
        /// RTMPE: everything after the handshake is encrypted.
        RtmpeEncrypted => "rtmpe_encrypted",
        /// TLS: an alert in the clear.
        TlsAlert => "tls_alert",
        /// TLS: a record that cannot be one.
        TlsRecordInvalid => "tls_record_invalid",
        /// TLS: a record did not authenticate with the logged key (wrong key, damaged bytes);
        /// that direction is no longer decrypted.
        TlsDecryptFailed => "tls_decrypt_failed",
        /// TLS: a key log has the connection's secrets, but it cannot be decrypted (a CBC or
        /// other suite not decrypted here, a secret missing).
        TlsDecryptUnavailable => "tls_decrypt_unavailable",
        /// TLS: records found again after lost bytes while decrypting.
        TlsRecordResync => "tls_record_resync",
        /// RTMPT: bytes that are not HTTP where HTTP was expected.
        RtmptHttpInvalid => "rtmpt_http_invalid",
        /// RTMPT: HTTP found again after bytes that were not.
        RtmptHttpResync => "rtmpt_http_resync",
        /// RTMPT: the server refused to open the tunnel.
        RtmptOpenRefused => "rtmpt_open_refused",
        /// RTMPT: the tunnel's /open was never answered in the capture.
        RtmptOpenUnanswered => "rtmpt_open_unanswered",
        /// RTMPT: a request in the tunnel's sequence never arrived.
        RtmptRequestMissing => "rtmpt_request_missing",
        /// FLV export: a stream is not exported, the cap on files a run was reached.
        ExportFileCap => "export_file_cap",
    }
}

codes! {
    /// Why a capture-level notice (`capture_warning`) was raised: a problem with the capture
    /// itself rather than with one session.
    NoticeCode {
        /// The capture's link type is not one rtmpscope reads.
        UnsupportedLinkType => "unsupported_link_type",
        /// A frame too short or too broken for its headers.
        MalformedFrame => "malformed_frame",
        /// An IP fragment (not reassembled).
        IpFragment => "ip_fragment",
        /// The flow table is full; a new connection is not followed.
        FlowTableFull => "flow_table_full",
        /// A live capture stopped with an error.
        CaptureStopped => "capture_stopped",
        /// The capture's snap length cut packets short: their tails were not captured.
        SnapLengthTruncated => "snap_length_truncated",
        /// The capture file breaks off in the middle of a packet.
        CaptureFileTruncated => "capture_file_truncated",
        /// An FLV file could not be written.
        ExportFailed => "export_failed",
        /// FLV export: streams were not exported, the cap on files a run was reached.
        ExportFileCap => "export_file_cap",
        /// FLV export: more files were open at once than the cap; idle ones were reopened.
        ExportOpenFilesCap => "export_open_files_cap",
        /// A packet's time is far from its neighbours' (ignored for timeouts), or the capture
        /// clock jumped forward (followed).
        ClockJump => "clock_jump",
        /// Bytes of a connection that had already closed (FIN, RST) arrived; they were dropped.
        LateData => "late_data",
        /// Lines of a TLS key log (`--tls-keylog`, or a pcapng Decryption Secrets Block) that
        /// could not be used; reported once.
        TlsKeylogUnusable => "tls_keylog_unusable",
    }
}

codes! {
    /// How a session was recognised (`detected_by` on `session_start`).
    DetectedBy {
        /// It started with an RTMP (or RTMPE) handshake.
        Handshake => "handshake",
        /// Caught mid-way, a command or data message decoded cleanly (or, where only media
        /// flows, enough audio and video messages after a confirmed lock-on).
        ChunkStream => "chunk_stream",
        /// Caught mid-way on the RTMP port.
        Port => "port",
        /// Its server port was forced with `--port`.
        ForcedPort => "forced_port",
        /// A TLS ClientHello on a connection RTMP would use.
        TlsClientHello => "tls_client_hello",
        /// TLS whose first records have the sizes of an RTMP handshake.
        TlsRecordSizes => "tls_record_sizes",
        /// An RTMPT /open request.
        RtmptOpen => "rtmpt_open",
        /// An answer to /open whose request was not captured.
        RtmptOpenAnswer => "rtmpt_open_answer",
        /// An RTMPT request naming a tunnel whose /open was not captured.
        RtmptRequest => "rtmpt_request",
        /// TLS decrypted with a key log: the plaintext starts with RTMP or RTMPT.
        TlsDecrypted => "tls_decrypted",
        /// TLS whose first records have the sizes of an RTMP handshake carried in HTTP
        /// requests: RTMPT inside TLS (RTMPTS), or HTTPS that looks like it.
        TlsRecordSizesHttp => "tls_record_sizes_http",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_snake_case_and_serialise_as_spelled() {
        let lists: [Vec<&str>; 3] = [
            WarningCode::ALL.iter().map(|c| c.as_str()).collect(),
            NoticeCode::ALL.iter().map(|c| c.as_str()).collect(),
            DetectedBy::ALL.iter().map(|c| c.as_str()).collect(),
        ];
        for list in lists {
            let mut seen = std::collections::BTreeSet::new();
            for text in list {
                assert!(text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
                assert!(seen.insert(text), "{text} twice");
            }
        }
        assert_eq!(
            serde_json::to_string(&WarningCode::ChunkResync).unwrap(),
            "\"chunk_resync\""
        );
        assert_eq!(NoticeCode::FlowTableFull.to_string(), "flow_table_full");
    }
}
