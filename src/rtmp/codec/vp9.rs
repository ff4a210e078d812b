//! VP9: the VPCodecConfigurationRecord (`vpcC`, VP codec ISO media binding): profile, level,
//! bit depth and chroma subsampling. VP9 carries no frame size in its configuration.

use super::bits::BitReader;
use super::{read_record, VideoConfig};

/// Bytes of the full-box header (version, flags) that writers put before the record.
const FULL_BOX_HEADER: usize = 4;
/// Length of the record without its full-box header and codec initialisation data.
const RECORD_BYTES: usize = 8;

/// Reads a VPCodecConfigurationRecord, with or without its full-box header.
pub fn parse_vp9_config(record: &[u8]) -> VideoConfig {
    read_record(|config: &mut VideoConfig| {
        let body = if record.len() >= FULL_BOX_HEADER + RECORD_BYTES {
            record.get(FULL_BOX_HEADER..)?
        } else {
            record
        };
        let mut bits = BitReader::new(body);
        config.profile = Some(format!("Profile {}", bits.bits(8)?));
        let level = bits.bits(8)?;
        config.level = Some(format!("{}.{}", level / 10, level % 10));
        config.bit_depth = u8::try_from(bits.bits(4)?).ok();
        config.chroma_format = Some(match bits.bits(3)? {
            0 | 1 => "4:2:0",
            2 => "4:2:2",
            _ => "4:4:4",
        });
        Some(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::hex::parse_hex as hex;

    #[test]
    fn libvpx_record() {
        // The vpcC libvpx-vp9 wrote (with its full-box header) for 8-bit 4:2:0 at level 2.1.
        let config = parse_vp9_config(&hex("010000000015820202020000"));
        assert_eq!(config.error, None);
        assert_eq!(config.profile.as_deref(), Some("Profile 0"));
        assert_eq!(config.level.as_deref(), Some("2.1"));
        assert_eq!(config.bit_depth, Some(8));
        assert_eq!(config.chroma_format, Some("4:2:0"));
        assert!(parse_vp9_config(&hex("00")).error.is_some());
    }
}
