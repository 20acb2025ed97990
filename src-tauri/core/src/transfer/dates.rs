//! Dates as chat files write them, to and from ms since the Unix epoch.
//!
//! SillyTavern has written several formats over the years; all are read here:
//! - epoch milliseconds, as a JSON number or a string of digits (TavernAI, early SillyTavern);
//! - ISO 8601 (`2024-05-12T13:05:41.283Z`, with or without an offset or fraction);
//! - the old "humanized" form `2024-5-12 @13h 5m 41s 283ms` and the newer `2024-05-12@13h05m41s`;
//! - the message form `May 12, 2024 1:05pm` (`June 19, 2023 2:20 PM`, 24-hour without am/pm).
//!
//! SillyTavern writes the humanized and message forms in the local time of the machine, which
//! the file does not record: they are read as UTC. Dates before 1970 or after 9999 are treated
//! as unreadable, so every date read here can be written back in every form.
//!
//! The calendar itself (month lengths, leap years, days since the epoch) is jiff's; this module
//! keeps only the parsing and writing of these formats.

use jiff::civil::DateTime;
use jiff::SignedDuration;
use serde_json::Value;

/// Latest readable date: 9999-12-31T23:59:59.999Z.
pub(crate) const MAX_MS: i64 = 253_402_300_799_999;

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// 1970-01-01T00:00:00, the day the milliseconds count from (as a civil date and time: jiff's
/// timestamps stop a day short of 9999-12-31, which these files may hold).
const EPOCH: DateTime = jiff::civil::datetime(1970, 1, 1, 0, 0, 0, 0);

/// A calendar date and time of day (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    milli: u32,
}

impl Civil {
    fn from_ms(ms: i64) -> Civil {
        let ms = ms.clamp(0, MAX_MS);
        let dt = EPOCH
            .checked_add(SignedDuration::from_millis(ms))
            .unwrap_or(EPOCH);
        let part = |value: i8| u32::try_from(value).unwrap_or(0);
        Civil {
            year: i64::from(dt.year()),
            month: part(dt.month()),
            day: part(dt.day()),
            hour: part(dt.hour()),
            minute: part(dt.minute()),
            second: part(dt.second()),
            milli: u32::try_from(dt.millisecond()).unwrap_or(0),
        }
    }

    /// Ms since the epoch, or `None` for an impossible or out-of-range date.
    fn to_ms(self) -> Option<i64> {
        self.to_wall_ms().and_then(in_range)
    }

    /// Ms since the epoch without the range check, or `None` for an impossible date (the
    /// calendar's rules are jiff's; a leap second reads as the last second of its minute).
    fn to_wall_ms(self) -> Option<i64> {
        if self.second > 60 || self.milli > 999 {
            return None;
        }
        let small = |value: u32| i8::try_from(value).ok();
        let dt = DateTime::new(
            i16::try_from(self.year).ok()?,
            small(self.month)?,
            small(self.day)?,
            small(self.hour)?,
            small(self.minute)?,
            small(self.second.min(59))?,
            i32::try_from(self.milli).ok()? * 1_000_000,
        )
        .ok()?;
        i64::try_from(dt.duration_since(EPOCH).as_millis()).ok()
    }
}

fn in_range(ms: i64) -> Option<i64> {
    (0..=MAX_MS).contains(&ms).then_some(ms)
}

/// Reads a date from a JSON value (number or string); `None` when it is none of the known forms.
pub(crate) fn parse_value(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => {
            if let Some(ms) = number.as_i64() {
                in_range(ms)
            } else {
                let ms = number.as_f64()?;
                // Fractional milliseconds are dropped.
                (ms.is_finite() && (0.0..=MAX_MS as f64).contains(&ms)).then(|| ms.trunc() as i64)
            }
        }
        Value::String(text) => parse_text(text),
        _ => None,
    }
}

/// Reads a date from text; `None` when it is none of the known forms.
pub(crate) fn parse_text(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<i64>().ok().and_then(in_range);
    }
    let mut cursor = Cursor::new(text);
    if cursor.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
        return parse_meridiem(&mut cursor);
    }
    parse_numeric(&mut cursor)
}

/// `YYYY-M-D`, then ISO 8601's time or the humanized `@13h 5m 41s 283ms`.
fn parse_numeric(cursor: &mut Cursor<'_>) -> Option<i64> {
    let year = i64::from(cursor.number(4, 4)?);
    cursor.expect(b'-')?;
    let month = cursor.number(1, 2)?;
    cursor.expect(b'-')?;
    let day = cursor.number(1, 2)?;
    let mut civil = Civil {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        milli: 0,
    };
    let spaced = cursor.consumed_space();
    if cursor.eat(b'@') {
        return parse_humanized_time(cursor, civil);
    }
    if cursor.done() {
        return civil.to_ms();
    }
    if !(spaced || cursor.eat(b'T') || cursor.eat(b't')) {
        return None;
    }
    civil.hour = cursor.number(1, 2)?;
    cursor.expect(b':')?;
    civil.minute = cursor.number(1, 2)?;
    if cursor.eat(b':') {
        civil.second = cursor.number(1, 2)?;
        if cursor.eat(b'.') || cursor.eat(b',') {
            civil.milli = cursor.fraction_ms()?;
        }
    }
    cursor.spaces();
    let offset_minutes = match cursor.peek() {
        None => 0,
        Some(b'Z' | b'z') => {
            cursor.bump();
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            cursor.bump();
            let hours = i64::from(cursor.number(2, 2)?);
            cursor.eat(b':');
            let minutes = if cursor.done() {
                0
            } else {
                i64::from(cursor.number(2, 2)?)
            };
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = hours * 60 + minutes;
            if sign == b'-' {
                -total
            } else {
                total
            }
        }
        Some(_) => return None,
    };
    if !cursor.done() {
        return None;
    }
    let wall = civil.to_wall_ms()?;
    in_range(wall.checked_sub(offset_minutes * 60_000)?)
}

/// After `@`: `13h 5m 41s 283ms` or `13h05m41s` (milliseconds optional).
fn parse_humanized_time(cursor: &mut Cursor<'_>, mut civil: Civil) -> Option<i64> {
    let mut seen = [false; 4];
    loop {
        cursor.spaces();
        if cursor.done() {
            break;
        }
        let value = cursor.number(1, 3)?;
        let slot = if cursor.eat_word("ms") {
            civil.milli = value;
            3
        } else if cursor.eat(b'h') {
            civil.hour = value;
            0
        } else if cursor.eat(b'm') {
            civil.minute = value;
            1
        } else if cursor.eat(b's') {
            civil.second = value;
            2
        } else {
            return None;
        };
        if seen[slot] {
            return None;
        }
        seen[slot] = true;
    }
    if !(seen[0] && seen[1] && seen[2]) {
        return None;
    }
    civil.to_ms()
}

/// `May 12, 2024 1:05pm`: month name (or its first three letters or more), day, optional
/// comma, year, `h:mm` (optionally `:ss`), optional am/pm.
fn parse_meridiem(cursor: &mut Cursor<'_>) -> Option<i64> {
    let name = cursor.letters().to_ascii_lowercase();
    if name.len() < 3 {
        return None;
    }
    let month = MONTHS.iter().position(|full| full.starts_with(&name))?;
    cursor.spaces();
    let day = cursor.number(1, 2)?;
    cursor.eat(b',');
    cursor.spaces();
    let year = i64::from(cursor.number(4, 4)?);
    if !cursor.consumed_space() {
        return None;
    }
    let mut hour = cursor.number(1, 2)?;
    cursor.expect(b':')?;
    let minute = cursor.number(1, 2)?;
    let second = if cursor.eat(b':') {
        cursor.number(1, 2)?
    } else {
        0
    };
    cursor.spaces();
    let meridiem = cursor.letters().to_ascii_lowercase();
    match meridiem.as_str() {
        "" => {}
        "am" | "pm" => {
            if !(1..=12).contains(&hour) {
                return None;
            }
            hour %= 12;
            if meridiem == "pm" {
                hour += 12;
            }
        }
        _ => return None,
    }
    cursor.spaces();
    if !cursor.done() {
        return None;
    }
    Civil {
        year,
        month: u32::try_from(month + 1).ok()?,
        day,
        hour,
        minute,
        second,
        milli: 0,
    }
    .to_ms()
}

/// SillyTavern's humanized form, as its older versions wrote `create_date`:
/// `2024-5-12 @13h 5m 41s 283ms`.
pub(crate) fn humanized(ms: i64) -> String {
    let c = Civil::from_ms(ms);
    format!(
        "{}-{}-{} @{}h {}m {}s {}ms",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.milli
    )
}

/// ISO 8601 in UTC with milliseconds: `2024-05-12T13:05:41.283Z`.
pub(crate) fn iso(ms: i64) -> String {
    let c = Civil::from_ms(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.milli
    )
}

/// The day: `2024-05-12`.
pub(crate) fn day(ms: i64) -> String {
    let c = Civil::from_ms(ms);
    format!("{:04}-{:02}-{:02}", c.year, c.month, c.day)
}

/// Day and minute: `2024-05-12 13:05`.
pub(crate) fn minute(ms: i64) -> String {
    let c = Civil::from_ms(ms);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute
    )
}

/// A reader over ASCII-ish text.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor {
            bytes: text.as_bytes(),
            at: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn bump(&mut self) {
        self.at += 1;
    }

    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let end = self.at + word.len();
        if self.bytes.get(self.at..end) == Some(word.as_bytes()) {
            self.at = end;
            true
        } else {
            false
        }
    }

    fn spaces(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.bump();
        }
    }

    /// Skips whitespace; whether there was any.
    fn consumed_space(&mut self) -> bool {
        let start = self.at;
        self.spaces();
        self.at > start
    }

    fn letters(&mut self) -> String {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.bump();
        }
        String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned()
    }

    /// A run of `min..=max` digits (more digits than `max` is an error).
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.bump();
        }
        let len = self.at - start;
        if len < min || len > max {
            return None;
        }
        std::str::from_utf8(&self.bytes[start..self.at])
            .ok()?
            .parse()
            .ok()
    }

    /// A decimal fraction of a second, as whole milliseconds (digits past the third dropped).
    fn fraction_ms(&mut self) -> Option<u32> {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.bump();
        }
        let digits = &self.bytes[start..self.at];
        if digits.is_empty() {
            return None;
        }
        let mut ms = 0;
        for place in 0..3 {
            ms = ms * 10 + digits.get(place).map_or(0, |d| u32::from(d - b'0'));
        }
        Some(ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAY_12: i64 = 1_715_519_141_283; // 2024-05-12T13:05:41.283Z

    #[test]
    fn reads_every_form() {
        let cases: &[(&str, i64)] = &[
            ("2024-05-12T13:05:41.283Z", MAY_12),
            ("2024-05-12T15:05:41.283+02:00", MAY_12),
            ("2024-05-12T13:05:41.283456Z", MAY_12),
            ("2024-05-12 13:05:41.283", MAY_12),
            ("2024-5-12 @13h 5m 41s 283ms", MAY_12),
            ("2024-5-12 @13h 05m 41s 283ms", MAY_12),
            ("2024-05-12@13h05m41s283ms", MAY_12),
            ("2024-05-12@13h05m41s", MAY_12 - 283),
            ("May 12, 2024 1:05pm", MAY_12 - 41_283),
            ("may 12, 2024 1:05 PM", MAY_12 - 41_283),
            ("May 12 2024 13:05", MAY_12 - 41_283),
            ("Sept 1, 2023 12:00am", 1_693_526_400_000),
            ("1715519141283", MAY_12),
            ("2024-05-12", MAY_12 - 47_141_283),
        ];
        for (text, ms) in cases {
            assert_eq!(parse_text(text), Some(*ms), "{text}");
        }
        assert_eq!(parse_value(&serde_json::json!(MAY_12)), Some(MAY_12));
        assert_eq!(
            parse_value(&serde_json::json!(1.5e12)),
            Some(1_500_000_000_000)
        );
    }

    #[test]
    fn refuses_nonsense() {
        for text in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-02-30",
            "2024-05-12T25:00",
            "May 12, 2024 13:05pm",
            "Ma 12, 2024 1:05pm",
            "2024-5-12 @13h 5m",
            "2024-05-12T13:05:41Zjunk",
            "1969-12-31T23:59:59Z",
        ] {
            assert_eq!(parse_text(text), None, "{text}");
        }
        assert_eq!(parse_value(&serde_json::json!(-1)), None);
        assert_eq!(parse_value(&serde_json::json!(true)), None);
    }

    #[test]
    fn writes_and_reads_back() {
        for ms in [0, 1, MAY_12, 951_782_400_000, MAX_MS] {
            assert_eq!(parse_text(&humanized(ms)), Some(ms), "{ms}");
            assert_eq!(parse_text(&iso(ms)), Some(ms), "{ms}");
        }
        assert_eq!(humanized(MAY_12), "2024-5-12 @13h 5m 41s 283ms");
        assert_eq!(iso(MAY_12), "2024-05-12T13:05:41.283Z");
        assert_eq!(day(MAY_12), "2024-05-12");
        assert_eq!(minute(MAY_12), "2024-05-12 13:05");
    }
}
