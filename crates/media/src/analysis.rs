//! Signal analysis for tests and diagnostics: which frequency dominates, how loud it is.
//! Pure functions over PCM with no codec or I/O knowledge, so end-to-end tests can check
//! content ("a 440 Hz tone arrives as 440 Hz") wherever the samples came from.
//!
//! `dominant_frequency` finds the peak of a Hann-windowed, zero-padded FFT and then refines it
//! by maximising the windowed DTFT magnitude around that peak (golden-section search), which
//! gives hundredth-of-a-hertz precision on a clean tone instead of the FFT's bin width.

use std::f64::consts::PI;

use crate::SAMPLE_RATE;

/// The dominant frequency in Hz of interleaved PCM at [`SAMPLE_RATE`] (channels are averaged).
/// Resolution is far better than 1 Hz for 0.5 s or more of a steady tone. Returns 0.0 for
/// silence, empty input or `channels == 0`. DC is ignored.
pub fn dominant_frequency(samples: &[i16], channels: u16) -> f32 {
    let mono = to_mono(samples, channels);
    let n = mono.len();
    if n < 4 || mono.iter().all(|&s| s == mono[0]) {
        return 0.0;
    }
    let mean = mono.iter().sum::<f64>() / n as f64;
    let windowed: Vec<f64> = mono
        .iter()
        .enumerate()
        .map(|(i, &s)| (s - mean) * hann(i, n))
        .collect();

    // Coarse: FFT peak, zero-padded four times for a finer grid.
    let size = (n * 4).next_power_of_two();
    let mut re = vec![0.0; size];
    let mut im = vec![0.0; size];
    re[..n].copy_from_slice(&windowed);
    fft(&mut re, &mut im);
    let half = size / 2;
    let mut peak = 1;
    let mut best = 0.0;
    for (k, (r, i)) in re.iter().zip(&im).enumerate().take(half).skip(1) {
        let power = r * r + i * i;
        if power > best {
            best = power;
            peak = k;
        }
    }
    if best == 0.0 {
        return 0.0;
    }
    let bin_hz = f64::from(SAMPLE_RATE) / size as f64;

    // Fine: golden-section search of the DTFT magnitude within one bin of the peak.
    let power_at = |hz: f64| dtft_power(&windowed, hz);
    let (mut lo, mut hi) = ((peak as f64 - 1.0) * bin_hz, (peak as f64 + 1.0) * bin_hz);
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut a = hi - ratio * (hi - lo);
    let mut b = lo + ratio * (hi - lo);
    let (mut pa, mut pb) = (power_at(a), power_at(b));
    for _ in 0..40 {
        if pa > pb {
            hi = b;
            b = a;
            pb = pa;
            a = hi - ratio * (hi - lo);
            pa = power_at(a);
        } else {
            lo = a;
            a = b;
            pa = pb;
            b = lo + ratio * (hi - lo);
            pb = power_at(b);
        }
    }
    ((lo + hi) / 2.0) as f32
}

/// Root mean square level of PCM, from 0.0 (silence) to 1.0 (full-scale square wave).
/// A full-scale sine is about 0.707. Empty input gives 0.0.
pub fn rms(samples: &[i16]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    ((sum / samples.len() as f64).sqrt() / 32768.0) as f32
}

fn to_mono(samples: &[i16], channels: u16) -> Vec<f64> {
    let channels = usize::from(channels);
    if channels == 0 {
        return Vec::new();
    }
    samples
        .chunks_exact(channels)
        .map(|c| c.iter().map(|&s| f64::from(s)).sum::<f64>() / channels as f64)
        .collect()
}

fn hann(i: usize, n: usize) -> f64 {
    0.5 - 0.5 * (2.0 * PI * i as f64 / (n - 1) as f64).cos()
}

/// Power of the (already windowed) signal's DTFT at `hz`, by a Goertzel recurrence.
fn dtft_power(x: &[f64], hz: f64) -> f64 {
    let w = 2.0 * PI * hz / f64::from(SAMPLE_RATE);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for &v in x {
        let s = v + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    s1 * s1 + s2 * s2 - coeff * s1 * s2
}

/// In-place iterative radix-2 FFT; `re.len()` must be a power of two.
fn fft(re: &mut [f64], im: &mut [f64]) {
    let n = re.len();
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let angle = -2.0 * PI / len as f64;
        let (wr, wi) = (angle.cos(), angle.sin());
        for start in (0..n).step_by(len) {
            let (mut cr, mut ci) = (1.0, 0.0);
            for k in 0..len / 2 {
                let (a, b) = (start + k, start + k + len / 2);
                let tr = re[b] * cr - im[b] * ci;
                let ti = re[b] * ci + im[b] * cr;
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
                let next = cr * wr - ci * wi;
                ci = cr * wi + ci * wr;
                cr = next;
            }
        }
        len <<= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(hz: f64, seconds: f64) -> Vec<i16> {
        let n = (seconds * f64::from(SAMPLE_RATE)) as usize;
        (0..n)
            .map(|i| (12000.0 * (2.0 * PI * hz * i as f64 / f64::from(SAMPLE_RATE)).sin()) as i16)
            .collect()
    }

    #[test]
    fn finds_a_tone_to_a_fraction_of_a_hertz() {
        for hz in [100.0, 440.0, 440.7, 1000.3, 7000.0] {
            let f = dominant_frequency(&sine(hz, 0.5), 1);
            assert!((f64::from(f) - hz).abs() < 0.1, "{hz} Hz measured as {f}");
        }
    }

    #[test]
    fn silence_has_no_frequency_and_no_level() {
        assert_eq!(dominant_frequency(&[0; 4800], 1), 0.0);
        assert_eq!(dominant_frequency(&[], 2), 0.0);
        assert_eq!(rms(&[0; 100]), 0.0);
        assert_eq!(rms(&[]), 0.0);
    }

    #[test]
    fn rms_of_a_sine_is_amplitude_over_root_two() {
        let level = rms(&sine(440.0, 0.5));
        assert!(
            (level - 12000.0 / 32768.0 / 2f32.sqrt()).abs() < 0.002,
            "{level}"
        );
    }
}
