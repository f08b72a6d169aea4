//! Audio files as a capture source: wav, mp3, ogg/vorbis and flac decoded by symphonia,
//! resampled to 48 kHz ([`Resampler`]) and cut into 20 ms frames. Synchronous and unpaced:
//! the caller decides when to pull the next frame. No other crate module but the resampler.

use std::collections::VecDeque;
use std::fs::File;
use std::path::{Path, PathBuf};

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, Decoder, DecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::resample::Resampler;
use crate::error::with_path;
use crate::{AudioFrame, AudioSource, FRAME_SAMPLES, MediaError, SAMPLE_RATE};

/// Lowest and highest file sample rates accepted (bounds the resampler's kernel size).
const MIN_RATE: u32 = 1_000;
const MAX_RATE: u32 = 768_000;

/// An audio file decoded, resampled to 48 kHz and cut into 20 ms frames. Mono files give mono
/// frames; files with two or more channels give stereo (the first two channels). The last
/// frame is padded with silence.
pub struct FileAudioSource {
    path: PathBuf,
    stream: Option<Stream>,
    channels: u16,
    resampler: Option<Resampler>,
    pending: VecDeque<i16>,
    looping: bool,
    ended: bool,
    /// Samples decoded since the file was last (re)opened; a pass with none ends looping.
    decoded_this_pass: usize,
}

/// One open pass over the file.
struct Stream {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn Decoder>,
    track_id: u32,
}

/// What one step of decoding produced.
enum Step {
    /// Interleaved samples at `rate` with `channels` channels.
    Audio {
        samples: Vec<i16>,
        channels: usize,
        rate: u32,
    },
    /// A packet for another track, or a corrupt packet that was skipped.
    Nothing,
    /// The end of the file (or an error that ends it).
    End,
}

fn describe(e: SymphoniaError, path: &Path) -> MediaError {
    match e {
        SymphoniaError::IoError(io) => with_path(io, path),
        SymphoniaError::Unsupported(what) => {
            MediaError::Unsupported(format!("{}: {what}", path.display()))
        }
        other => MediaError::Decode(format!("{}: {other}", path.display())),
    }
}

impl Stream {
    fn open(path: &Path) -> Result<Self, MediaError> {
        Self::open_track(path, 0).map(|(stream, _)| stream)
    }

    /// Opens the `track`-th audio track of `path` (counting from 0); also says how many
    /// audio tracks the file has.
    fn open_track(path: &Path, track: usize) -> Result<(Self, usize), MediaError> {
        let file = File::open(path).map_err(|e| with_path(e, path))?;
        let mss = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let probed = symphonia::default::get_probe()
            .format(
                &hint,
                mss,
                &FormatOptions::default(),
                &MetadataOptions::default(),
            )
            .map_err(|e| match e {
                SymphoniaError::Unsupported(_) => MediaError::Unsupported(format!(
                    "{}: not an audio file this build reads (wav, mp3, ogg/vorbis, flac)",
                    path.display()
                )),
                other => describe(other, path),
            })?;
        let format = probed.format;
        let audio = || {
            format
                .tracks()
                .iter()
                .filter(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        };
        let count = audio().count();
        let track = audio().nth(track).ok_or_else(|| {
            MediaError::InvalidArgument(format!(
                "{}: no audio track {track} (it has {count})",
                path.display()
            ))
        })?;
        let track_id = track.id;
        let decoder = symphonia::default::get_codecs()
            .make(&track.codec_params, &DecoderOptions::default())
            .map_err(|e| describe(e, path))?;
        Ok((
            Stream {
                format,
                decoder,
                track_id,
            },
            count,
        ))
    }

    /// Decodes the next packet. Errors on the first packets are reported by `open` (which
    /// pulls the first frame); later corrupt packets are skipped, other errors end the file.
    fn step(&mut self) -> Result<Step, SymphoniaError> {
        let packet = match self.format.next_packet() {
            Ok(p) => p,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Ok(Step::End);
            }
            Err(SymphoniaError::ResetRequired) => return Ok(Step::End),
            Err(e) => return Err(e),
        };
        if packet.track_id() != self.track_id {
            return Ok(Step::Nothing);
        }
        let decoded = match self.decoder.decode(&packet) {
            Ok(d) => d,
            Err(SymphoniaError::DecodeError(_)) => return Ok(Step::Nothing),
            Err(e) => return Err(e),
        };
        let spec = *decoded.spec();
        if decoded.frames() == 0 {
            return Ok(Step::Nothing);
        }
        let mut buf = SampleBuffer::<i16>::new(decoded.capacity() as u64, spec);
        buf.copy_interleaved_ref(decoded);
        Ok(Step::Audio {
            samples: buf.samples().to_vec(),
            channels: spec.channels.count(),
            rate: spec.rate,
        })
    }
}

/// A whole audio file decoded into memory at its own rate (see [`decode_file`]).
#[derive(Debug, Clone)]
pub struct DecodedAudio {
    /// Interleaved samples: mono files mono, all others their first two channels.
    pub samples: Vec<i16>,
    /// 1 or 2.
    pub channels: u16,
    /// The file's sample rate in Hz.
    pub rate: u32,
    /// How many audio tracks the file has.
    pub tracks: usize,
}

impl DecodedAudio {
    /// Samples per channel.
    pub fn frames(&self) -> usize {
        self.samples.len() / usize::from(self.channels.max(1))
    }

    /// How long the audio plays, in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.frames() as u64 * 1000 / u64::from(self.rate.max(1))
    }
}

/// Decodes audio track `track` (counting from 0) of `path` (wav, mp3, ogg/vorbis, flac) whole,
/// at the file's own rate, for mixing. `max_ms` bounds what is kept: a longer file fails with
/// [`MediaError::Unsupported`]. A track the file does not have is [`MediaError::InvalidArgument`];
/// the other failures are [`FileAudioSource::open`]'s.
pub fn decode_file(path: &Path, track: usize, max_ms: u64) -> Result<DecodedAudio, MediaError> {
    let (mut stream, tracks) = Stream::open_track(path, track)?;
    let mut samples = Vec::new();
    let mut shape: Option<(usize, u32)> = None;
    loop {
        match stream.step() {
            Ok(Step::Audio {
                samples: chunk,
                channels,
                rate,
            }) => {
                if channels == 0 || !(MIN_RATE..=MAX_RATE).contains(&rate) {
                    return Err(MediaError::Unsupported(format!(
                        "{}: {channels} channels at {rate} Hz (rates from {MIN_RATE} to \
                         {MAX_RATE} Hz are supported)",
                        path.display()
                    )));
                }
                let (channels, rate) = *shape.get_or_insert((channels, rate));
                let out = if channels == 1 { 1 } else { 2 };
                for s in chunk.chunks_exact(channels) {
                    samples.extend_from_slice(&s[..out]);
                }
                let frames = (samples.len() / out) as u64;
                if frames * 1000 > max_ms * u64::from(rate) {
                    return Err(MediaError::Unsupported(format!(
                        "{}: longer than {max_ms} ms",
                        path.display()
                    )));
                }
            }
            Ok(Step::Nothing) => {}
            Ok(Step::End) => break,
            // A failure after some audio ends the file where it broke, as a source does.
            Err(_) if shape.is_some() => break,
            Err(e) => return Err(describe(e, path)),
        }
    }
    let Some((channels, rate)) = shape else {
        return Err(MediaError::Decode(format!(
            "{}: contains no audio",
            path.display()
        )));
    };
    Ok(DecodedAudio {
        samples,
        channels: if channels == 1 { 1 } else { 2 },
        rate,
        tracks,
    })
}

impl FileAudioSource {
    /// Opens `path` and decodes its first frame. Fails with [`MediaError::Io`] for a missing
    /// or unreadable file, [`MediaError::Unsupported`] for a format or codec this build does not
    /// read, and [`MediaError::Decode`] for a corrupt or empty one.
    pub fn open(path: &Path) -> Result<Self, MediaError> {
        let mut stream = Stream::open(path)?;
        // Decode up to the first audio, so a file that cannot produce any fails here.
        let (samples, channels, rate) = loop {
            match stream.step().map_err(|e| describe(e, path))? {
                Step::Audio {
                    samples,
                    channels,
                    rate,
                } => break (samples, channels, rate),
                Step::Nothing => continue,
                Step::End => {
                    return Err(MediaError::Decode(format!(
                        "{}: contains no audio",
                        path.display()
                    )));
                }
            }
        };
        if channels == 0 || !(MIN_RATE..=MAX_RATE).contains(&rate) {
            return Err(MediaError::Unsupported(format!(
                "{}: {channels} channels at {rate} Hz (rates from {MIN_RATE} to {MAX_RATE} Hz \
                 are supported)",
                path.display()
            )));
        }
        let out_channels: u16 = if channels == 1 { 1 } else { 2 };
        let resampler = (rate != SAMPLE_RATE)
            .then(|| Resampler::new(rate, SAMPLE_RATE, usize::from(out_channels)));
        let mut source = FileAudioSource {
            path: path.to_path_buf(),
            stream: Some(stream),
            channels: out_channels,
            resampler,
            pending: VecDeque::new(),
            looping: false,
            ended: false,
            decoded_this_pass: 0,
        };
        source.push(&samples, channels);
        Ok(source)
    }

    /// Whether to start again from the beginning at the end of the file (default: off). A
    /// looping source never ends unless the file stops yielding audio.
    pub fn looping(mut self, on: bool) -> Self {
        self.looping = on;
        self
    }

    /// Converts decoded samples to this source's channel count, resamples and queues them.
    fn push(&mut self, samples: &[i16], channels: usize) {
        if channels == 0 {
            return;
        }
        self.decoded_this_pass += samples.len() / channels;
        let out = usize::from(self.channels);
        let mapped: Vec<i16> = samples
            .chunks_exact(channels)
            .flat_map(|s| {
                let (l, r) = if channels == 1 {
                    (s[0], s[0])
                } else {
                    (s[0], s[1])
                };
                [l, r].into_iter().take(out)
            })
            .collect();
        match &mut self.resampler {
            Some(r) => {
                let mut buf = Vec::new();
                r.process(&mapped, &mut buf);
                self.pending.extend(buf);
            }
            None => self.pending.extend(mapped),
        }
    }

    /// Reaches the end of the file: loops back to the start or drains the resampler.
    fn end_of_pass(&mut self) {
        self.stream = None;
        if self.looping && self.decoded_this_pass > 0 {
            self.decoded_this_pass = 0;
            // The file was readable a moment ago; if it no longer is, the source ends.
            if let Ok(stream) = Stream::open(&self.path) {
                self.stream = Some(stream);
                return;
            }
        }
        if let Some(r) = &mut self.resampler {
            let mut buf = Vec::new();
            r.finish(&mut buf);
            self.pending.extend(buf);
        }
        self.ended = true;
    }
}

impl AudioSource for FileAudioSource {
    fn channels(&self) -> u16 {
        self.channels
    }

    fn next_frame(&mut self) -> Option<AudioFrame> {
        let frame_len = FRAME_SAMPLES * usize::from(self.channels);
        while self.pending.len() < frame_len && !self.ended {
            let step = match &mut self.stream {
                Some(stream) => stream.step().unwrap_or(Step::End),
                None => Step::End,
            };
            match step {
                Step::Audio {
                    samples, channels, ..
                } => self.push(&samples, channels),
                Step::Nothing => {}
                Step::End => self.end_of_pass(),
            }
        }
        if self.pending.is_empty() {
            return None;
        }
        let take = frame_len.min(self.pending.len());
        let mut samples: Vec<i16> = self.pending.drain(..take).collect();
        samples.resize(frame_len, 0);
        Some(AudioFrame {
            samples,
            channels: self.channels,
        })
    }
}
