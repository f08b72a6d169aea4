//! AWS Signature Version 4 on an S3 PUT: the one request an S3-compatible bucket takes to store
//! an object (a server's recording). Path-style addressing (`/bucket/key`), the payload's
//! SHA-256 signed, `host`, `x-amz-content-sha256` and `x-amz-date` as the signed headers.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Where an object goes and with which key pair.
#[derive(Debug, Clone, Copy)]
pub struct S3Put<'a> {
    /// `host` or `host:port`, as the Host header carries it.
    pub host: &'a str,
    /// The bucket.
    pub bucket: &'a str,
    /// The object key (any characters; encoded here).
    pub key: &'a str,
    /// The bucket's region (`us-east-1` for most S3-compatible servers).
    pub region: &'a str,
    /// The access key id.
    pub access_key: &'a str,
    /// The secret access key.
    pub secret_key: &'a str,
}

/// `segment` encoded as S3 wants it in a path: everything but `A-Z a-z 0-9 - . _ ~` as `%XX`.
pub fn s3_uri_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn mac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac =
        <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

impl S3Put<'_> {
    /// The path to PUT to: `/bucket/key`, encoded.
    pub fn path(&self) -> String {
        format!(
            "/{}/{}",
            s3_uri_encode(self.bucket),
            s3_uri_encode(self.key)
        )
    }

    /// The headers that sign a PUT of `payload` at `amz_date` (`yyyyMMddTHHmmssZ`, as
    /// [`crate::format_x_date`] makes): `x-amz-date`, `x-amz-content-sha256` and
    /// `authorization`. The request must also carry `host` as given.
    pub fn sign(&self, payload: &[u8], amz_date: &str) -> [(&'static str, String); 3] {
        let payload_hash = hex::encode(Sha256::digest(payload));
        let signed_headers = "host;x-amz-content-sha256;x-amz-date";
        let canonical = format!(
            "PUT\n{}\n\nhost:{}\nx-amz-content-sha256:{payload_hash}\nx-amz-date:{amz_date}\n\n{signed_headers}\n{payload_hash}",
            self.path(),
            self.host
        );
        let date = amz_date.get(..8).unwrap_or(amz_date);
        let scope = format!("{date}/{}/s3/aws4_request", self.region);
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        let mut key = mac(format!("AWS4{}", self.secret_key).as_bytes(), date);
        for part in [self.region, "s3", "aws4_request"] {
            key = mac(&key, part);
        }
        let signature = hex::encode(mac(&key, &to_sign));
        [
            ("x-amz-date", amz_date.to_owned()),
            ("x-amz-content-sha256", payload_hash),
            (
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
                    self.access_key
                ),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_encoded_and_the_signature_names_its_scope() {
        assert_eq!(s3_uri_encode("a@b c.mp4"), "a%40b%20c.mp4");
        let put = S3Put {
            host: "127.0.0.1:9000",
            bucket: "rec",
            key: "app_live@x.mp4",
            region: "us-east-1",
            access_key: "AK",
            secret_key: "SK",
        };
        assert_eq!(put.path(), "/rec/app_live%40x.mp4");
        let [date, hash, auth] = put.sign(b"", "20240102T030405Z");
        assert_eq!(date.1, "20240102T030405Z");
        // The SHA-256 of nothing.
        assert_eq!(
            hash.1,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(auth.1.starts_with(
            "AWS4-HMAC-SHA256 Credential=AK/20240102/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="
        ));
        // Another secret, another signature.
        let other = S3Put {
            secret_key: "SK2",
            ..put
        }
        .sign(b"", "20240102T030405Z");
        assert_ne!(other[2].1, auth.1);
    }
}
