//! VP9: the VPCodecConfigurationRecord (`vpcC`, VP codec ISO media binding): profile, level,
//! bit depth and chroma subsampling. VP9 carries no frame size in its configuration.

use super::{read_record, ConfigField, ConfigSpans, VideoConfig};
use crate::rtmp::layout::{shift, u8_at, vpcc};

/// Reads a VPCodecConfigurationRecord, with or without its full-box header.
pub fn parse_vp9_config(record: &[u8]) -> VideoConfig {
    read(record).0
}

/// Reads a VPCodecConfigurationRecord, noting where each field is.
pub(super) fn read(record: &[u8]) -> (VideoConfig, ConfigSpans) {
    read_record(|config: &mut VideoConfig, spans| {
        let start = if record.len() >= vpcc::FULL_BOX_HEADER + vpcc::RECORD {
            vpcc::FULL_BOX_HEADER
        } else {
            0
        };
        let body = record.get(start..)?;
        config.profile = Some(format!("Profile {}", u8_at(body, vpcc::PROFILE)?));
        spans.set(ConfigField::Profile, shift(vpcc::PROFILE, start)?);
        let level = u8_at(body, vpcc::LEVEL)?;
        config.level = Some(format!("{}.{}", level / 10, level % 10));
        spans.set(ConfigField::Level, shift(vpcc::LEVEL, start)?);
        let depth_and_chroma = u8_at(body, vpcc::DEPTH_AND_CHROMA)?;
        let bytes = shift(vpcc::DEPTH_AND_CHROMA, start)?;
        config.bit_depth = Some(depth_and_chroma >> 4);
        spans.set(ConfigField::BitDepth, bytes.clone());
        config.chroma_format = Some(match (depth_and_chroma >> 1) & 0x07 {
            0 | 1 => "4:2:0",
            2 => "4:2:2",
            _ => "4:4:4",
        });
        spans.set(ConfigField::ChromaFormat, bytes);
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
