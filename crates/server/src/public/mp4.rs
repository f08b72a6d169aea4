//! An MP4 writer for one H.264 and one Opus track, the two the public stream's encoder makes:
//! samples go to `mdat` as they come, and `moov` is written at the end from what was kept (a
//! few bytes per sample). Pure: it writes to any `Write + Seek` and knows nothing of streams.
//!
//! Written here rather than taken from a crate: the muxers on crates.io that build from
//! crates.io alone write H.264 with AAC only (no `Opus` sample entry), and AAC would mean a
//! second audio encode, which recording must not add. WebM is no choice either: it does not
//! carry H.264.

use std::io::{self, Seek, SeekFrom, Write};

/// The video track's timescale: RTP's 90 kHz.
const VIDEO_TIMESCALE: u32 = 90_000;
/// The audio track's timescale: Opus's 48 kHz.
const AUDIO_TIMESCALE: u32 = 48_000;
/// The movie's timescale (milliseconds).
const MOVIE_TIMESCALE: u32 = 1_000;
/// Opus's usual pre-skip at 48 kHz (the encoder's look-ahead).
const OPUS_PRE_SKIP: u16 = 312;

/// One sample's place in `mdat`, its length and duration in its track's timescale.
#[derive(Debug, Clone, Copy)]
struct Sample {
    offset: u64,
    size: u32,
    duration: u32,
    sync: bool,
}

/// An MP4 file being written.
pub(crate) struct Mp4Writer<W: Write + Seek> {
    out: W,
    /// Where `mdat`'s 64-bit size goes.
    mdat_start: u64,
    position: u64,
    width: u16,
    height: u16,
    channels: u16,
    sps: Option<Vec<u8>>,
    pps: Option<Vec<u8>>,
    video: Vec<Sample>,
    /// The last video sample's time (90 kHz), waiting for the next to know its duration.
    last_video_time: Option<u64>,
    audio: Vec<Sample>,
}

/// The NAL units of an Annex-B access unit.
fn nal_units(au: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= au.len() {
        if au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let ends: Vec<usize> = starts
        .iter()
        .skip(1)
        .map(|&s| {
            // The next start code, less a leading zero of a four-byte one.
            let e = s - 3;
            if e > 0 && au[e - 1] == 0 { e - 1 } else { e }
        })
        .chain(std::iter::once(au.len()))
        .collect();
    starts
        .into_iter()
        .zip(ends)
        .filter(|(s, e)| s < e)
        .map(move |(s, e)| &au[s..e])
}

impl<W: Write + Seek> Mp4Writer<W> {
    /// Starts a file of `width`x`height` video and `channels`-channel Opus audio.
    pub(crate) fn new(mut out: W, width: u16, height: u16, channels: u16) -> io::Result<Self> {
        let mut head = Vec::new();
        boxed(&mut head, b"ftyp", |b| {
            b.extend_from_slice(b"isom");
            b.extend_from_slice(&512u32.to_be_bytes());
            for brand in [b"isom", b"iso2", b"avc1", b"mp41"] {
                b.extend_from_slice(brand);
            }
        });
        let mdat_start = head.len() as u64;
        // A 64-bit size, patched at the end.
        head.extend_from_slice(&1u32.to_be_bytes());
        head.extend_from_slice(b"mdat");
        head.extend_from_slice(&0u64.to_be_bytes());
        out.write_all(&head)?;
        Ok(Mp4Writer {
            out,
            mdat_start,
            position: head.len() as u64,
            width,
            height,
            channels: channels.max(1),
            sps: None,
            pps: None,
            video: Vec::new(),
            last_video_time: None,
            audio: Vec::new(),
        })
    }

    /// Adds an Annex-B access unit at `time` (90 kHz from the start). The first keyframe's
    /// parameter sets also go to the sample entry; before it, nothing is written (it could
    /// not be decoded). Returns whether the picture was written.
    pub(crate) fn write_video(&mut self, au: &[u8], time: u64) -> io::Result<bool> {
        let mut sample = Vec::with_capacity(au.len() + 16);
        let mut sync = false;
        let starting = self.video.is_empty();
        for nal in nal_units(au) {
            let kind = nal[0] & 0x1f;
            // The sample entry takes the parameter sets the file starts with; they stay in
            // the samples too, so a picture size changed by a layout update still decodes.
            match kind {
                7 if starting => self.sps = Some(nal.to_vec()),
                8 if starting => self.pps = Some(nal.to_vec()),
                9 => continue,
                _ => {}
            }
            sync |= kind == 5;
            let len = u32::try_from(nal.len()).map_err(|_| invalid("NAL unit too long"))?;
            sample.extend_from_slice(&len.to_be_bytes());
            sample.extend_from_slice(nal);
        }
        if sample.is_empty() || (self.video.is_empty() && !(sync && self.sps.is_some())) {
            return Ok(false);
        }
        if let (Some(last), Some(prev)) = (self.last_video_time, self.video.last_mut()) {
            prev.duration = u32::try_from(time.saturating_sub(last).max(1)).unwrap_or(u32::MAX);
        }
        self.last_video_time = Some(time);
        let size = self.append(&sample)?;
        self.video.push(Sample {
            offset: self.position - u64::from(size),
            size,
            // Until the next picture tells, a picture lasts 1/30 s.
            duration: VIDEO_TIMESCALE / 30,
            sync,
        });
        Ok(true)
    }

    /// Adds an Opus packet covering `samples` samples per channel at 48 kHz.
    pub(crate) fn write_audio(&mut self, packet: &[u8], samples: u32) -> io::Result<()> {
        let Some(&toc) = packet.first() else {
            return Ok(());
        };
        if self.audio.is_empty() {
            // The first packet's TOC byte tells stereo from mono.
            self.channels = if toc & 0x04 != 0 { 2 } else { 1 };
        }
        let size = self.append(packet)?;
        self.audio.push(Sample {
            offset: self.position - u64::from(size),
            size,
            duration: samples,
            sync: true,
        });
        Ok(())
    }

    /// Sets the last picture's duration (how long it showed before recording stopped).
    pub(crate) fn end_video_at(&mut self, time: u64) {
        if let (Some(last), Some(prev)) = (self.last_video_time, self.video.last_mut())
            && time > last
        {
            prev.duration = u32::try_from(time - last).unwrap_or(u32::MAX);
        }
    }

    fn append(&mut self, data: &[u8]) -> io::Result<u32> {
        let size = u32::try_from(data.len()).map_err(|_| invalid("sample too long"))?;
        self.out.write_all(data)?;
        self.position += u64::from(size);
        Ok(size)
    }

    /// Writes `moov` and patches `mdat`'s size: the file is complete.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        let mdat_size = self.position - self.mdat_start;
        let moov = self.moov();
        self.out.write_all(&moov)?;
        self.out.seek(SeekFrom::Start(self.mdat_start + 8))?;
        self.out.write_all(&mdat_size.to_be_bytes())?;
        self.out.seek(SeekFrom::End(0))?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn moov(&self) -> Vec<u8> {
        let span = |samples: &[Sample]| samples.iter().map(|s| u64::from(s.duration)).sum::<u64>();
        let video_ms = span(&self.video) * u64::from(MOVIE_TIMESCALE) / u64::from(VIDEO_TIMESCALE);
        let audio_ms = span(&self.audio) * u64::from(MOVIE_TIMESCALE) / u64::from(AUDIO_TIMESCALE);
        let mut moov = Vec::new();
        boxed(&mut moov, b"moov", |b| {
            full(b, b"mvhd", 0, 0, |b| {
                b.extend_from_slice(&[0; 8]); // creation, modification
                b.extend_from_slice(&MOVIE_TIMESCALE.to_be_bytes());
                b.extend_from_slice(&clamp32(video_ms.max(audio_ms)).to_be_bytes());
                b.extend_from_slice(&0x0001_0000u32.to_be_bytes()); // rate 1.0
                b.extend_from_slice(&0x0100u16.to_be_bytes()); // volume 1.0
                b.extend_from_slice(&[0; 10]);
                matrix(b);
                b.extend_from_slice(&[0; 24]);
                b.extend_from_slice(&3u32.to_be_bytes()); // next track id
            });
            if !self.video.is_empty() {
                self.trak(b, 1, video_ms, true);
            }
            if !self.audio.is_empty() {
                self.trak(b, 2, audio_ms, false);
            }
        });
        moov
    }

    fn trak(&self, b: &mut Vec<u8>, id: u32, duration_ms: u64, video: bool) {
        let (samples, timescale) = if video {
            (&self.video, VIDEO_TIMESCALE)
        } else {
            (&self.audio, AUDIO_TIMESCALE)
        };
        let media_duration: u64 = samples.iter().map(|s| u64::from(s.duration)).sum();
        boxed(b, b"trak", |b| {
            full(b, b"tkhd", 0, 3, |b| {
                b.extend_from_slice(&[0; 8]);
                b.extend_from_slice(&id.to_be_bytes());
                b.extend_from_slice(&[0; 4]);
                b.extend_from_slice(&clamp32(duration_ms).to_be_bytes());
                b.extend_from_slice(&[0; 8]);
                b.extend_from_slice(&[0; 4]); // layer, alternate group
                b.extend_from_slice(&(if video { 0u16 } else { 0x0100 }).to_be_bytes());
                b.extend_from_slice(&[0; 2]);
                matrix(b);
                let (w, h) = if video {
                    (self.width, self.height)
                } else {
                    (0, 0)
                };
                b.extend_from_slice(&(u32::from(w) << 16).to_be_bytes());
                b.extend_from_slice(&(u32::from(h) << 16).to_be_bytes());
            });
            boxed(b, b"mdia", |b| {
                full(b, b"mdhd", 0, 0, |b| {
                    b.extend_from_slice(&[0; 8]);
                    b.extend_from_slice(&timescale.to_be_bytes());
                    b.extend_from_slice(&clamp32(media_duration).to_be_bytes());
                    b.extend_from_slice(&0x55c4u16.to_be_bytes()); // "und"
                    b.extend_from_slice(&[0; 2]);
                });
                full(b, b"hdlr", 0, 0, |b| {
                    b.extend_from_slice(&[0; 4]);
                    b.extend_from_slice(if video { b"vide" } else { b"soun" });
                    b.extend_from_slice(&[0; 12]);
                    b.extend_from_slice(if video { b"Video\0" } else { b"Audio\0" });
                });
                boxed(b, b"minf", |b| {
                    if video {
                        full(b, b"vmhd", 0, 1, |b| b.extend_from_slice(&[0; 8]));
                    } else {
                        full(b, b"smhd", 0, 0, |b| b.extend_from_slice(&[0; 4]));
                    }
                    boxed(b, b"dinf", |b| {
                        full(b, b"dref", 0, 0, |b| {
                            b.extend_from_slice(&1u32.to_be_bytes());
                            full(b, b"url ", 0, 1, |_| {});
                        });
                    });
                    boxed(b, b"stbl", |b| self.stbl(b, samples, video));
                });
            });
        });
    }

    fn stbl(&self, b: &mut Vec<u8>, samples: &[Sample], video: bool) {
        full(b, b"stsd", 0, 0, |b| {
            b.extend_from_slice(&1u32.to_be_bytes());
            if video {
                self.avc1(b);
            } else {
                self.opus(b);
            }
        });
        // Runs of equal durations.
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for s in samples {
            match runs.last_mut() {
                Some((count, d)) if *d == s.duration => *count += 1,
                _ => runs.push((1, s.duration)),
            }
        }
        full(b, b"stts", 0, 0, |b| {
            b.extend_from_slice(&len32(runs.len()).to_be_bytes());
            for (count, d) in &runs {
                b.extend_from_slice(&count.to_be_bytes());
                b.extend_from_slice(&d.to_be_bytes());
            }
        });
        if video {
            full(b, b"stss", 0, 0, |b| {
                let syncs: Vec<u32> = (1..)
                    .zip(samples)
                    .filter(|(_, s)| s.sync)
                    .map(|(i, _)| i)
                    .collect();
                b.extend_from_slice(&len32(syncs.len()).to_be_bytes());
                for i in syncs {
                    b.extend_from_slice(&i.to_be_bytes());
                }
            });
        }
        // One sample per chunk: the tracks interleave as the samples came.
        full(b, b"stsc", 0, 0, |b| {
            b.extend_from_slice(&1u32.to_be_bytes());
            for v in [1u32, 1, 1] {
                b.extend_from_slice(&v.to_be_bytes());
            }
        });
        full(b, b"stsz", 0, 0, |b| {
            b.extend_from_slice(&0u32.to_be_bytes());
            b.extend_from_slice(&len32(samples.len()).to_be_bytes());
            for s in samples {
                b.extend_from_slice(&s.size.to_be_bytes());
            }
        });
        full(b, b"co64", 0, 0, |b| {
            b.extend_from_slice(&len32(samples.len()).to_be_bytes());
            for s in samples {
                b.extend_from_slice(&s.offset.to_be_bytes());
            }
        });
    }

    fn avc1(&self, b: &mut Vec<u8>) {
        let sps = self.sps.as_deref().unwrap_or_default();
        let pps = self.pps.as_deref().unwrap_or_default();
        boxed(b, b"avc1", |b| {
            b.extend_from_slice(&[0; 6]);
            b.extend_from_slice(&1u16.to_be_bytes()); // data reference index
            b.extend_from_slice(&[0; 16]);
            b.extend_from_slice(&self.width.to_be_bytes());
            b.extend_from_slice(&self.height.to_be_bytes());
            b.extend_from_slice(&0x0048_0000u32.to_be_bytes()); // 72 dpi
            b.extend_from_slice(&0x0048_0000u32.to_be_bytes());
            b.extend_from_slice(&[0; 4]);
            b.extend_from_slice(&1u16.to_be_bytes()); // frames per sample
            b.extend_from_slice(&[0; 32]); // compressor name
            b.extend_from_slice(&0x0018u16.to_be_bytes()); // depth
            b.extend_from_slice(&(-1i16).to_be_bytes());
            boxed(b, b"avcC", |b| {
                b.push(1);
                b.extend_from_slice(sps.get(1..4).unwrap_or(&[66, 0, 31]));
                b.push(0xff); // 4-byte lengths
                b.push(0xe1); // one SPS
                b.extend_from_slice(&len16(sps.len()).to_be_bytes());
                b.extend_from_slice(sps);
                b.push(1);
                b.extend_from_slice(&len16(pps.len()).to_be_bytes());
                b.extend_from_slice(pps);
            });
        });
    }

    fn opus(&self, b: &mut Vec<u8>) {
        boxed(b, b"Opus", |b| {
            b.extend_from_slice(&[0; 6]);
            b.extend_from_slice(&1u16.to_be_bytes());
            b.extend_from_slice(&[0; 8]);
            b.extend_from_slice(&self.channels.to_be_bytes());
            b.extend_from_slice(&16u16.to_be_bytes()); // sample size
            b.extend_from_slice(&[0; 4]);
            b.extend_from_slice(&(AUDIO_TIMESCALE << 16).to_be_bytes());
            boxed(b, b"dOps", |b| {
                b.push(0); // version
                b.push(u8::try_from(self.channels).unwrap_or(2));
                b.extend_from_slice(&OPUS_PRE_SKIP.to_be_bytes());
                b.extend_from_slice(&AUDIO_TIMESCALE.to_be_bytes());
                b.extend_from_slice(&0i16.to_be_bytes()); // output gain
                b.push(0); // mapping family: mono or stereo
            });
        });
    }
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

fn clamp32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn len16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// The identity matrix of `mvhd` and `tkhd`.
fn matrix(b: &mut Vec<u8>) {
    for v in [0x0001_0000u32, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000] {
        b.extend_from_slice(&v.to_be_bytes());
    }
}

/// Appends box `kind` with the content `fill` writes, its size set after.
fn boxed(b: &mut Vec<u8>, kind: &[u8; 4], fill: impl FnOnce(&mut Vec<u8>)) {
    let start = b.len();
    b.extend_from_slice(&[0; 4]);
    b.extend_from_slice(kind);
    fill(b);
    let size = len32(b.len() - start);
    b[start..start + 4].copy_from_slice(&size.to_be_bytes());
}

/// A full box: version and flags, then the content.
fn full(b: &mut Vec<u8>, kind: &[u8; 4], version: u8, flags: u32, fill: impl FnOnce(&mut Vec<u8>)) {
    boxed(b, kind, |b| {
        b.extend_from_slice(&((u32::from(version) << 24) | (flags & 0x00ff_ffff)).to_be_bytes());
        fill(b);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annex_b_splits_into_nal_units_with_either_start_code() {
        let au = [
            0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4, 5,
        ];
        let units: Vec<&[u8]> = nal_units(&au).collect();
        assert_eq!(units, vec![&[0x67, 1, 2][..], &[0x68, 3], &[0x65, 4, 5]]);
    }

    #[test]
    fn nothing_is_written_before_a_keyframe_with_its_parameter_sets() {
        let mut w = Mp4Writer::new(io::Cursor::new(Vec::new()), 16, 16, 2).expect("in memory");
        assert!(!w.write_video(&[0, 0, 1, 0x41, 9], 0).expect("writes"));
        assert!(w.video.is_empty());
        let key = [0, 0, 1, 0x67, 66, 0, 31, 0, 0, 1, 0x68, 1, 0, 0, 1, 0x65, 7];
        assert!(w.write_video(&key, 3000).expect("writes"));
        assert!(w.write_video(&[0, 0, 1, 0x41, 9], 6000).expect("writes"));
        w.end_video_at(9000);
        let bytes = w.finish().expect("finishes").into_inner();
        // One keyframe of two samples, each lasting 3000 ticks.
        let stts = bytes
            .windows(4)
            .position(|x| x == b"stts")
            .expect("an stts box");
        assert_eq!(&bytes[stts + 8..stts + 16], &[0, 0, 0, 1, 0, 0, 0, 2]);
        assert_eq!(&bytes[stts + 16..stts + 20], &3000u32.to_be_bytes());
    }
}
