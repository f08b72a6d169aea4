//! Audio: PCM frames, the Opus codec, resampling, file and tone sources, WAV output.

pub(crate) mod file;
pub(crate) mod frame;
pub(crate) mod opus;
pub(crate) mod resample;
pub(crate) mod tone;
pub(crate) mod wav;
