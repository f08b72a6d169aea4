//! Sample-rate conversion to 48 kHz for file sources.
