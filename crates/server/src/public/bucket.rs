//! An S3-compatible bucket as the destination of recordings: a finished file is stored with one
//! signed PUT (AWS Signature Version 4, path style, from chorus-sign). Only the recording
//! threads call it, never a media path.

use chorus_sign::{S3Put, format_x_date};

use crate::config::RecordS3;

/// Where recordings are uploaded, checked once at start-up.
pub(crate) struct Bucket {
    /// `scheme://host[:port]`.
    origin: String,
    /// `host[:port]`, as signed.
    host: String,
    bucket: String,
    settings: RecordS3,
    http: reqwest::Client,
}

impl Bucket {
    /// The bucket `settings` names, reached through `http`; says what is wrong with its URL.
    pub(crate) fn new(settings: &RecordS3, http: reqwest::Client) -> Result<Bucket, String> {
        let url = reqwest::Url::parse(&settings.url)
            .map_err(|e| format!("url {:?}: {e}", settings.url))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("url {:?}: not http or https", settings.url));
        }
        let host = url
            .host_str()
            .ok_or_else(|| format!("url {:?}: no host", settings.url))?;
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let bucket = url.path().trim_matches('/').to_owned();
        if bucket.is_empty() || bucket.contains('/') {
            return Err(format!(
                "url {:?}: give the bucket as the path, as in http://host:9000/recordings",
                settings.url
            ));
        }
        Ok(Bucket {
            origin: format!("{}://{host}", url.scheme()),
            host,
            bucket,
            settings: settings.clone(),
            http,
        })
    }

    fn put_of<'a>(&'a self, key: &'a str) -> S3Put<'a> {
        S3Put {
            host: &self.host,
            bucket: &self.bucket,
            key,
            region: &self.settings.region,
            access_key: &self.settings.access_key,
            secret_key: &self.settings.secret_key,
        }
    }

    /// The URL object `key` is stored at.
    pub(crate) fn object_url(&self, key: &str) -> String {
        format!("{}{}", self.origin, self.put_of(key).path())
    }

    /// Stores `body` as object `key`.
    pub(crate) async fn put(&self, key: &str, body: Vec<u8>) -> Result<(), String> {
        let put = self.put_of(key);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut request = self
            .http
            .put(format!("{}{}", self.origin, put.path()))
            .header("host", &self.host);
        for (name, value) in put.sign(&body, &format_x_date(now)) {
            request = request.header(name, value);
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| format!("cannot reach the bucket: {e}"))?;
        if response.status().is_success() {
            Ok(())
        } else {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            Err(format!(
                "the bucket refused the upload ({status}): {}",
                text.chars().take(300).collect::<String>()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str) -> RecordS3 {
        RecordS3 {
            url: url.into(),
            access_key: "a".into(),
            secret_key: "s".into(),
            region: "us-east-1".into(),
        }
    }

    #[test]
    fn the_url_names_a_bucket_and_objects_go_under_it() {
        let bucket = Bucket::new(
            &settings("http://127.0.0.1:9000/rec/"),
            reqwest::Client::new(),
        )
        .expect("a bucket URL");
        assert_eq!(
            bucket.object_url("app_live@1.mp4"),
            "http://127.0.0.1:9000/rec/app_live%401.mp4"
        );
        for bad in ["http://h:9000/", "http://h/a/b", "ftp://h/rec", "not a url"] {
            let err = Bucket::new(&settings(bad), reqwest::Client::new())
                .err()
                .unwrap_or_else(|| panic!("{bad} taken"));
            assert!(err.contains("url"), "{err}");
        }
    }
}
