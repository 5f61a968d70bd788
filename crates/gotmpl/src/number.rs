//! Go numeric literals: the template parser's `NumberNode` classification (over
//! `gocompat::strconv`'s `ParseUint`, `ParseInt` and `ParseFloat`).

use gocompat::strconv::{parse_float, parse_int, parse_uint, quote, unquote_char};

use crate::lex::ItemType;

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
