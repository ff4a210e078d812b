//! AMF3 decoding. PLACEHOLDER: to be implemented.
