//! Go's `strconv.ParseUint(s, 0, 64)` and `ParseInt(s, 0, 64)`: sign, base prefixes
//! (`0x`, `0o`, `0b`, a leading `0` for octal), `_` between digits, and Go's `*NumError`
//! texts (`strconv.ParseInt: parsing "x": invalid syntax`).

use std::fmt;

use super::quote::quote;

/// Which of Go's two sentinel errors a parse failed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumErrorKind {
    /// `strconv.ErrSyntax`: "invalid syntax".
    Syntax,
    /// `strconv.ErrRange`: "value out of range".
    Range,
}

/// Go's `*strconv.NumError`: the function, the input and the reason, displayed as Go's
/// `Error()` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumError {
    /// `ParseInt`, `ParseUint`, `ParseFloat` or `ParseBool`.
    pub func: &'static str,
    /// The input, as given (sign included).
    pub num: String,
    pub err: NumErrorKind,
}

impl NumError {
    pub(crate) fn syntax(func: &'static str, num: &str) -> NumError {
        NumError {
            func,
            num: num.to_string(),
            err: NumErrorKind::Syntax,
        }
    }

    pub(crate) fn range(func: &'static str, num: &str) -> NumError {
        NumError {
            func,
            num: num.to_string(),
            err: NumErrorKind::Range,
        }
    }
}

impl fmt::Display for NumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = match self.err {
            NumErrorKind::Syntax => "invalid syntax",
            NumErrorKind::Range => "value out of range",
        };
        write!(
            f,
            "strconv.{}: parsing {}: {reason}",
            self.func,
            quote(&self.num)
        )
    }
}

impl std::error::Error for NumError {}

/// Go's `underscoreOK`: `_` only between digits or right after a base prefix.
pub(crate) fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let b = if !b.is_empty() && (b[0] == b'-' || b[0] == b'+') {
        &b[1..]
    } else {
        b
    };
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1] | 0x20, b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1] | 0x20 == b'x';
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && (c | 0x20).is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// `strconv.ParseUint(s, 0, 64)`.
pub fn parse_uint(s0: &str) -> Result<u64, NumError> {
    parse_uint_as(s0, "ParseUint")
}

fn parse_uint_as(s0: &str, func: &'static str) -> Result<u64, NumError> {
    let syntax = || NumError::syntax(func, s0);
    if s0.is_empty() {
        return Err(syntax());
    }
    let mut s = s0.as_bytes();
    let mut base = 10u64;
    if s[0] == b'0' {
        if s.len() >= 3 && matches!(s[1] | 0x20, b'b' | b'o' | b'x') {
            base = match s[1] | 0x20 {
                b'b' => 2,
                b'o' => 8,
                _ => 16,
            };
            s = &s[2..];
        } else {
            base = 8;
            s = &s[1..];
        }
    }
    let mut n: u64 = 0;
    let mut underscores = false;
    for &c in s {
        let d = match c {
            b'_' => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => (c - b'0') as u64,
            _ if (c | 0x20).is_ascii_lowercase() => ((c | 0x20) - b'a' + 10) as u64,
            _ => return Err(syntax()),
        };
        if d >= base {
            return Err(syntax());
        }
        n = n
            .checked_mul(base)
            .and_then(|n| n.checked_add(d))
            .ok_or_else(|| NumError::range(func, s0))?;
    }
    if underscores && !underscore_ok(s0) {
        return Err(syntax());
    }
    Ok(n)
}

/// `strconv.ParseInt(s, 0, 64)`.
pub fn parse_int(s0: &str) -> Result<i64, NumError> {
    const FUNC: &str = "ParseInt";
    if s0.is_empty() {
        return Err(NumError::syntax(FUNC, s0));
    }
    let (neg, body) = match s0.as_bytes()[0] {
        b'+' => (false, &s0[1..]),
        b'-' => (true, &s0[1..]),
        _ => (false, s0),
    };
    // Go keeps going after a range error of ParseUint: the value is then out of range here.
    let un = match parse_uint_as(body, FUNC) {
        Ok(un) => un,
        Err(e) if e.err == NumErrorKind::Range => u64::MAX,
        Err(_) => return Err(NumError::syntax(FUNC, s0)),
    };
    let cutoff = 1u64 << 63;
    if (!neg && un >= cutoff) || (neg && un > cutoff) {
        return Err(NumError::range(FUNC, s0));
    }
    Ok(if neg {
        (un as i64).wrapping_neg()
    } else {
        un as i64
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use NumErrorKind::{Range, Syntax};

    #[test]
    fn ints() {
        let cases = [
            ("0", Ok(0)),
            ("17", Ok(17)),
            ("0x1F", Ok(31)),
            ("0o17", Ok(15)),
            ("017", Ok(15)),
            ("0b101", Ok(5)),
            ("1_000", Ok(1000)),
            ("08", Err(Syntax)),
            ("1__0", Err(Syntax)),
            ("18446744073709551616", Err(Range)),
        ];
        for (s, want) in cases {
            assert_eq!(parse_uint(s).map_err(|e| e.err), want, "{s}");
        }
        assert_eq!(parse_int("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(
            parse_int("9223372036854775808").map_err(|e| e.err),
            Err(Range)
        );
        assert_eq!(parse_int("+5"), Ok(5));
    }

    #[test]
    fn errors_read_like_go() {
        let text = |r: Result<i64, NumError>| r.unwrap_err().to_string();
        assert_eq!(
            text(parse_int("abc")),
            r#"strconv.ParseInt: parsing "abc": invalid syntax"#
        );
        assert_eq!(
            text(parse_int("-99999999999999999999")),
            r#"strconv.ParseInt: parsing "-99999999999999999999": value out of range"#
        );
        assert_eq!(
            text(parse_int("-0x")),
            r#"strconv.ParseInt: parsing "-0x": invalid syntax"#
        );
        assert_eq!(
            text(parse_int("")),
            r#"strconv.ParseInt: parsing "": invalid syntax"#
        );
        // Go reports an overflow as soon as it happens, before a later bad digit or underscore.
        assert_eq!(parse_int("99999999999999999999x").unwrap_err().err, Range);
        assert_eq!(parse_int("1__99999999999999999999").unwrap_err().err, Range);
        assert_eq!(
            parse_uint("0x\u{e9}").unwrap_err().to_string(),
            "strconv.ParseUint: parsing \"0x\u{e9}\": invalid syntax"
        );
    }
}
