//! Instants in the graph: RFC 3339 on the wire, milliseconds since the epoch inside.
//!
//! The traversal compares expiry times millions of times per query, so the engine works on a plain
//! `i64`; `jiff` does the parsing and formatting at the edges. Milliseconds (not nanoseconds) because
//! platforms write "never" as `9999-12-31T23:59:59Z`, which does not fit in i64 nanoseconds.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time, UTC, millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// The current time of the machine.
    pub fn now() -> Self {
        Timestamp(jiff::Timestamp::now().as_millisecond())
    }

    /// Parses RFC 3339 (`2026-11-20T08:00:00Z`, `…+02:00`, fractional seconds). The error text says
    /// what a valid value looks like, because it ends up in front of a user. The whole civil range
    /// is accepted, up to `9999-12-31T23:59:59Z`, which platforms use for "never".
    pub fn parse(s: &str) -> Result<Self, String> {
        match canonical_millis(s.as_bytes()) {
            Some(ms) => Ok(Timestamp(ms)),
            None => Self::parse_general(s),
        }
    }

    /// [`Timestamp::parse`] through jiff, for every form.
    fn parse_general(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not an RFC 3339 time; write it like 2026-11-20T08:00:00Z");
        let pieces = jiff::fmt::temporal::Pieces::parse(s.trim()).map_err(|_| bad())?;
        let (Some(time), Some(offset)) = (pieces.time(), pieces.to_numeric_offset()) else {
            return Err(bad());
        };
        if pieces.time_zone_annotation().is_some() {
            return Err(bad());
        }
        let date = pieces.date();
        let days = days_from_civil(date.year() as i64, date.month() as i64, date.day() as i64);
        let secs = days * 86_400
            + time.hour() as i64 * 3600
            + time.minute() as i64 * 60
            + time.second() as i64
            - offset.seconds() as i64;
        Ok(Timestamp(secs * 1000 + time.millisecond() as i64))
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.mmmZ`, a valid date and time, read directly:
/// the form heir writes and most platforms send. A large document holds millions of times, and
/// jiff's general parser was 8 % of a first load. `None` for anything else — other offsets,
/// precisions or separators, a leap second, an invalid date — which jiff then reads or refuses,
/// so the two give the same answer on every input.
fn canonical_millis(s: &[u8]) -> Option<i64> {
    let fraction = match s.len() {
        20 => false,
        24 => true,
        _ => return None,
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(k, c)| s[k] != c)
        || s[s.len() - 1] != b'Z'
        || (fraction && s[19] != b'.')
    {
        return None;
    }
    let number = |from: usize, len: usize| {
        s[from..from + len].iter().try_fold(0i64, |n, &c| {
            let digit = c.wrapping_sub(b'0');
            (digit < 10).then_some(n * 10 + i64::from(digit))
        })
    };
    let (year, month, day) = (number(0, 4)?, number(5, 2)?, number(8, 2)?);
    let (hour, minute, second) = (number(11, 2)?, number(14, 2)?, number(17, 2)?);
    let millis = if fraction { number(20, 3)? } else { 0 };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Some(secs * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + (m <= 2) as i64, m, d)
}

impl fmt::Display for Timestamp {
    /// Canonical form: UTC with `Z`, milliseconds only when they are not zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.div_euclid(1000);
        let ms = self.0.rem_euclid(1000);
        let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
        let sod = secs.rem_euclid(86_400);
        write!(
            f,
            "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}",
            sod / 3600,
            sod % 3600 / 60,
            sod % 60
        )?;
        if ms != 0 {
            write!(f, ".{ms:03}")?;
        }
        f.write_str("Z")
    }
}

impl FromStr for Timestamp {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

impl Timestamp {
    /// The canonical form of [`fmt::Display`] in a stack buffer, for years 0–9999 (all others go
    /// through `Display`). Answers print hundreds of thousands of times; the formatting
    /// machinery was a visible share of writing one.
    pub(crate) fn canonical_bytes(self) -> Option<([u8; 24], usize)> {
        let secs = self.0.div_euclid(1000);
        let ms = self.0.rem_euclid(1000);
        let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
        if !(0..=9999).contains(&y) {
            return None;
        }
        let sod = secs.rem_euclid(86_400);
        let mut b = *b"0000-00-00T00:00:00.000Z";
        let mut put = |at: usize, width: usize, mut v: i64| {
            for k in (at..at + width).rev() {
                b[k] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, 4, y);
        put(5, 2, mo);
        put(8, 2, d);
        put(11, 2, sod / 3600);
        put(14, 2, sod % 3600 / 60);
        put(17, 2, sod % 60);
        if ms == 0 {
            b[19] = b'Z';
            Some((b, 20))
        } else {
            put(20, 3, ms);
            Some((b, 24))
        }
    }
}

impl Timestamp {
    /// Appends the canonical form (as [`fmt::Display`]) to `out`.
    pub fn write_canonical(self, out: &mut Vec<u8>) {
        match self.canonical_bytes() {
            Some((b, n)) => out.extend_from_slice(&b[..n]),
            None => out.extend_from_slice(self.to_string().as_bytes()),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.canonical_bytes() {
            // ASCII digits and separators only.
            Some((b, n)) => s.serialize_str(std::str::from_utf8(&b[..n]).unwrap_or_default()),
            None => s.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor rather than `String`: no allocation per time on large documents.
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Timestamp;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Timestamp, E> {
                Timestamp::parse(s).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

impl JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 time, e.g. 2026-11-20T08:00:00Z"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_exactly_as_displayed() {
        // Every millisecond edge, leap days, both ends of the fast range and beyond it.
        let mut samples = vec![
            0,
            1,
            999,
            1000,
            -1,
            -1000,
            Timestamp::parse("0000-01-01T00:00:00Z").unwrap().0,
            Timestamp::parse("9999-12-31T23:59:59.999Z").unwrap().0,
            Timestamp::parse("2024-02-29T23:59:59.001Z").unwrap().0,
            253_402_300_800_000, // 10000-01-01
            -62_167_219_200_001, // just before year 0
            i64::MAX,
            i64::MIN,
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            samples.push((x % 400_000_000_000_000) as i64 - 100_000_000_000_000);
        }
        for ms in samples {
            let t = Timestamp(ms);
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{t}\""), "{ms}");
        }
    }

    /// The direct reading of the canonical form agrees with jiff on every date and time of that
    /// shape — valid or not: month 13, February 29 outside leap years, hour 24, second 60 — and
    /// takes every valid one.
    #[test]
    fn canonical_times_read_as_jiff_reads_them() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        // Other shapes: jiff reads or refuses them, and the answer is jiff's.
        let other = [
            "2026-11-20t10:00:00Z",
            "2026-11-20T10:00:00z",
            "2026-11-20 10:00:00Z",
            "2026-11-20T10:00:00,250Z",
            "2026-11-20T10:00:00.25Z",
            "2026-11-20T10:00:00+02:00",
            " 2026-11-20T10:00:00Z",
            "2026-1a-20T10:00:00Z",
            "+026-11-20T10:00:00Z",
            "2026-11-20T10:00:00.250+00:00",
        ];
        for s in other {
            if let Some(ms) = canonical_millis(s.as_bytes()) {
                panic!("{s} read directly as {ms}");
            }
            assert_eq!(Timestamp::parse(s), Timestamp::parse_general(s), "{s}");
        }
        // The canonical shape, valid or not: taken directly exactly when jiff takes it (but for
        // a leap second, left to jiff), with jiff's value.
        let mut samples: Vec<String> = [
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999Z",
            "2000-02-29T12:00:00Z",
            "1900-02-29T12:00:00Z",
            "2024-02-29T00:00:00.000Z",
            "2023-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-11-20T24:00:00Z",
            "2026-11-20T23:59:60Z",
        ]
        .map(String::from)
        .to_vec();
        for _ in 0..200_000 {
            let (y, mo, d) = (next(10_000), next(14), next(33));
            let (h, mi, s, ms) = (next(26), next(62), next(62), next(1000));
            samples.push(match next(2) {
                0 => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
                _ => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z"),
            });
        }
        let mut taken = 0;
        for s in &samples {
            let general = Timestamp::parse_general(s);
            match canonical_millis(s.as_bytes()) {
                Some(ms) => {
                    assert_eq!(general, Ok(Timestamp(ms)), "{s}");
                    taken += 1;
                }
                None => assert!(general.is_err() || &s[17..19] == "60", "{s}: {general:?}"),
            }
            assert_eq!(Timestamp::parse(s), general, "{s}");
        }
        assert!(taken > 50_000, "{taken}");
    }

    #[test]
    fn round_trips_canonically() {
        let t = Timestamp::parse("2026-11-20T10:00:00+02:00").unwrap();
        assert_eq!(t.to_string(), "2026-11-20T08:00:00Z");
        let t = Timestamp::parse("2026-11-20T08:00:00.250Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-20T08:00:00.250Z");
        let t = Timestamp::parse("9999-12-31T23:59:59Z").unwrap();
        assert_eq!(t.to_string(), "9999-12-31T23:59:59Z");
        assert!(Timestamp::parse("2026-11-20").is_err());
        assert!(
            Timestamp::parse("2026-11-20T08:00:00").is_err(),
            "an offset is required"
        );
        assert_eq!(
            Timestamp::parse("1970-01-01T00:00:00Z")
                .unwrap()
                .as_millis(),
            0
        );
        assert_eq!(
            Timestamp::parse("1969-12-31T23:59:59.5Z")
                .unwrap()
                .to_string(),
            "1969-12-31T23:59:59.500Z"
        );
        assert_eq!(
            Timestamp::from_millis(1_795_168_800_000).to_string(),
            "2026-11-20T10:00:00Z"
        );
        assert!(Timestamp::parse("yesterday").is_err());
    }
}
