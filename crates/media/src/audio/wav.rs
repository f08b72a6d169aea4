//! WAV output (16-bit PCM, 48 kHz by default): recordings in tests and the CLI, and fixture
//! files for [`FileAudioSource`](crate::FileAudioSource). Plain `std::io`, no dependency.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use crate::{AudioFrame, MediaError, SAMPLE_RATE};

/// Size of the canonical 44-byte PCM WAV header.
const HEADER_LEN: u32 = 44;

/// Writes 16-bit PCM to a WAV file, frame by frame. Call [`finish`](Self::finish) to write
/// the final sizes; a writer dropped without it still fixes them up, ignoring errors.
pub struct WavWriter {
    out: Option<BufWriter<File>>,
    channels: u16,
    data_bytes: u32,
}

impl WavWriter {
    /// Creates (or truncates) `path` for `channels` (1 or 2) at 48 kHz.
    pub fn create(path: &Path, channels: u16) -> Result<Self, MediaError> {
        Self::create_with_rate(path, channels, SAMPLE_RATE)
    }

    /// Like [`create`](Self::create) at another sample rate (for fixtures that exercise
    /// resampling); write to it with [`write_samples`](Self::write_samples).
    pub fn create_with_rate(
        path: &Path,
        channels: u16,
        sample_rate: u32,
    ) -> Result<Self, MediaError> {
        if channels == 0 || channels > 2 {
            return Err(MediaError::InvalidArgument(format!(
                "wav output supports 1 or 2 channels, not {channels}"
            )));
        }
        if !(1..=768_000).contains(&sample_rate) {
            return Err(MediaError::InvalidArgument(format!(
                "wav sample rate {sample_rate} is out of range"
            )));
        }
        let file = File::create(path).map_err(|e| crate::error::with_path(e, path))?;
        let mut out = BufWriter::new(file);
        out.write_all(&header(channels, sample_rate, 0))?;
        Ok(WavWriter {
            out: Some(out),
            channels,
            data_bytes: 0,
        })
    }

    /// Appends one frame; its channel count must match the writer's.
    pub fn write(&mut self, frame: &AudioFrame) -> Result<(), MediaError> {
        if frame.channels != self.channels {
            return Err(MediaError::InvalidArgument(format!(
                "frame has {} channels, the wav file {}",
                frame.channels, self.channels
            )));
        }
        self.write_samples(&frame.samples)
    }

    /// Appends interleaved samples (a whole number of sample frames).
    pub fn write_samples(&mut self, samples: &[i16]) -> Result<(), MediaError> {
        let channels = usize::from(self.channels);
        if samples.len() / channels * channels != samples.len() {
            return Err(MediaError::InvalidArgument(format!(
                "{} samples do not split into {} channels",
                samples.len(),
                self.channels
            )));
        }
        let bytes = u32::try_from(samples.len() * 2)
            .ok()
            .and_then(|b| b.checked_add(self.data_bytes))
            .filter(|&total| total <= u32::MAX - HEADER_LEN)
            .ok_or_else(|| MediaError::Unsupported("wav files are limited to 4 GiB".into()))?;
        let out = self
            .out
            .as_mut()
            .expect("invariant: `out` is only taken by finish/drop");
        let mut buf = Vec::with_capacity(samples.len() * 2);
        for s in samples {
            buf.extend_from_slice(&s.to_le_bytes());
        }
        out.write_all(&buf)?;
        self.data_bytes = bytes;
        Ok(())
    }

    /// Writes the final sizes into the header and closes the file.
    pub fn finish(mut self) -> Result<(), MediaError> {
        self.finalize()
    }

    fn finalize(&mut self) -> Result<(), MediaError> {
        let Some(mut out) = self.out.take() else {
            return Ok(());
        };
        out.seek(SeekFrom::Start(4))?;
        out.write_all(&(HEADER_LEN - 8 + self.data_bytes).to_le_bytes())?;
        out.seek(SeekFrom::Start(40))?;
        out.write_all(&self.data_bytes.to_le_bytes())?;
        out.flush()?;
        Ok(())
    }
}

impl Drop for WavWriter {
    fn drop(&mut self) {
        let _ = self.finalize();
    }
}

fn header(channels: u16, sample_rate: u32, data_bytes: u32) -> [u8; HEADER_LEN as usize] {
    let block_align = channels * 2;
    let mut h = [0u8; HEADER_LEN as usize];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&(HEADER_LEN - 8 + data_bytes).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes()); // PCM
    h[22..24].copy_from_slice(&channels.to_le_bytes());
    h[24..28].copy_from_slice(&sample_rate.to_le_bytes());
    h[28..32].copy_from_slice(&(sample_rate * u32::from(block_align)).to_le_bytes());
    h[32..34].copy_from_slice(&block_align.to_le_bytes());
    h[34..36].copy_from_slice(&16u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_bytes.to_le_bytes());
    h
}

/// Writes one frame (of any length) as a complete 48 kHz WAV file.
pub fn write_wav(path: &Path, frame: &AudioFrame) -> Result<(), MediaError> {
    let mut writer = WavWriter::create(path, frame.channels)?;
    writer.write(frame)?;
    writer.finish()
}
