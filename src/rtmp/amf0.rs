//! AMF0 decoding. PLACEHOLDER: to be implemented.
