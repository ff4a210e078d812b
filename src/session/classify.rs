//! Flow classification: what the first bytes of a connection (or, caught mid-way, of either
//! direction) say it carries. Pure functions of bytes; the session table acts on the answers.
//!
//! The first bytes a client sends tell the variant: C0 = 3 is plain RTMP, 6 or 8 RTMPE, a TLS
//! ClientHello RTMPS (when the connection is one RTMP would use), an HTTP request a candidate
//! RTMPT tunnel.

/// What the first bytes a client sends on a connection say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstBytes {
    /// Not enough bytes yet to tell.
    NeedMore,
    /// C0 = 3 and a plausible C1: plain RTMP.
    Rtmp,
    /// C0 = 6 or 8: RTMPE (the version byte).
    Rtmpe(u8),
    /// A TLS handshake record carrying a ClientHello: RTMPS if the connection is RTMP.
    Tls,
    /// An HTTP request line: a candidate RTMPT tunnel.
    Http,
    /// None of the above.
    Other,
}

/// HTTP request methods that open a request line.
const HTTP_METHODS: [&[u8]; 6] = [
    b"POST ",
    b"GET ",
    b"HEAD ",
    b"PUT ",
    b"OPTIONS ",
    b"DELETE ",
];

/// Classifies a connection by the first bytes its client sent.
pub fn classify_client_start(bytes: &[u8]) -> FirstBytes {
    let Some(&first) = bytes.first() else {
        return FirstBytes::NeedMore;
    };
    match first {
        // C0 = 3, then C1 begins; 9 bytes let the zero/version field be seen.
        3 if bytes.len() < 9 => FirstBytes::NeedMore,
        3 => FirstBytes::Rtmp,
        6 | 8 => FirstBytes::Rtmpe(first),
        // A TLS handshake record (content type 22, version 3.x) holding a ClientHello (1).
        0x16 => match (bytes.get(1), bytes.get(2), bytes.get(5)) {
            (Some(3), Some(0..=4), Some(1)) => FirstBytes::Tls,
            (None, _, _) | (_, None, _) | (_, _, None) => FirstBytes::NeedMore,
            _ => FirstBytes::Other,
        },
        _ => http_request_start(bytes),
    }
}

/// Do `bytes` begin an HTTP request line (`Http`), might they still (`NeedMore`), or not?
pub fn http_request_start(bytes: &[u8]) -> FirstBytes {
    starts_with_one_of(bytes, &HTTP_METHODS)
}

/// Do `bytes` begin an HTTP status line (`Http`), might they still (`NeedMore`), or not?
pub fn http_response_start(bytes: &[u8]) -> FirstBytes {
    starts_with_one_of(bytes, &[b"HTTP/1."])
}

fn starts_with_one_of(bytes: &[u8], tokens: &[&[u8]]) -> FirstBytes {
    if tokens.iter().any(|t| bytes.starts_with(t)) {
        FirstBytes::Http
    } else if tokens
        .iter()
        .any(|t| bytes.len() < t.len() && t.starts_with(bytes))
    {
        FirstBytes::NeedMore
    } else {
        FirstBytes::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_first_bytes() {
        assert_eq!(classify_client_start(&[]), FirstBytes::NeedMore);
        assert_eq!(classify_client_start(&[3, 0, 0]), FirstBytes::NeedMore);
        assert_eq!(
            classify_client_start(&[3, 0, 0, 0, 0, 9, 0, 124, 2]),
            FirstBytes::Rtmp
        );
        assert_eq!(classify_client_start(&[6]), FirstBytes::Rtmpe(6));
        assert_eq!(classify_client_start(&[8, 1]), FirstBytes::Rtmpe(8));
        assert_eq!(
            classify_client_start(&[0x16, 3, 1, 0, 200, 1]),
            FirstBytes::Tls
        );
        assert_eq!(classify_client_start(&[0x16, 3]), FirstBytes::NeedMore);
        assert_eq!(
            classify_client_start(b"POST /open/1 HTTP/1.1"),
            FirstBytes::Http
        );
        assert_eq!(classify_client_start(b"PO"), FirstBytes::NeedMore);
        assert_eq!(classify_client_start(b"SSH-2.0-OpenSSH"), FirstBytes::Other);
        assert_eq!(http_response_start(b"HTTP/1.1 200"), FirstBytes::Http);
        assert_eq!(http_response_start(b"HTT"), FirstBytes::NeedMore);
        assert_eq!(http_response_start(b"\x03\x00"), FirstBytes::Other);
        assert_eq!(http_request_start(b"\x03"), FirstBytes::Other);
    }
}
