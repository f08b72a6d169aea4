//! The track list of a publisher offer, checked against the offer's m-lines before str0m sees
//! it: every live audio and video m-line listed exactly once with its kind, each `sendonly`.
//! The SDP is read only as far as that needs (`m=` lines, `a=mid`, direction); str0m parses
//! it for real. Pure, no allocation beyond the list of m-lines.

use chorus_proto::{PublishedTrack, TrackKind};

use super::SfuError;

/// One m-line of an SDP, as far as the track list is concerned.
#[derive(Debug)]
struct MLine<'a> {
    kind: &'a str,
    /// Port 0 means stopped.
    stopped: bool,
    mid: Option<&'a str>,
    direction: Option<&'a str>,
}

/// The m-lines of an SDP, read just enough to check a track list against them.
fn scan_mlines(sdp: &str) -> Vec<MLine<'_>> {
    let mut lines: Vec<MLine<'_>> = Vec::new();
    for line in sdp.lines().map(str::trim_end) {
        if let Some(m) = line.strip_prefix("m=") {
            let mut parts = m.split_whitespace();
            let kind = parts.next().unwrap_or("");
            let stopped = parts.next() == Some("0");
            lines.push(MLine {
                kind,
                stopped,
                mid: None,
                direction: None,
            });
        } else if let Some(current) = lines.last_mut() {
            if let Some(mid) = line.strip_prefix("a=mid:") {
                current.mid = Some(mid.trim());
            } else if let Some(dir) = line.strip_prefix("a=")
                && matches!(dir, "sendonly" | "recvonly" | "sendrecv" | "inactive")
            {
                current.direction = Some(dir);
            }
        }
    }
    lines
}

fn kind_name(kind: TrackKind) -> &'static str {
    match kind {
        TrackKind::Audio => "audio",
        TrackKind::Video => "video",
    }
}

/// Checks that `tracks` describes exactly the offer's live audio and video m-lines, each
/// once, every one `sendonly`.
pub(crate) fn check_tracks(sdp: &str, tracks: &[PublishedTrack]) -> Result<(), SfuError> {
    let mlines = scan_mlines(sdp);
    for (i, track) in tracks.iter().enumerate() {
        let earlier = &tracks[..i];
        if earlier.iter().any(|t| t.mid == track.mid) {
            return Err(SfuError::Tracks(format!(
                "mid {} is listed twice",
                track.mid
            )));
        }
        if earlier
            .iter()
            .any(|t| t.stream_index == track.stream_index && t.kind == track.kind)
        {
            return Err(SfuError::Tracks(format!(
                "two m-lines carry the {} of the same stream",
                kind_name(track.kind)
            )));
        }
        let Some(mline) = mlines.iter().find(|m| m.mid == Some(track.mid.as_str())) else {
            return Err(SfuError::Tracks(format!("no m-line has mid {}", track.mid)));
        };
        if mline.kind != kind_name(track.kind) {
            return Err(SfuError::Tracks(format!(
                "mid {} is {}, listed as {}",
                track.mid,
                mline.kind,
                kind_name(track.kind)
            )));
        }
        if mline.stopped {
            return Err(SfuError::Tracks(format!("mid {} is stopped", track.mid)));
        }
    }
    for mline in &mlines {
        if mline.stopped || !matches!(mline.kind, "audio" | "video") {
            continue;
        }
        let Some(mid) = mline.mid else {
            return Err(SfuError::Sdp("an m-line has no a=mid".into()));
        };
        if !tracks.iter().any(|t| t.mid == mid) {
            return Err(SfuError::Tracks(format!(
                "m-line {mid} is not in the track list"
            )));
        }
        match mline.direction {
            Some("sendonly" | "inactive") => {}
            other => {
                return Err(SfuError::Sdp(format!(
                    "m-line {mid} is {}; publisher m-lines are sendonly",
                    other.unwrap_or("sendrecv")
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chorus_proto::StreamIndex;

    use super::*;

    const OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
        m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendonly\r\n\
        m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=sendonly\r\n\
        m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\na=inactive\r\n\
        m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:3\r\n";

    fn track(mid: &str, index: StreamIndex, kind: TrackKind) -> PublishedTrack {
        PublishedTrack {
            mid: mid.into(),
            stream_index: index,
            kind,
        }
    }

    #[test]
    fn a_matching_track_list_passes() {
        let tracks = [
            track("0", StreamIndex::Main, TrackKind::Audio),
            track("1", StreamIndex::Main, TrackKind::Video),
        ];
        check_tracks(OFFER, &tracks).expect("matches");
    }

    #[test]
    fn mismatched_track_lists_are_refused() {
        let audio = track("0", StreamIndex::Main, TrackKind::Audio);
        let video = track("1", StreamIndex::Main, TrackKind::Video);
        let cases: Vec<Vec<PublishedTrack>> = vec![
            vec![audio.clone()], // video m-line unlisted
            vec![
                audio.clone(),
                video.clone(),
                track("9", StreamIndex::Screen, TrackKind::Video),
            ],
            vec![
                track("0", StreamIndex::Main, TrackKind::Video),
                video.clone(),
            ],
            vec![audio.clone(), video.clone(), video.clone()],
            vec![
                audio.clone(),
                track("1", StreamIndex::Main, TrackKind::Audio),
            ],
            vec![
                audio.clone(),
                video.clone(),
                track("2", StreamIndex::Screen, TrackKind::Video),
            ],
        ];
        for tracks in cases {
            assert!(
                matches!(check_tracks(OFFER, &tracks), Err(SfuError::Tracks(_))),
                "{tracks:?}"
            );
        }
    }

    #[test]
    fn publisher_m_lines_must_be_sendonly() {
        let offer = OFFER.replace("a=mid:1\r\na=sendonly", "a=mid:1\r\na=sendrecv");
        let tracks = [
            track("0", StreamIndex::Main, TrackKind::Audio),
            track("1", StreamIndex::Main, TrackKind::Video),
        ];
        assert!(matches!(
            check_tracks(&offer, &tracks),
            Err(SfuError::Sdp(_))
        ));
    }
}
