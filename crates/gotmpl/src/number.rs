//! Go numeric literals: `strconv.ParseUint/ParseInt(s, 0, 64)`, `ParseFloat(s, 64)` and the
//! template parser's `NumberNode` classification.

use crate::lex::ItemType;
use crate::quote::{quote, unquote_char};

/// Why a `strconv` parse failed.
#[derive(Debug, PartialEq, Eq)]
pub enum NumError {
    Syntax,
    Range,
}

fn underscore_ok(s: &str) -> bool {
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
    if s0.is_empty() {
        return Err(NumError::Syntax);
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
            _ => return Err(NumError::Syntax),
        };
        if d >= base {
            return Err(NumError::Syntax);
        }
        n = n
            .checked_mul(base)
            .and_then(|n| n.checked_add(d))
            .ok_or(NumError::Range)?;
    }
    if underscores && !underscore_ok(s0) {
        return Err(NumError::Syntax);
    }
    Ok(n)
}

/// `strconv.ParseInt(s, 0, 64)`.
pub fn parse_int(s0: &str) -> Result<i64, NumError> {
    if s0.is_empty() {
        return Err(NumError::Syntax);
    }
    let (neg, body) = match s0.as_bytes()[0] {
        b'+' => (false, &s0[1..]),
        b'-' => (true, &s0[1..]),
        _ => (false, s0),
    };
    let un = parse_uint(body)?;
    let cutoff = 1u64 << 63;
    if !neg && un >= cutoff {
        return Err(NumError::Range);
    }
    if neg && un > cutoff {
        return Err(NumError::Range);
    }
    Ok(if neg {
        (un as i64).wrapping_neg()
    } else {
        un as i64
    })
}

/// `strconv.ParseFloat(s, 64)`.
pub fn parse_float(s: &str) -> Result<f64, NumError> {
    let b = s.as_bytes();
    let (neg, body) = match b.first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let special = match lower.as_str() {
        "inf" | "infinity" => Some(f64::INFINITY),
        "nan" => Some(f64::NAN),
        _ => None,
    };
    if let Some(v) = special {
        return Ok(if neg { -v } else { v });
    }
    if body.contains('_') && !underscore_ok(s) {
        return Err(NumError::Syntax);
    }
    let clean: String = body.chars().filter(|&c| c != '_').collect();
    let v = if clean.len() > 2 && clean.as_bytes()[0] == b'0' && clean.as_bytes()[1] | 0x20 == b'x'
    {
        parse_hex_float(&clean[2..])?
    } else {
        parse_dec_float(&clean)?
    };
    if v.is_infinite() {
        return Err(NumError::Range);
    }
    Ok(if neg { -v } else { v })
}

fn parse_dec_float(s: &str) -> Result<f64, NumError> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return Err(NumError::Syntax);
    }
    if i < b.len() && (b[i] | 0x20) == b'e' {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return Err(NumError::Syntax);
        }
    }
    if i != b.len() {
        return Err(NumError::Syntax);
    }
    s.parse::<f64>().map_err(|_| NumError::Syntax)
}

fn parse_hex_float(s: &str) -> Result<f64, NumError> {
    let b = s.as_bytes();
    let mut mant: u128 = 0;
    let mut exp: i64 = 0;
    let mut sticky = false;
    let mut digits = 0;
    let mut i = 0;
    let mut seen_dot = false;
    while i < b.len() {
        let c = b[i];
        if c == b'.' && !seen_dot {
            seen_dot = true;
        } else if let Some(d) = (c as char).to_digit(16) {
            digits += 1;
            if mant >> 120 == 0 {
                mant = (mant << 4) | d as u128;
                if seen_dot {
                    exp -= 4;
                }
            } else {
                sticky |= d != 0;
                if !seen_dot {
                    exp += 4;
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if digits == 0 || i >= b.len() || (b[i] | 0x20) != b'p' {
        return Err(NumError::Syntax);
    }
    i += 1;
    let mut eneg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        eneg = b[i] == b'-';
        i += 1;
    }
    if i >= b.len() {
        return Err(NumError::Syntax);
    }
    let mut e: i64 = 0;
    for &c in &b[i..] {
        if !c.is_ascii_digit() {
            return Err(NumError::Syntax);
        }
        e = (e * 10 + (c - b'0') as i64).min(100_000);
    }
    exp += if eneg { -e } else { e };
    if sticky {
        mant |= 1;
    }
    if mant == 0 {
        return Ok(0.0);
    }
    // Normalise to 64 significant bits with a sticky bit, then let the FPU round once.
    let lz = mant.leading_zeros() as i64;
    let shift = 128 - lz - 64;
    let (m64, e2) = if shift > 0 {
        let lost = mant & ((1u128 << shift) - 1) != 0;
        (((mant >> shift) as u64) | lost as u64, exp + shift)
    } else {
        (mant as u64, exp)
    };
    Ok(scale_pow2(m64, e2))
}

fn scale_pow2(m: u64, e: i64) -> f64 {
    // Round m to 53 bits honouring subnormals, then scale exactly.
    let bits = 64 - m.leading_zeros() as i64;
    let top = e + bits; // value is in [2^(top-1), 2^top)
    if top > 1025 {
        return f64::INFINITY;
    }
    let keep = if top - 1 < -1022 {
        (53 - (-1022 - (top - 1))).max(0)
    } else {
        53
    };
    let drop = bits - keep;
    let (mut q, mut e) = (m, e);
    if drop > 0 {
        let drop = drop as u32;
        let rem = if drop >= 64 {
            m
        } else {
            m & ((1u64 << drop) - 1)
        };
        q = if drop >= 64 { 0 } else { m >> drop };
        let half = if drop >= 65 { 0 } else { 1u64 << (drop - 1) };
        if drop <= 64 && (rem > half || (rem == half && q & 1 == 1)) {
            q += 1;
        }
        e += drop as i64;
    }
    let mut v = q as f64;
    while e > 0 {
        let step = e.min(1000);
        v *= 2f64.powi(step as i32);
        e -= step;
    }
    while e < 0 {
        let step = (-e).min(1000);
        v /= 2f64.powi(step as i32);
        e += step;
    }
    v
}

/// A parsed number constant, classified like Go's `parse.NumberNode`.
#[derive(Clone, Debug, Default)]
pub struct Number {
    pub text: String,
    pub is_int: bool,
    pub is_uint: bool,
    pub is_float: bool,
    pub is_complex: bool,
    pub int64: i64,
    pub uint64: u64,
    pub float64: f64,
    pub complex: (f64, f64),
}

impl Number {
    fn simplify_complex(&mut self) {
        self.is_float = self.complex.1 == 0.0;
        if self.is_float {
            self.float64 = self.complex.0;
            let f = self.float64;
            self.is_int = go_f64_to_i64(f) as f64 == f;
            if self.is_int {
                self.int64 = go_f64_to_i64(f);
            }
            self.is_uint = go_f64_to_u64(f) as f64 == f;
            if self.is_uint {
                self.uint64 = go_f64_to_u64(f);
            }
        }
    }

    /// Go's `Tree.newNumber`: classifies `text` or returns the parse error message.
    pub fn parse(text: &str, typ: ItemType) -> Result<Number, String> {
        let mut n = Number {
            text: text.to_string(),
            ..Number::default()
        };
        match typ {
            ItemType::CharConstant => {
                let b = text.as_bytes();
                let (r, tail) =
                    unquote_char(&b[1..], b[0]).map_err(|_| "invalid syntax".to_string())?;
                if tail != b"'" {
                    return Err(format!("malformed character constant: {text}"));
                }
                let r = r.value();
                n.int64 = r as i64;
                n.uint64 = r as u64;
                n.float64 = r as f64;
                n.is_int = true;
                n.is_uint = true;
                n.is_float = true;
                return Ok(n);
            }
            ItemType::Complex => {
                n.complex = scan_complex(text)?;
                n.is_complex = true;
                n.simplify_complex();
                return Ok(n);
            }
            _ => {}
        }
        if let Some(body) = text.strip_suffix('i')
            && let Ok(f) = parse_float(body)
        {
            n.is_complex = true;
            n.complex = (0.0, f);
            n.simplify_complex();
            return Ok(n);
        }
        let u = parse_uint(text);
        if let Ok(u) = u {
            n.is_uint = true;
            n.uint64 = u;
        }
        if let Ok(i) = parse_int(text) {
            n.is_int = true;
            n.int64 = i;
            if i == 0 {
                n.is_uint = true;
                n.uint64 = u.unwrap_or(0);
            }
        }
        if n.is_int {
            n.is_float = true;
            n.float64 = n.int64 as f64;
        } else if n.is_uint {
            n.is_float = true;
            n.float64 = n.uint64 as f64;
        } else if let Ok(f) = parse_float(text) {
            if !text.contains(['.', 'e', 'E', 'p', 'P']) {
                return Err(format!("integer overflow: {}", quote(text.as_bytes())));
            }
            n.is_float = true;
            n.float64 = f;
            if go_f64_to_i64(f) as f64 == f {
                n.is_int = true;
                n.int64 = go_f64_to_i64(f);
            }
            if go_f64_to_u64(f) as f64 == f {
                n.is_uint = true;
                n.uint64 = go_f64_to_u64(f);
            }
        }
        if !n.is_int && !n.is_uint && !n.is_float {
            return Err(format!("illegal number syntax: {}", quote(text.as_bytes())));
        }
        Ok(n)
    }
}

const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;

/// Go's `int64(f)` conversion on amd64 (out-of-range values give the "integer indefinite").
pub fn go_f64_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-TWO_POW_63..TWO_POW_63).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// Go's `uint64(f)` conversion on amd64.
pub fn go_f64_to_u64(f: f64) -> u64 {
    if f.is_nan() {
        return 1 << 63;
    }
    if f < TWO_POW_63 {
        go_f64_to_i64(f) as u64
    } else if f < TWO_POW_64 {
        (go_f64_to_i64(f - TWO_POW_63) as u64) ^ (1 << 63)
    } else {
        1 << 63
    }
}

fn scan_complex(text: &str) -> Result<(f64, f64), String> {
    let b = text.as_bytes();
    let mut split = None;
    for i in (1..b.len()).rev() {
        if (b[i] == b'+' || b[i] == b'-') && !matches!(b[i - 1] | 0x20, b'e' | b'p') {
            split = Some(i);
            break;
        }
    }
    let err = || {
        format!(
            "strconv.ParseFloat: parsing {}: invalid syntax",
            quote(text.as_bytes())
        )
    };
    let i = split.ok_or_else(err)?;
    let re = parse_float(&text[..i]).map_err(|_| err())?;
    let im_text = text[i..].strip_suffix('i').ok_or_else(err)?;
    let im = parse_float(im_text).map_err(|_| err())?;
    Ok((re, im))
}

#[cfg(test)]
mod tests {
    use super::*;

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
            ("08", Err(NumError::Syntax)),
            ("1__0", Err(NumError::Syntax)),
            ("18446744073709551616", Err(NumError::Range)),
        ];
        for (s, want) in cases {
            assert_eq!(parse_uint(s), want, "{s}");
        }
        assert_eq!(parse_int("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_int("9223372036854775808"), Err(NumError::Range));
        assert_eq!(parse_int("+5"), Ok(5));
    }

    #[test]
    fn floats() {
        let cases = [
            ("1.5", Ok(1.5)),
            ("1e3", Ok(1000.0)),
            (".5", Ok(0.5)),
            ("1.", Ok(1.0)),
            ("0x1p4", Ok(16.0)),
            ("0x1.8p1", Ok(3.0)),
            ("1_000.5", Ok(1000.5)),
            ("1e400", Err(NumError::Range)),
            ("1e", Err(NumError::Syntax)),
            ("0x1.8", Err(NumError::Syntax)),
        ];
        for (s, want) in cases {
            assert_eq!(parse_float(s), want, "{s}");
        }
        assert_eq!(parse_float("1e-400"), Ok(0.0));
        assert_eq!(parse_float("0x1p-1074"), Ok(5e-324));
    }

    #[test]
    fn constants() {
        let n = Number::parse("'a'", ItemType::CharConstant).unwrap();
        assert_eq!(n.int64, 97);
        let n = Number::parse("1e3", ItemType::Number).unwrap();
        assert!(n.is_float && n.is_int && n.int64 == 1000);
        let n = Number::parse("2i", ItemType::Number).unwrap();
        assert!(n.is_complex && n.complex == (0.0, 2.0));
        let n = Number::parse("1+2i", ItemType::Complex).unwrap();
        assert_eq!(n.complex, (1.0, 2.0));
        assert_eq!(
            Number::parse("08", ItemType::Number).unwrap_err(),
            "integer overflow: \"08\""
        );
        assert_eq!(
            Number::parse("99999999999999999999", ItemType::Number).unwrap_err(),
            "integer overflow: \"99999999999999999999\""
        );
    }
}
