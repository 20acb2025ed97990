//! Value parsers shared by several commands' arguments: non-empty text, token counts and
//! sampler numbers.
//!
//! Only checks and converts one argument's text; it must not read files, the environment or
//! the data, and its error texts are what clap prints, so they must not change.

use switchboard_core::error::quoted;

/// A text argument that may not be empty (clap: "a value is required for …").
pub fn non_empty() -> clap::builder::NonEmptyStringValueParser {
    clap::builder::NonEmptyStringValueParser::new()
}

/// A count of tokens: 1 or more.
pub fn tokens() -> clap::builder::RangedI64ValueParser<u32> {
    clap::builder::RangedI64ValueParser::new().range(1..=i64::from(u32::MAX))
}

/// A sampler setting: a finite number, zero or more (no source takes a negative one, and
/// NaN or infinity cannot be sent as JSON).
pub fn parse_sampler(text: &str) -> std::result::Result<f32, String> {
    let value: f32 = text
        .trim()
        .parse()
        .map_err(|_| format!("\"{}\" is not a number", quoted(text)))?;
    if value.is_nan() {
        return Err(format!("\"{}\" is not a number", quoted(text)));
    }
    if value.is_infinite() {
        return Err(format!("\"{}\" is too large", quoted(text)));
    }
    if value < 0.0 {
        return Err(format!("{value} is negative; give zero or more"));
    }
    // `-0` is zero.
    Ok(if value == 0.0 { 0.0 } else { value })
}

/// A sampler setting that is a probability: from 0 to 1.
pub fn parse_fraction(text: &str) -> std::result::Result<f32, String> {
    let value = parse_sampler(text)?;
    if value > 1.0 {
        return Err(format!("{value} is more than 1; give a number from 0 to 1"));
    }
    Ok(value)
}
