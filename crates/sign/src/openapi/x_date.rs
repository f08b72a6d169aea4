//! `X-Date`, the signing time: UTC, ISO 8601 basic format `yyyyMMddTHHmmssZ`.
//!
//! The calendar arithmetic is Howard Hinnant's days-from-civil algorithm, which is exact for the
//! proleptic Gregorian calendar, so no date crate is needed for one format.

const SECS_PER_DAY: u64 = 86_400;
/// 9999-12-31T23:59:59Z, the last instant with a four-digit year.
const MAX_UNIX: u64 = 253_402_300_799;

/// Formats Unix seconds as an `X-Date` value, e.g. `1704164645` → `"20240102T030405Z"`.
///
/// Times after year 9999 are clamped to its last second, as the format has four year digits.
pub fn format_x_date(unix_secs: u64) -> String {
    let secs = unix_secs.min(MAX_UNIX);
    // Both fit: secs / 86_400 < 2.94 million and the remainder < 86_400.
    let days = i64::try_from(secs / SECS_PER_DAY).unwrap_or(0);
    let rem = secs % SECS_PER_DAY;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Parses an `X-Date` value back to Unix seconds; `None` unless it is a real UTC time in exactly
/// the form `yyyyMMddTHHmmssZ`, at or after 1970.
pub fn parse_x_date(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 16 || b.get(8) != Some(&b'T') || b.get(15) != Some(&b'Z') {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b.get(from..to)?.iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let (year, month, day) = (num(0, 4)?, num(4, 6)?, num(6, 8)?);
    let (hour, minute, second) = (num(9, 11)?, num(11, 13)?, num(13, 15)?);
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = u64::try_from(days_from_civil(i64::from(year), month, day)).ok()?;
    Some(days * SECS_PER_DAY + u64::from(hour * 3600 + minute * 60 + second))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        // February's length is the distance to March 1st, so leap years come from the same
        // arithmetic as everything else.
        2 => u32::try_from(
            days_from_civil(i64::from(year), 3, 1) - days_from_civil(i64::from(year), 2, 1),
        )
        .unwrap_or(28),
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1..=12, day valid).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01: (year, month 1..=12, day 1..=31).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // month is in 1..=12 and day in 1..=31 by construction.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_x_date(0), "19700101T000000Z");
        assert_eq!(format_x_date(1_704_164_645), "20240102T030405Z");
        assert_eq!(format_x_date(1_709_164_800), "20240229T000000Z");
        assert_eq!(format_x_date(u64::MAX), "99991231T235959Z");
    }

    #[test]
    fn parse_inverts_format() {
        for t in [
            0,
            59,
            86_399,
            951_782_400,
            1_704_164_645,
            1_709_164_800,
            4_102_444_800,
            MAX_UNIX,
        ] {
            assert_eq!(parse_x_date(&format_x_date(t)), Some(t), "{t}");
        }
        // Every day across several leap cycles.
        for day in 0..(366 * 410) {
            let t = day * SECS_PER_DAY + 12_345;
            assert_eq!(parse_x_date(&format_x_date(t)), Some(t));
        }
    }

    #[test]
    fn parse_rejects_malformed_and_impossible_times() {
        for bad in [
            "",
            "20240102T030405",
            "20240102T030405z",
            "20240102 030405Z",
            "2024-01-02T03:04:05Z",
            "20240230T000000Z",
            "20230229T000000Z",
            "20241301T000000Z",
            "20240100T000000Z",
            "20240102T240000Z",
            "20240102T236000Z",
            "20240102T235960Z",
            "19691231T235959Z",
            "2024010２T030405Z",
            "+2024010T030405Z",
        ] {
            assert_eq!(parse_x_date(bad), None, "{bad:?}");
        }
        assert_eq!(parse_x_date("20000229T000000Z"), Some(951_782_400));
    }
}
