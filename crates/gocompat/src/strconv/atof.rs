//! Go's `strconv.ParseFloat(s, 64)`: decimal and hexadecimal mantissas, `inf`/`nan`, `_`
//! between digits, correctly rounded.

use super::atoi::{NumError, NumErrorKind, underscore_ok};
use NumErrorKind::{Range, Syntax};

/// `strconv.ParseFloat(s, 64)`.
pub fn parse_float(s: &str) -> Result<f64, NumError> {
    parse(s).map_err(|err| NumError {
        func: "ParseFloat",
        num: s.to_string(),
        err,
    })
}

fn parse(s: &str) -> Result<f64, NumErrorKind> {
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
        return Err(Syntax);
    }
    let clean: String = body.chars().filter(|&c| c != '_').collect();
    let v = if clean.len() > 2 && clean.as_bytes()[0] == b'0' && clean.as_bytes()[1] | 0x20 == b'x'
    {
        parse_hex_float(&clean[2..])?
    } else {
        parse_dec_float(&clean)?
    };
    if v.is_infinite() {
        return Err(Range);
    }
    Ok(if neg { -v } else { v })
}

fn parse_dec_float(s: &str) -> Result<f64, NumErrorKind> {
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
        return Err(Syntax);
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
            return Err(Syntax);
        }
    }
    if i != b.len() {
        return Err(Syntax);
    }
    s.parse::<f64>().map_err(|_| Syntax)
}

fn parse_hex_float(s: &str) -> Result<f64, NumErrorKind> {
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
        return Err(Syntax);
    }
    i += 1;
    let mut eneg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        eneg = b[i] == b'-';
        i += 1;
    }
    if i >= b.len() {
        return Err(Syntax);
    }
    let mut e: i64 = 0;
    for &c in &b[i..] {
        if !c.is_ascii_digit() {
            return Err(Syntax);
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

#[cfg(test)]
mod tests {
    use super::*;

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
            ("1e400", Err(Range)),
            ("1e", Err(Syntax)),
            ("0x1.8", Err(Syntax)),
        ];
        for (s, want) in cases {
            assert_eq!(parse_float(s).map_err(|e| e.err), want, "{s}");
        }
        assert_eq!(parse_float("1e-400"), Ok(0.0));
        assert_eq!(parse_float("0x1p-1074"), Ok(5e-324));
    }
}
