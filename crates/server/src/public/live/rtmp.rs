//! A small RTMP publishing client: the simple handshake, `connect`, `createStream` and
//! `publish`, then audio, video and data messages on the chunk stream. Hand-written rather
//! than a crate: publishing needs only this much of RTMP, and the crates that do more pull in
//! far more than they are used for. Reads what the server sends (chunk size changes, pings,
//! `onStatus`) on a task of its own once publishing, so a server that stops reading or
//! closes is noticed at once.

use std::collections::HashMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

use super::amf::{self, Amf};

/// What went wrong talking to the RTMP server.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RtmpError {
    /// The URL is not `rtmp://host[:port]/app/stream`.
    #[error("{0}")]
    BadUrl(String),
    /// The connection failed or broke.
    #[error("RTMP connection: {0}")]
    Io(#[from] std::io::Error),
    /// The server answered a command with an error.
    #[error("the RTMP server refused: {0}")]
    Refused(String),
    /// The server did not answer in time.
    #[error("the RTMP server did not answer within {0:?}")]
    Timeout(Duration),
}

/// Where to publish: `rtmp://host[:port]/app/stream`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RtmpUrl {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) app: String,
    pub(crate) stream: String,
}

impl RtmpUrl {
    /// Parses a publishing URL: the first path segment is the application, the rest (with
    /// any query) the stream name.
    pub(crate) fn parse(url: &str) -> Result<Self, RtmpError> {
        let bad = |why: &str| RtmpError::BadUrl(format!("url {url:?}: {why}"));
        if url.starts_with("rtmps://") {
            return Err(bad("rtmps is not supported; push to an rtmp:// URL"));
        }
        let rest = url
            .strip_prefix("rtmp://")
            .ok_or_else(|| bad("must start with rtmp://"))?;
        let (authority, path) = rest
            .split_once('/')
            .ok_or_else(|| bad("needs /app/stream after the host"))?;
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().map_err(|_| bad("the port is not a number"))?),
            None => (authority, 1935),
        };
        let (app, stream) = path
            .split_once('/')
            .ok_or_else(|| bad("needs a stream name after the application"))?;
        if host.is_empty() || app.is_empty() || stream.is_empty() || port == 0 {
            return Err(bad("host, application and stream name must not be empty"));
        }
        Ok(RtmpUrl {
            host: host.to_owned(),
            port,
            app: app.to_owned(),
            stream: stream.to_owned(),
        })
    }

    fn tc_url(&self) -> String {
        format!("rtmp://{}:{}/{}", self.host, self.port, self.app)
    }
}

/// Size of the chunks this client sends (announced with Set Chunk Size).
const OUT_CHUNK: usize = 4096;
/// Largest message accepted from the server: commands are small.
const MAX_IN_MESSAGE: usize = 1 << 20;
/// How long each step of setting up may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one message may take to write: a server that stops reading ends the push rather
/// than holding it (and whoever stops it) forever.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

const CSID_CONTROL: u8 = 2;
const CSID_COMMAND: u8 = 3;
const CSID_AUDIO: u8 = 4;
const CSID_DATA: u8 = 5;
const CSID_VIDEO: u8 = 6;

/// The kinds of message this client sends or reads.
mod kind {
    pub(super) const SET_CHUNK_SIZE: u8 = 1;
    pub(super) const USER_CONTROL: u8 = 4;
    pub(super) const AUDIO: u8 = 8;
    pub(super) const VIDEO: u8 = 9;
    pub(super) const DATA: u8 = 18;
    pub(super) const COMMAND: u8 = 20;
}

/// One whole message read from the server.
struct Message {
    kind: u8,
    payload: Vec<u8>,
}

/// Writes messages as chunks.
struct ChunkWriter {
    out: OwnedWriteHalf,
    buf: Vec<u8>,
}

impl ChunkWriter {
    async fn send(
        &mut self,
        csid: u8,
        kind: u8,
        stream_id: u32,
        time_ms: u32,
        payload: &[u8],
    ) -> std::io::Result<()> {
        let len = u32::try_from(payload.len())
            .ok()
            .filter(|l| *l < 1 << 24)
            .ok_or_else(|| std::io::Error::other("an RTMP message over 16 MB"))?;
        let extended = time_ms >= 0xFF_FFFF;
        let stamp = if extended { 0xFF_FFFF } else { time_ms };
        self.buf.clear();
        self.buf.push(csid);
        self.buf.extend_from_slice(&stamp.to_be_bytes()[1..]);
        self.buf.extend_from_slice(&len.to_be_bytes()[1..]);
        self.buf.push(kind);
        self.buf.extend_from_slice(&stream_id.to_le_bytes());
        if extended {
            self.buf.extend_from_slice(&time_ms.to_be_bytes());
        }
        for (i, chunk) in payload.chunks(OUT_CHUNK).enumerate() {
            if i > 0 {
                self.buf.push(0xC0 | csid);
                if extended {
                    self.buf.extend_from_slice(&time_ms.to_be_bytes());
                }
            }
            self.buf.extend_from_slice(chunk);
        }
        tokio::time::timeout(WRITE_TIMEOUT, self.out.write_all(&self.buf))
            .await
            .map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the RTMP server stopped reading",
                )
            })?
    }
}

/// Per chunk stream: the last header and the message being put together.
#[derive(Default)]
struct InStream {
    len: usize,
    kind: u8,
    extended: bool,
    body: Vec<u8>,
}

/// Reads chunks and puts messages together.
struct ChunkReader {
    input: OwnedReadHalf,
    chunk: usize,
    streams: HashMap<u32, InStream>,
}

impl ChunkReader {
    async fn byte(&mut self) -> std::io::Result<u8> {
        self.input.read_u8().await
    }

    async fn bytes<const N: usize>(&mut self) -> std::io::Result<[u8; N]> {
        let mut b = [0; N];
        self.input.read_exact(&mut b).await?;
        Ok(b)
    }

    /// The next whole message; Set Chunk Size is applied here and not returned.
    async fn next(&mut self) -> std::io::Result<Message> {
        loop {
            let first = self.byte().await?;
            let fmt = first >> 6;
            let csid = match first & 0x3F {
                0 => 64 + u32::from(self.byte().await?),
                1 => {
                    let [a, b] = self.bytes::<2>().await?;
                    64 + u32::from(a) + 256 * u32::from(b)
                }
                n => u32::from(n),
            };
            let mut stamp = 0;
            let mut header = None;
            match fmt {
                0 => {
                    let h = self.bytes::<11>().await?;
                    stamp = u32::from_be_bytes([0, h[0], h[1], h[2]]);
                    header = Some((u32::from_be_bytes([0, h[3], h[4], h[5]]), h[6]));
                }
                1 => {
                    let h = self.bytes::<7>().await?;
                    stamp = u32::from_be_bytes([0, h[0], h[1], h[2]]);
                    header = Some((u32::from_be_bytes([0, h[3], h[4], h[5]]), h[6]));
                }
                2 => {
                    let h = self.bytes::<3>().await?;
                    stamp = u32::from_be_bytes([0, h[0], h[1], h[2]]);
                }
                _ => {}
            }
            let stream = self.streams.entry(csid).or_default();
            if let Some((len, kind)) = header {
                stream.len = len as usize;
                stream.kind = kind;
            }
            if fmt < 3 {
                stream.extended = stamp == 0xFF_FFFF;
            }
            let extended = stream.extended;
            if stream.len > MAX_IN_MESSAGE {
                return Err(std::io::Error::other(
                    "an RTMP message too large to be a command",
                ));
            }
            if extended {
                self.bytes::<4>().await?;
            }
            let stream = self.streams.entry(csid).or_default();
            let want = (stream.len - stream.body.len()).min(self.chunk);
            let start = stream.body.len();
            stream.body.resize(start + want, 0);
            let mut body = std::mem::take(&mut stream.body);
            self.input.read_exact(&mut body[start..]).await?;
            let stream = self.streams.entry(csid).or_default();
            if body.len() < stream.len {
                stream.body = body;
                continue;
            }
            let message = Message {
                kind: stream.kind,
                payload: body,
            };
            if message.kind == kind::SET_CHUNK_SIZE && message.payload.len() >= 4 {
                let size = u32::from_be_bytes([
                    message.payload[0],
                    message.payload[1],
                    message.payload[2],
                    message.payload[3],
                ]) & 0x7FFF_FFFF;
                self.chunk = (size as usize).clamp(1, MAX_IN_MESSAGE);
                continue;
            }
            return Ok(message);
        }
    }
}

/// A stream being published. Dropping it closes the connection.
pub(crate) struct Publisher {
    writer: ChunkWriter,
    stream_id: u32,
    /// Control replies from the reading task (pongs); closed when the server is gone.
    replies: mpsc::Receiver<Vec<u8>>,
}

impl Publisher {
    /// Connects to `url` and starts publishing its stream.
    pub(crate) async fn connect(url: &RtmpUrl) -> Result<Publisher, RtmpError> {
        let socket = step(async {
            Ok::<_, RtmpError>(TcpStream::connect((url.host.as_str(), url.port)).await?)
        })
        .await?;
        socket.set_nodelay(true)?;
        let (input, out) = socket.into_split();
        let mut writer = ChunkWriter {
            out,
            buf: Vec::new(),
        };
        let mut reader = ChunkReader {
            input,
            chunk: 128,
            streams: HashMap::new(),
        };
        step(handshake(&mut writer, &mut reader)).await?;
        let size = u32::try_from(OUT_CHUNK).unwrap_or(4096).to_be_bytes();
        writer
            .send(CSID_CONTROL, kind::SET_CHUNK_SIZE, 0, 0, &size)
            .await?;
        let connect = amf::encode(&[
            Amf::str("connect"),
            Amf::Number(1.0),
            Amf::Object(vec![
                ("app".into(), Amf::str(&url.app)),
                ("type".into(), Amf::str("nonprivate")),
                ("flashVer".into(), Amf::str("FMLE/3.0 (compatible; Chorus)")),
                ("tcUrl".into(), Amf::str(&url.tc_url())),
            ]),
        ]);
        writer
            .send(CSID_COMMAND, kind::COMMAND, 0, 0, &connect)
            .await?;
        step(result_of(&mut reader, 1.0)).await?;
        let create = amf::encode(&[Amf::str("createStream"), Amf::Number(2.0), Amf::Null]);
        writer
            .send(CSID_COMMAND, kind::COMMAND, 0, 0, &create)
            .await?;
        let created = step(result_of(&mut reader, 2.0)).await?;
        let stream_id = created
            .get(3)
            .and_then(Amf::as_number)
            .filter(|n| *n >= 0.0 && *n < f64::from(u32::MAX))
            .ok_or_else(|| RtmpError::Refused("createStream gave no stream id".into()))?
            as u32;
        let publish = amf::encode(&[
            Amf::str("publish"),
            Amf::Number(3.0),
            Amf::Null,
            Amf::str(&url.stream),
            Amf::str("live"),
        ]);
        writer
            .send(CSID_COMMAND, kind::COMMAND, stream_id, 0, &publish)
            .await?;
        step(publish_started(&mut reader)).await?;
        let (tx, replies) = mpsc::channel(8);
        tokio::spawn(read_on(reader, tx));
        Ok(Publisher {
            writer,
            stream_id,
            replies,
        })
    }

    /// Sends `@setDataFrame onMetaData` with `props`.
    pub(crate) async fn metadata(&mut self, props: Vec<(String, Amf)>) -> std::io::Result<()> {
        let body = amf::encode(&[
            Amf::str("@setDataFrame"),
            Amf::str("onMetaData"),
            Amf::Object(props),
        ]);
        self.writer
            .send(CSID_DATA, kind::DATA, self.stream_id, 0, &body)
            .await
    }

    /// Sends an FLV video tag body at `time_ms`.
    pub(crate) async fn video(&mut self, time_ms: u32, body: &[u8]) -> std::io::Result<()> {
        self.writer
            .send(CSID_VIDEO, kind::VIDEO, self.stream_id, time_ms, body)
            .await
    }

    /// Sends an FLV audio tag body at `time_ms`.
    pub(crate) async fn audio(&mut self, time_ms: u32, body: &[u8]) -> std::io::Result<()> {
        self.writer
            .send(CSID_AUDIO, kind::AUDIO, self.stream_id, time_ms, body)
            .await
    }

    /// Answers the server's pings; returns once the server has closed the connection or
    /// stopped the stream (cancel-safe: call it in a `select!` beside the media).
    pub(crate) async fn closed(&mut self) -> std::io::Error {
        loop {
            match self.replies.recv().await {
                Some(pong) => {
                    if let Err(e) = self
                        .writer
                        .send(CSID_CONTROL, kind::USER_CONTROL, 0, 0, &pong)
                        .await
                    {
                        return e;
                    }
                }
                None => {
                    return std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "the RTMP server closed the connection",
                    );
                }
            }
        }
    }
}

/// One step of setting up, within [`STEP_TIMEOUT`].
async fn step<T>(f: impl Future<Output = Result<T, RtmpError>>) -> Result<T, RtmpError> {
    tokio::time::timeout(STEP_TIMEOUT, f)
        .await
        .map_err(|_| RtmpError::Timeout(STEP_TIMEOUT))?
}

/// The simple handshake: C0 C1, S0 S1 S2, C2 (the echo of S1).
async fn handshake(writer: &mut ChunkWriter, reader: &mut ChunkReader) -> Result<(), RtmpError> {
    let mut c0c1 = vec![0u8; 1 + 1536];
    c0c1[0] = 3;
    // Time and zero version, then filler the server echoes back.
    for (i, b) in c0c1[9..].iter_mut().enumerate() {
        *b = (i * 7 + 13) as u8;
    }
    writer.out.write_all(&c0c1).await?;
    let mut s0s1s2 = vec![0u8; 1 + 1536 * 2];
    reader.input.read_exact(&mut s0s1s2).await?;
    if s0s1s2[0] != 3 {
        return Err(RtmpError::Refused(format!(
            "RTMP version {} in the handshake",
            s0s1s2[0]
        )));
    }
    writer.out.write_all(&s0s1s2[1..1 + 1536]).await?;
    Ok(())
}

/// Waits for the `_result` of transaction `txn`, skipping other messages.
async fn result_of(reader: &mut ChunkReader, txn: f64) -> Result<Vec<Amf>, RtmpError> {
    loop {
        let message = reader.next().await?;
        if message.kind != kind::COMMAND {
            continue;
        }
        let values = amf::decode(&message.payload);
        let name = values.first().and_then(Amf::as_str).unwrap_or_default();
        let id = values.get(1).and_then(Amf::as_number);
        match name {
            "_result" if id == Some(txn) => return Ok(values),
            "_error" if id == Some(txn) => return Err(RtmpError::Refused(describe(&values))),
            _ => {}
        }
    }
}

/// Waits for `onStatus` `NetStream.Publish.Start`; an error status is a refusal.
async fn publish_started(reader: &mut ChunkReader) -> Result<(), RtmpError> {
    loop {
        let message = reader.next().await?;
        if message.kind != kind::COMMAND {
            continue;
        }
        let values = amf::decode(&message.payload);
        if values.first().and_then(Amf::as_str) != Some("onStatus") {
            continue;
        }
        let info = values.get(3);
        let code = info
            .and_then(|i| i.get("code"))
            .and_then(Amf::as_str)
            .unwrap_or_default();
        let level = info
            .and_then(|i| i.get("level"))
            .and_then(Amf::as_str)
            .unwrap_or_default();
        if code == "NetStream.Publish.Start" {
            return Ok(());
        }
        if level == "error" {
            return Err(RtmpError::Refused(describe(&values)));
        }
    }
}

/// The code and description of an error answer.
fn describe(values: &[Amf]) -> String {
    let info = values.get(3);
    let field = |k| info.and_then(|i| i.get(k)).and_then(Amf::as_str);
    match (field("code"), field("description")) {
        (Some(c), Some(d)) => format!("{c}: {d}"),
        (Some(c), None) => c.to_owned(),
        _ => "an error without a description".to_owned(),
    }
}

/// Reads what the server sends while publishing: answers pings (user control 6 with 7) and
/// ends, closing `replies`, when the server closes or sends an error status.
async fn read_on(mut reader: ChunkReader, replies: mpsc::Sender<Vec<u8>>) {
    while let Ok(message) = reader.next().await {
        match message.kind {
            kind::USER_CONTROL if message.payload.starts_with(&[0, 6]) => {
                let mut pong = vec![0, 7];
                pong.extend_from_slice(message.payload.get(2..6).unwrap_or(&[0; 4]));
                if replies.send(pong).await.is_err() {
                    return;
                }
            }
            kind::COMMAND => {
                let values = amf::decode(&message.payload);
                let level = values.get(3).and_then(|i| i.get("level"));
                if level.and_then(Amf::as_str) == Some("error") {
                    tracing::warn!(status = %describe(&values), "RTMP server ended the stream");
                    return;
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_host_port_app_and_stream() {
        let url = RtmpUrl::parse("rtmp://127.0.0.1:1936/live/key?x=1").expect("valid");
        assert_eq!(
            url,
            RtmpUrl {
                host: "127.0.0.1".into(),
                port: 1936,
                app: "live".into(),
                stream: "key?x=1".into(),
            }
        );
        assert_eq!(url.tc_url(), "rtmp://127.0.0.1:1936/live");
        assert_eq!(
            RtmpUrl::parse("rtmp://cdn.example/app/s")
                .map(|u| u.port)
                .ok(),
            Some(1935)
        );
        for bad in [
            "http://h/a/s",
            "rtmps://h/a/s",
            "rtmp://h/a",
            "rtmp://h:x/a/s",
            "rtmp:///a/s",
            "rtmp://h/a/",
        ] {
            assert!(RtmpUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
