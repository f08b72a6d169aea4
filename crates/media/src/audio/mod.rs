//! Audio: PCM frames, the Opus codec, resampling, file and tone sources, WAV output, and
//! what mixing needs (clip players, pushed PCM, pitch shifting, a limiter).

pub(crate) mod file;
pub(crate) mod frame;
pub(crate) mod limiter;
pub(crate) mod mix;
pub(crate) mod opus;
pub(crate) mod pitch;
pub(crate) mod resample;
pub(crate) mod tone;
pub(crate) mod wav;
