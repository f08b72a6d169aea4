//! Background images of public streams: fetches a layout's `backgroundImage` URL and decodes
//! it for the compositor, off every lock and media path. The URL comes from a user, so the
//! fetch goes through the server messages' guard against reaching the server's own network
//! (addresses checked as resolved, loopback and private refused unless the operator allows
//! them), follows no redirect, takes a bounded time and reads a bounded number of bytes. A
//! failure is logged and leaves the background colour: the stream runs on without the image.

use std::sync::Arc;
use std::time::Duration;

use chorus_compositor::{ImageError, PublicStreamWorker, decode_image};
use chorus_media::RgbaImage;

use crate::messaging::{TargetPolicy, TargetResolver, literal_ip};

/// Most bytes a background image may have.
pub(crate) const MAX_IMAGE_BYTES: usize = 4 * 1024 * 1024;
/// How long a fetch may take, connecting and reading.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a background image was not painted: said in the server's log.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FetchError {
    /// Not an http(s) URL (the layout checks this; kept for the fetch's own sake).
    #[error("not an http:// or https:// URL")]
    Url,
    /// An address in the URL that the policy refuses.
    #[error("{0} is not allowed as a target")]
    Refused(std::net::IpAddr),
    /// Connecting or reading failed (a refused name shows here, with the resolver's reason).
    #[error("the request failed: {0}")]
    Http(String),
    /// An answer other than 200.
    #[error("the answer was HTTP {0}")]
    Status(u16),
    /// More than [`MAX_IMAGE_BYTES`].
    #[error("the image is larger than {MAX_IMAGE_BYTES} bytes")]
    TooLarge,
    /// Not a PNG or JPEG the decoder takes.
    #[error(transparent)]
    Image(#[from] ImageError),
}

/// An error and its causes: reqwest's own text hides the resolver's reason.
fn chain(e: &reqwest::Error) -> FetchError {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    FetchError::Http(text)
}

/// Fetches and decodes background images.
#[derive(Clone)]
pub(crate) struct ImageFetch {
    http: reqwest::Client,
    policy: TargetPolicy,
}

impl ImageFetch {
    /// A fetcher that connects only where `policy` allows, checking https:// against `tls`.
    pub(crate) fn new(policy: TargetPolicy, tls: &chorus_tls::ClientTls) -> Self {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            // A redirect could name an address literally, past the resolver.
            .redirect(reqwest::redirect::Policy::none())
            // Proxies would connect for us, past the resolver's check.
            .no_proxy()
            .dns_resolver(Arc::new(TargetResolver { policy }))
            .use_preconfigured_tls((*tls.config()).clone())
            .build()
            .unwrap_or_default();
        ImageFetch { http, policy }
    }

    /// The bytes at `url`, at most [`MAX_IMAGE_BYTES`], decoded.
    pub(crate) async fn fetch(&self, url: &str) -> Result<RgbaImage, FetchError> {
        let parsed = reqwest::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .ok_or(FetchError::Url)?;
        // A name is checked as it resolves; an address in the URL is not resolved.
        if let Some(ip) = literal_ip(&parsed)
            && !self.policy.allows(ip)
        {
            return Err(FetchError::Refused(ip));
        }
        let mut response = self.http.get(parsed).send().await.map_err(|e| chain(&e))?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_IMAGE_BYTES as u64)
        {
            return Err(FetchError::TooLarge);
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| chain(&e))? {
            if bytes.len() + chunk.len() > MAX_IMAGE_BYTES {
                return Err(FetchError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        // Decoding a large image takes a while: not on a runtime thread.
        tokio::task::spawn_blocking(move || decode_image(&bytes))
            .await
            .map_err(|e| FetchError::Http(format!("the decoder stopped: {e}")))?
            .map_err(FetchError::from)
    }

    /// Fetches `url` in the background and hands the image to `worker`, which paints it
    /// while its layout still names `url`.
    pub(crate) fn paint_later(&self, worker: &PublicStreamWorker, stream_id: &str, url: String) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(stream_id, "no runtime to fetch the background image on");
            return;
        };
        let fetch = self.clone();
        let sink = worker.output_tap();
        let stream_id = stream_id.to_owned();
        runtime.spawn(async move {
            match fetch.fetch(&url).await {
                Ok(image) => {
                    tracing::debug!(stream_id, width = image.width, height = image.height, "background image fetched");
                    sink.set_background_image(url, image);
                }
                Err(error) => tracing::warn!(
                    stream_id,
                    url = %chorus_proto::clip(&url),
                    %error,
                    "the background image of a public stream was not painted; the background colour shows"
                ),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A 4x2 PNG, magenta.
    fn magenta_png() -> Vec<u8> {
        RgbaImage {
            width: 4,
            height: 2,
            data: [255, 0, 255, 255].repeat(8),
        }
        .to_png()
        .expect("encodes")
    }

    /// Answers on loopback: `/png` the image, `/big` a body past the bound, `/text` HTML,
    /// anything else 404.
    async fn images() -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let addr = listener.local_addr().expect("an address");
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let text = String::from_utf8_lossy(&request);
                    let path = text.split(' ').nth(1).unwrap_or("/").to_owned();
                    let (status, body) = match path.as_str() {
                        "/png" => ("200 OK", magenta_png()),
                        "/big" => ("200 OK", vec![0; MAX_IMAGE_BYTES + 1]),
                        "/text" => ("200 OK", b"<html></html>".to_vec()),
                        _ => ("404 Not Found", Vec::new()),
                    };
                    let head = format!(
                        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(&body).await;
                });
            }
        });
        addr
    }

    fn tls() -> chorus_tls::ClientTls {
        chorus_tls::ClientTls::system().expect("the system roots load")
    }

    #[tokio::test]
    async fn images_are_fetched_only_where_the_policy_allows() {
        let addr = images().await;
        let port = addr.port();
        let strict = ImageFetch::new(TargetPolicy::default(), &tls());
        let refused = strict
            .fetch(&format!("http://127.0.0.1:{port}/png"))
            .await
            .expect_err("loopback is refused");
        assert!(matches!(refused, FetchError::Refused(_)), "{refused}");
        let by_name = strict
            .fetch(&format!("http://localhost:{port}/png"))
            .await
            .expect_err("a name resolving to loopback is refused");
        assert!(by_name.to_string().contains("not allowed"), "{by_name}");

        let allowed = ImageFetch::new(
            TargetPolicy {
                loopback: true,
                private: false,
            },
            &tls(),
        );
        let base = format!("http://localhost:{port}");
        let image = allowed
            .fetch(&format!("{base}/png"))
            .await
            .expect("fetched");
        assert_eq!((image.width, image.height), (4, 2));
        assert_eq!(&image.data[..4], &[255, 0, 255, 255]);
        for (path, what) in [
            ("/missing", "HTTP 404"),
            ("/big", "larger"),
            ("/text", "neither"),
        ] {
            let err = allowed
                .fetch(&format!("{base}{path}"))
                .await
                .expect_err(path);
            assert!(err.to_string().contains(what), "{path}: {err}");
        }
        let ftp = allowed
            .fetch("ftp://localhost/x.png")
            .await
            .expect_err("ftp");
        assert!(matches!(ftp, FetchError::Url), "{ftp}");
    }
}
