//! Message body decoding. PLACEHOLDER: to be implemented.
