//! YUV4MPEG2 (y4m) files: raw 4:2:0 video as a capture source (a recorded clip played in place
//! of a camera), and a writer that tests use to make such clips. The format is a one-line text
//! header and raw I420 planes per frame, so it needs no codec. Plain `std::io`.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::error::with_path;
use crate::video::frame::chroma_size;
use crate::{MediaError, VideoFrame, VideoSource};

/// Largest width or height accepted from a header (guards allocations against bogus files).
const MAX_SIDE: u32 = 16_384;
/// Longest header or frame line we read.
const MAX_LINE: u64 = 1024;

/// A 4:2:0 y4m file played as a video source at the header's frame rate (C420jpeg, C420,
/// C420mpeg2, C420paldv or no colour space tag; 8-bit only).
pub struct Y4mSource {
    reader: BufReader<File>,
    data_start: u64,
    width: u32,
    height: u32,
    fps: u32,
    looping: bool,
    ended: bool,
}

/// Reads one line (without its `\n`; a last line may lack it); `None` at end of file.
fn read_line(reader: &mut impl BufRead) -> std::io::Result<Option<String>> {
    let mut line = Vec::new();
    reader.take(MAX_LINE).read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
    } else if line.len() as u64 == MAX_LINE {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "line too long",
        ));
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

/// Width, height and rounded frame rate from a `YUV4MPEG2 ...` header line.
fn parse_header(line: &str, path: &Path) -> Result<(u32, u32, u32), MediaError> {
    let bad = |what: String| MediaError::Decode(format!("{}: {what}", path.display()));
    let mut words = line.split(' ');
    if words.next() != Some("YUV4MPEG2") {
        return Err(bad("not a y4m file (no YUV4MPEG2 signature)".into()));
    }
    let (mut width, mut height, mut fps) = (None, None, None);
    for word in words.filter(|w| !w.is_empty()) {
        let (tag, value) = word.split_at(1);
        match tag {
            "W" => width = value.parse::<u32>().ok(),
            "H" => height = value.parse::<u32>().ok(),
            "F" => {
                let (n, d) = value
                    .split_once(':')
                    .ok_or_else(|| bad(format!("bad frame rate {value:?}")))?;
                let (n, d) = (n.parse::<f64>().ok(), d.parse::<f64>().ok());
                fps = match (n, d) {
                    (Some(n), Some(d)) if n > 0.0 && d > 0.0 => Some((n / d).round().max(1.0)),
                    _ => return Err(bad(format!("bad frame rate {value:?}"))),
                };
            }
            "C" if !matches!(value, "420jpeg" | "420" | "420mpeg2" | "420paldv") => {
                return Err(MediaError::Unsupported(format!(
                    "{}: colour space C{value}; only 8-bit 4:2:0 y4m is supported",
                    path.display()
                )));
            }
            "I" if value != "p" && value != "?" => {
                return Err(MediaError::Unsupported(format!(
                    "{}: interlaced y4m (I{value})",
                    path.display()
                )));
            }
            _ => {}
        }
    }
    let (Some(width), Some(height)) = (width, height) else {
        return Err(bad("header has no valid W and H".into()));
    };
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(MediaError::Unsupported(format!(
            "{}: picture size {width}x{height}",
            path.display()
        )));
    }
    let fps = fps.unwrap_or(30.0).min(1000.0) as u32;
    Ok((width, height, fps))
}

impl Y4mSource {
    /// Opens `path` and reads its header. Fails with [`MediaError::Io`] for a missing file,
    /// [`MediaError::Decode`] for a malformed header and [`MediaError::Unsupported`] for a
    /// colour space other than 8-bit 4:2:0 or interlaced video.
    pub fn open(path: &Path) -> Result<Self, MediaError> {
        let file = File::open(path).map_err(|e| with_path(e, path))?;
        let mut reader = BufReader::new(file);
        let not_y4m = || MediaError::Decode(format!("{}: not a y4m file", path.display()));
        let line = match read_line(&mut reader) {
            Ok(Some(line)) => line,
            Ok(None) => return Err(not_y4m()),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => return Err(not_y4m()),
            Err(e) => return Err(with_path(e, path)),
        };
        let (width, height, fps) = parse_header(&line, path)?;
        let data_start = line.len() as u64 + 1;
        Ok(Y4mSource {
            reader,
            data_start,
            width,
            height,
            fps,
            looping: false,
            ended: false,
        })
    }

    /// Whether to start again at the end of the file (default: off).
    pub fn looping(mut self, on: bool) -> Self {
        self.looping = on;
        self
    }

    /// Reads the next frame; `Ok(None)` at a clean end of file.
    fn read_frame(&mut self) -> std::io::Result<Option<VideoFrame>> {
        let Some(line) = read_line(&mut self.reader)? else {
            return Ok(None);
        };
        if !line.starts_with("FRAME") {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "expected a FRAME marker",
            ));
        }
        let (cw, ch) = chroma_size(self.width, self.height);
        let mut frame = VideoFrame {
            width: self.width,
            height: self.height,
            y: vec![0; self.width as usize * self.height as usize],
            u: vec![0; cw * ch],
            v: vec![0; cw * ch],
        };
        self.reader.read_exact(&mut frame.y)?;
        self.reader.read_exact(&mut frame.u)?;
        self.reader.read_exact(&mut frame.v)?;
        Ok(Some(frame))
    }
}

impl VideoSource for Y4mSource {
    fn fps(&self) -> u32 {
        self.fps
    }

    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The next frame; `None` at the end of a non-looping file or at the first malformed or
    /// truncated frame.
    fn next_frame(&mut self) -> Option<VideoFrame> {
        if self.ended {
            return None;
        }
        match self.read_frame() {
            Ok(Some(frame)) => return Some(frame),
            Ok(None) if self.looping => {}
            _ => {
                self.ended = true;
                return None;
            }
        }
        // Loop: back to the first frame, once; a file with no frames ends here.
        let rewound = self.reader.seek(SeekFrom::Start(self.data_start)).is_ok();
        match self.read_frame() {
            Ok(Some(frame)) if rewound => Some(frame),
            _ => {
                self.ended = true;
                None
            }
        }
    }
}

/// Writes `frames` (all the same size) as an 8-bit C420jpeg y4m file at `fps` frames per
/// second.
pub fn write_y4m(path: &Path, frames: &[VideoFrame], fps: u32) -> Result<(), MediaError> {
    if fps == 0 {
        return Err(MediaError::InvalidArgument("y4m frame rate 0".into()));
    }
    let (width, height) = match frames.first() {
        Some(f) => (f.width, f.height),
        None => {
            return Err(MediaError::InvalidArgument(
                "a y4m file needs at least one frame".into(),
            ));
        }
    };
    for f in frames {
        f.validate()?;
        if (f.width, f.height) != (width, height) {
            return Err(MediaError::InvalidArgument(format!(
                "all frames of a y4m file must be {width}x{height}, got {}x{}",
                f.width, f.height
            )));
        }
    }
    let file = File::create(path).map_err(|e| with_path(e, path))?;
    let mut out = BufWriter::new(file);
    writeln!(
        out,
        "YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg"
    )?;
    for f in frames {
        out.write_all(b"FRAME\n")?;
        out.write_all(&f.y)?;
        out.write_all(&f.u)?;
        out.write_all(&f.v)?;
    }
    out.flush()?;
    Ok(())
}
