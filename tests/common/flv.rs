//! A minimal FLV reader for tests: the tags of a file.

/// One FLV tag: type, timestamp (ms), body.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub tag_type: u8,
    pub timestamp: u32,
    pub body: Vec<u8>,
}

/// The tags of an FLV file (panics on a malformed file: tests only).
pub fn tags(bytes: &[u8]) -> Vec<Tag> {
    assert_eq!(&bytes[..3], b"FLV", "not an FLV file");
    let header_len = u32::from_be_bytes(bytes[5..9].try_into().unwrap()) as usize;
    let mut at = header_len + 4;
    let mut tags = Vec::new();
    while at + 11 <= bytes.len() {
        let tag_type = bytes[at] & 0x1F;
        let size = u32::from_be_bytes([0, bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
        let timestamp =
            u32::from_be_bytes([bytes[at + 7], bytes[at + 4], bytes[at + 5], bytes[at + 6]]);
        let body = bytes[at + 11..at + 11 + size].to_vec();
        let previous =
            u32::from_be_bytes(bytes[at + 11 + size..at + 15 + size].try_into().unwrap());
        assert_eq!(previous as usize, size + 11, "previous tag size");
        tags.push(Tag {
            tag_type,
            timestamp,
            body,
        });
        at += 15 + size;
    }
    assert_eq!(at, bytes.len(), "trailing bytes");
    tags
}
