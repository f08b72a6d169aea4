//! SEI in H.264 (ITU-T H.264 7.3.2.3, D.1.6): the `user_data_unregistered` NAL unit (payload
//! type 5) that carries an app's `sendSEIMessage` bytes, put into an Annex-B access unit before
//! its first slice (where an SEI belongs), and found again in a received one. The 16-byte UUID
//! is Chorus's 12-byte tag and the message's sequence number (u32, big-endian), so receivers can
//! drop the repeats a `repeatCount` asks for. The Web SDK's `seinal.ts` writes and reads the
//! same units. Pure byte work: no codec, no I/O.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The first 12 bytes of the UUID of Chorus's SEI messages: "chorus-sei" and format 0x0001.
pub const CHORUS_SEI_TAG: [u8; 12] = *b"chorus-sei\x00\x01";

/// The largest message, in bytes (the vendor's limit).
pub const MAX_SEI_BYTES: usize = 4096;

/// The most messages a stream may have waiting: a message waits at most 2 s for a picture, so
/// more than 2 s of pictures' worth (at 60 fps) can never all be sent.
pub const MAX_SEI_PENDING: usize = 120;

/// One message read out of an access unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeiMessage {
    /// The sender's sequence number: the same for every repeat of one message.
    pub seq: u32,
    /// The app's bytes.
    pub payload: Vec<u8>,
}

/// The Annex-B SEI NAL unit (4-byte start code first) that carries `payload` as message `seq`.
pub fn sei_nal(seq: u32, payload: &[u8]) -> Vec<u8> {
    let mut rbsp = vec![5u8];
    let mut size = 16 + payload.len();
    while size >= 255 {
        rbsp.push(255);
        size -= 255;
    }
    rbsp.push(u8::try_from(size).expect("the remainder of a division by 255 fits a byte"));
    rbsp.extend_from_slice(&CHORUS_SEI_TAG);
    rbsp.extend_from_slice(&seq.to_be_bytes());
    rbsp.extend_from_slice(payload);
    rbsp.push(0x80);
    // Start code, NAL header (nal_ref_idc 0, type 6), then the RBSP with emulation prevention.
    let mut out = Vec::with_capacity(rbsp.len() + rbsp.len() / 64 + 8);
    out.extend_from_slice(&[0, 0, 0, 1, 6]);
    let mut zeros = 0;
    for b in rbsp {
        if zeros >= 2 && b <= 3 {
            out.push(3);
            zeros = 0;
        }
        out.push(b);
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
    out
}

/// Where each NAL unit of an Annex-B buffer starts (its header byte) and ends.
fn nal_units(data: &[u8]) -> Vec<(usize, usize)> {
    let mut units = Vec::new();
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i + 2 < data.len() {
        if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
            if let Some(s) = start {
                let end = if i > 0 && data[i - 1] == 0 { i - 1 } else { i };
                units.push((s, end.max(s)));
            }
            start = Some(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    if let Some(s) = start.filter(|&s| s < data.len()) {
        units.push((s, data.len()));
    }
    units
}

/// `access_unit` with the `units` put before its first slice (at the end when it has none).
pub fn with_sei(access_unit: &[u8], units: &[Vec<u8>]) -> Vec<u8> {
    let slice = nal_units(access_unit)
        .into_iter()
        .find(|&(s, _)| (1..=5).contains(&(access_unit[s] & 0x1f)));
    // The slice's start code begins 3 or 4 bytes before its header.
    let at = match slice {
        Some((s, _)) if s >= 4 && access_unit[s - 4] == 0 => s - 4,
        Some((s, _)) => s - 3,
        None => access_unit.len(),
    };
    let extra: usize = units.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(access_unit.len() + extra);
    out.extend_from_slice(&access_unit[..at]);
    for u in units {
        out.extend_from_slice(u);
    }
    out.extend_from_slice(&access_unit[at..]);
    out
}

/// Chorus's SEI messages in an Annex-B access unit, in order; other SEI is skipped.
pub fn read_sei(access_unit: &[u8]) -> Vec<SeiMessage> {
    let mut found = Vec::new();
    for (start, end) in nal_units(access_unit) {
        if access_unit[start] & 0x1f != 6 {
            continue;
        }
        // Undo emulation prevention.
        let mut rbsp = Vec::with_capacity(end - start);
        let mut zeros = 0;
        for &b in &access_unit[start + 1..end] {
            if zeros >= 2 && b == 3 {
                zeros = 0;
                continue;
            }
            rbsp.push(b);
            zeros = if b == 0 { zeros + 1 } else { 0 };
        }
        let mut p = 0;
        let varint = |p: &mut usize| {
            let mut n = 0usize;
            while let Some(&b) = rbsp.get(*p) {
                *p += 1;
                n += usize::from(b);
                if b != 255 {
                    break;
                }
            }
            n
        };
        // sei_message()s until the trailing bits.
        while p < rbsp.len() && !(rbsp.len() - p == 1 && rbsp[p] == 0x80) {
            let kind = varint(&mut p);
            let size = varint(&mut p);
            let Some(body) = rbsp.get(p..p + size) else {
                break;
            };
            if kind == 5 && size >= 16 && body[..12] == CHORUS_SEI_TAG {
                let seq = u32::from_be_bytes([body[12], body[13], body[14], body[15]]);
                found.push(SeiMessage {
                    seq,
                    payload: body[16..].to_vec(),
                });
            }
            p += size;
        }
    }
    found
}

/// Which SEI units each sent picture carries: a queued message goes into `frames` consecutive
/// pictures, one message per picture unless queued as `multi`, and waits at most `max_age`.
#[derive(Debug)]
pub struct SeiSchedule {
    queue: VecDeque<Queued>,
    max_age: Duration,
}

#[derive(Debug)]
struct Queued {
    nal: Vec<u8>,
    left: u32,
    at: Instant,
    multi: bool,
}

impl SeiSchedule {
    /// An empty schedule whose messages wait at most `max_age` (the vendor's: 2 s).
    pub fn new(max_age: Duration) -> SeiSchedule {
        SeiSchedule {
            queue: VecDeque::new(),
            max_age,
        }
    }

    /// Queues message `seq` for the next `frames` pictures, from `now`; false (and nothing
    /// queued) when [`MAX_SEI_PENDING`] messages wait already.
    pub fn add(
        &mut self,
        seq: u32,
        payload: &[u8],
        frames: u32,
        multi: bool,
        now: Instant,
    ) -> bool {
        let max_age = self.max_age;
        self.queue
            .retain(|q| now.saturating_duration_since(q.at) <= max_age);
        if self.queue.len() >= MAX_SEI_PENDING {
            return false;
        }
        self.queue.push_back(Queued {
            nal: sei_nal(seq, payload),
            left: frames,
            at: now,
            multi,
        });
        true
    }

    /// The units the picture encoded at `now` carries.
    pub fn next_picture(&mut self, now: Instant) -> Vec<Vec<u8>> {
        let max_age = self.max_age;
        self.queue
            .retain(|q| q.left > 0 && now.saturating_duration_since(q.at) <= max_age);
        let take = match self.queue.front() {
            None => 0,
            Some(q) if q.multi => self.queue.len(),
            Some(_) => 1,
        };
        let mut units = Vec::with_capacity(take);
        for q in self.queue.iter_mut().take(take) {
            q.left -= 1;
            units.push(q.nal.clone());
        }
        self.queue.retain(|q| q.left > 0);
        units
    }
}

/// The sequence numbers a receiver has reported, to report each message once.
#[derive(Debug, Default)]
pub struct SeiSeen {
    recent: VecDeque<u32>,
}

impl SeiSeen {
    /// How many sequence numbers are remembered.
    const KEEP: usize = 256;

    /// Whether `seq` is new (and remembers it).
    pub fn first_time(&mut self, seq: u32) -> bool {
        if self.recent.contains(&seq) {
            return false;
        }
        if self.recent.len() == Self::KEEP {
            self.recent.pop_front();
        }
        self.recent.push_back(seq);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPS: [u8; 8] = [0, 0, 0, 1, 0x67, 0x42, 0xe0, 0x1f];
    const IDR: [u8; 9] = [0, 0, 1, 0x65, 0x88, 0x84, 0, 0, 0x10];

    #[test]
    fn units_escape_their_payload_and_read_back() {
        let payload = [0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0];
        let nal = sei_nal(0xdead_beef, &payload);
        assert_eq!(&nal[..6], &[0, 0, 0, 1, 6, 5]);
        assert!(
            nal[4..]
                .windows(3)
                .all(|w| !(w[0] == 0 && w[1] == 0 && w[2] <= 2))
        );
        assert_eq!(
            read_sei(&nal),
            vec![SeiMessage {
                seq: 0xdead_beef,
                payload: payload.to_vec()
            }]
        );
    }

    #[test]
    fn long_messages_take_several_size_bytes() {
        for n in [238, 239, 240, 494, MAX_SEI_BYTES] {
            let payload: Vec<u8> = (0..n).map(|i| (i % 256) as u8).collect();
            let found = read_sei(&sei_nal(7, &payload));
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].payload, payload);
        }
    }

    #[test]
    fn the_unit_goes_before_the_first_slice() {
        let au: Vec<u8> = [&SPS[..], &IDR[..]].concat();
        let out = with_sei(&au, &[sei_nal(1, b"hi")]);
        let types: Vec<u8> = nal_units(&out)
            .iter()
            .map(|&(s, _)| out[s] & 0x1f)
            .collect();
        assert_eq!(types, vec![7, 6, 5]);
        assert!(out.ends_with(&IDR));
        assert_eq!(read_sei(&out)[0].payload, b"hi");
        assert!(read_sei(&au).is_empty());
    }

    #[test]
    fn truncated_or_foreign_sei_is_skipped() {
        let mut nal = sei_nal(1, b"hello");
        nal.truncate(nal.len() - 4);
        assert!(read_sei(&nal).is_empty());
        let mut foreign = sei_nal(1, b"x");
        foreign[7] ^= 0xff;
        assert!(read_sei(&foreign).is_empty());
        assert!(read_sei(&[0, 0, 1, 6]).is_empty());
        assert!(read_sei(&[0, 0, 1, 6, 255, 255]).is_empty());
    }

    #[test]
    fn the_schedule_repeats_single_and_multi_and_expires() {
        let t = Instant::now();
        let mut s = SeiSchedule::new(Duration::from_secs(2));
        assert!(s.add(1, b"a", 2, false, t));
        assert!(s.add(2, b"b", 1, false, t));
        let seqs = |units: Vec<Vec<u8>>| -> Vec<u32> {
            units
                .iter()
                .flat_map(|u| read_sei(u))
                .map(|m| m.seq)
                .collect()
        };
        assert_eq!(seqs(s.next_picture(t)), vec![1]);
        assert_eq!(seqs(s.next_picture(t)), vec![1]);
        assert_eq!(seqs(s.next_picture(t)), vec![2]);
        assert!(s.next_picture(t).is_empty());
        assert!(s.add(3, b"c", 1, true, t));
        assert!(s.add(4, b"d", 2, true, t));
        assert_eq!(seqs(s.next_picture(t)), vec![3, 4]);
        assert_eq!(seqs(s.next_picture(t)), vec![4]);
        assert!(s.add(5, b"e", 3, false, t));
        assert!(s.next_picture(t + Duration::from_secs(3)).is_empty());
    }

    #[test]
    fn at_most_so_many_messages_wait() {
        let t = Instant::now();
        let mut s = SeiSchedule::new(Duration::from_secs(2));
        for seq in 0..MAX_SEI_PENDING as u32 {
            assert!(s.add(seq, b"x", 1, false, t));
        }
        assert!(!s.add(999, b"x", 1, false, t), "full");
        assert!(
            s.add(999, b"x", 1, false, t + Duration::from_secs(3)),
            "the old ones expired"
        );
    }

    #[test]
    fn each_sequence_number_is_new_once() {
        let mut seen = SeiSeen::default();
        assert!(seen.first_time(9));
        assert!(!seen.first_time(9));
        for i in 0..300 {
            seen.first_time(i + 1000);
        }
        assert!(seen.first_time(9), "forgotten after 256 others");
    }
}
