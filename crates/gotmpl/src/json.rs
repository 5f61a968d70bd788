//! A JSON decoder matching Go's `json.NewDecoder(r).Decode(&v)` into `interface{}`: the first
//! value only, numbers as float64, Go's scanner error texts and invalid UTF-8 handling.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::value::{Datum, List};
use gocompat::strconv::{parse_float, quote_bytes};
use gocompat::utf8::decode_rune;

const MAX_NESTING: usize = 10_000;
/// The most values a document may hold. Go has no such limit; here decoded values take tens
/// of bytes each, so a hostile 64 MiB body of `[[],[],…]` would become gigabytes (README
/// "Bounded by design"). Real answers hold a few thousand.
pub const MAX_VALUES: usize = 2_000_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Continue,
    SkipSpace,
    EndObjectOrArray,
    End,
    Error,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Parse {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    BeginValue,
    BeginValueOrEmpty,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    Lit(&'static [u8], u8),
}

/// Go's `encoding/json` scanner state machine.
struct Scanner {
    step: State,
    stack: Vec<Parse>,
    err: Option<String>,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Go's `quoteChar`: how a byte is shown in a syntax error.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        _ => {
            let ch = char::from(c);
            let mut buf = [0u8; 4];
            let q = quote_bytes(ch.encode_utf8(&mut buf).as_bytes(), false);
            format!("'{}'", String::from_utf8_lossy(&q[1..q.len() - 1]))
        }
    }
}

impl Scanner {
    fn new() -> Self {
        Scanner {
            step: State::BeginValue,
            stack: vec![],
            err: None,
        }
    }

    fn error(&mut self, c: u8, context: &str) -> Step {
        self.err = Some(format!("invalid character {} {}", quote_char(c), context));
        self.step = State::EndTop;
        Step::Error
    }

    fn push(&mut self, c: u8, p: Parse) -> Step {
        self.stack.push(p);
        if self.stack.len() <= MAX_NESTING {
            Step::Continue
        } else {
            self.error(c, "exceeded max depth")
        }
    }

    fn pop(&mut self) {
        self.stack.pop();
        self.step = if self.stack.is_empty() {
            State::EndTop
        } else {
            State::EndValue
        };
    }

    fn feed(&mut self, c: u8) -> Step {
        if self.err.is_some() {
            return Step::Error;
        }
        match self.step {
            State::BeginValueOrEmpty => {
                if is_space(c) {
                    return Step::SkipSpace;
                }
                if c == b']' {
                    return self.end_value(c);
                }
                self.begin_value(c)
            }
            State::BeginValue => self.begin_value(c),
            State::BeginStringOrEmpty => {
                if is_space(c) {
                    return Step::SkipSpace;
                }
                if c == b'}' {
                    if let Some(top) = self.stack.last_mut() {
                        *top = Parse::ObjectValue;
                    }
                    return self.end_value(c);
                }
                self.begin_string(c)
            }
            State::BeginString => self.begin_string(c),
            State::EndValue => self.end_value(c),
            State::EndTop => self.end_top(c),
            State::InString => match c {
                b'"' => {
                    self.step = State::EndValue;
                    Step::Continue
                }
                b'\\' => {
                    self.step = State::InStringEsc;
                    Step::Continue
                }
                c if c < 0x20 => self.error(c, "in string literal"),
                _ => Step::Continue,
            },
            State::InStringEsc => match c {
                b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                    self.step = State::InString;
                    Step::Continue
                }
                b'u' => {
                    self.step = State::InStringEscU(0);
                    Step::Continue
                }
                _ => self.error(c, "in string escape code"),
            },
            State::InStringEscU(n) => {
                if c.is_ascii_hexdigit() {
                    self.step = if n == 3 {
                        State::InString
                    } else {
                        State::InStringEscU(n + 1)
                    };
                    Step::Continue
                } else {
                    self.error(c, "in \\u hexadecimal character escape")
                }
            }
            State::Neg => match c {
                b'0' => {
                    self.step = State::Zero;
                    Step::Continue
                }
                b'1'..=b'9' => {
                    self.step = State::One;
                    Step::Continue
                }
                _ => self.error(c, "in numeric literal"),
            },
            State::One => {
                if c.is_ascii_digit() {
                    return Step::Continue;
                }
                self.zero(c)
            }
            State::Zero => self.zero(c),
            State::Dot => {
                if c.is_ascii_digit() {
                    self.step = State::Dot0;
                    return Step::Continue;
                }
                self.error(c, "after decimal point in numeric literal")
            }
            State::Dot0 => {
                if c.is_ascii_digit() {
                    return Step::Continue;
                }
                if c == b'e' || c == b'E' {
                    self.step = State::E;
                    return Step::Continue;
                }
                self.end_value(c)
            }
            State::E => {
                if c == b'+' || c == b'-' {
                    self.step = State::ESign;
                    return Step::Continue;
                }
                self.e_sign(c)
            }
            State::ESign => self.e_sign(c),
            State::E0 => {
                if c.is_ascii_digit() {
                    return Step::Continue;
                }
                self.end_value(c)
            }
            State::Lit(word, i) => {
                let want = word[i as usize];
                if c == want {
                    self.step = if i as usize + 1 == word.len() {
                        State::EndValue
                    } else {
                        State::Lit(word, i + 1)
                    };
                    return Step::Continue;
                }
                let name = std::str::from_utf8(word).unwrap_or("");
                let ctx = format!("in literal {name} (expecting {})", quote_char(want));
                self.error(c, &ctx)
            }
        }
    }

    fn begin_value(&mut self, c: u8) -> Step {
        if is_space(c) {
            return Step::SkipSpace;
        }
        match c {
            b'{' => {
                self.step = State::BeginStringOrEmpty;
                self.push(c, Parse::ObjectKey)
            }
            b'[' => {
                self.step = State::BeginValueOrEmpty;
                self.push(c, Parse::ArrayValue)
            }
            b'"' => {
                self.step = State::InString;
                Step::Continue
            }
            b'-' => {
                self.step = State::Neg;
                Step::Continue
            }
            b'0' => {
                self.step = State::Zero;
                Step::Continue
            }
            b't' => {
                self.step = State::Lit(b"true", 1);
                Step::Continue
            }
            b'f' => {
                self.step = State::Lit(b"false", 1);
                Step::Continue
            }
            b'n' => {
                self.step = State::Lit(b"null", 1);
                Step::Continue
            }
            b'1'..=b'9' => {
                self.step = State::One;
                Step::Continue
            }
            _ => self.error(c, "looking for beginning of value"),
        }
    }

    fn begin_string(&mut self, c: u8) -> Step {
        if is_space(c) {
            return Step::SkipSpace;
        }
        if c == b'"' {
            self.step = State::InString;
            return Step::Continue;
        }
        self.error(c, "looking for beginning of object key string")
    }

    fn zero(&mut self, c: u8) -> Step {
        match c {
            b'.' => {
                self.step = State::Dot;
                Step::Continue
            }
            b'e' | b'E' => {
                self.step = State::E;
                Step::Continue
            }
            _ => self.end_value(c),
        }
    }

    fn e_sign(&mut self, c: u8) -> Step {
        if c.is_ascii_digit() {
            self.step = State::E0;
            return Step::Continue;
        }
        self.error(c, "in exponent of numeric literal")
    }

    fn end_top(&mut self, c: u8) -> Step {
        if !is_space(c) {
            self.error(c, "after top-level value");
        }
        Step::End
    }

    fn end_value(&mut self, c: u8) -> Step {
        let Some(&top) = self.stack.last() else {
            self.step = State::EndTop;
            return self.end_top(c);
        };
        if is_space(c) {
            self.step = State::EndValue;
            return Step::SkipSpace;
        }
        match top {
            Parse::ObjectKey => {
                if c == b':' {
                    *self.stack.last_mut().unwrap_or(&mut Parse::ObjectKey) = Parse::ObjectValue;
                    self.step = State::BeginValue;
                    return Step::Continue;
                }
                self.error(c, "after object key")
            }
            Parse::ObjectValue => {
                if c == b',' {
                    *self.stack.last_mut().unwrap_or(&mut Parse::ObjectValue) = Parse::ObjectKey;
                    self.step = State::BeginString;
                    return Step::Continue;
                }
                if c == b'}' {
                    self.pop();
                    return Step::EndObjectOrArray;
                }
                self.error(c, "after object key:value pair")
            }
            Parse::ArrayValue => {
                if c == b',' {
                    self.step = State::BeginValue;
                    return Step::Continue;
                }
                if c == b']' {
                    self.pop();
                    return Step::EndObjectOrArray;
                }
                self.error(c, "after array element")
            }
        }
    }
}

/// Finds the extent of the first JSON value (Go's `Decoder.readValue`), refusing one of more
/// than `MAX_VALUES` values.
fn read_value(input: &[u8]) -> Result<usize, String> {
    let mut s = Scanner::new();
    let mut values = 0usize;
    for (i, &c) in input.iter().enumerate() {
        if matches!(s.step, State::BeginValue | State::BeginValueOrEmpty) && !is_space(c) {
            values += 1;
            if values > MAX_VALUES {
                return Err(format!(
                    "the response holds more than {MAX_VALUES} JSON values"
                ));
            }
        }
        match s.feed(c) {
            Step::End => return Ok(i),
            Step::EndObjectOrArray => {
                if s.stack.is_empty() {
                    return Ok(i + 1);
                }
            }
            Step::Error => return Err(s.err.unwrap_or_default()),
            Step::Continue | Step::SkipSpace => {}
        }
    }
    if s.feed(b' ') == Step::End {
        return Ok(input.len());
    }
    if input.iter().any(|&c| !is_space(c)) {
        return Err("unexpected EOF".into());
    }
    Err("EOF".into())
}

/// Decodes the first JSON value of `input` as Go does into an `interface{}`.
pub fn decode(input: &[u8]) -> Result<Datum, String> {
    let n = read_value(input)?;
    let mut d = Decoder {
        s: &input[..n],
        i: 0,
        err: None,
    };
    let v = d.value();
    match d.err {
        Some(e) => Err(e),
        None => Ok(v),
    }
}

/// Builds values from already-validated JSON text.
struct Decoder<'a> {
    s: &'a [u8],
    i: usize,
    err: Option<String>,
}

impl Decoder<'_> {
    fn skip_space(&mut self) {
        while self.i < self.s.len() && is_space(self.s[self.i]) {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Datum {
        self.skip_space();
        let Some(&c) = self.s.get(self.i) else {
            return Datum::Nil;
        };
        match c {
            b'{' => {
                self.i += 1;
                let mut m = BTreeMap::new();
                loop {
                    self.skip_space();
                    if self.s.get(self.i) == Some(&b'}') {
                        self.i += 1;
                        break;
                    }
                    let key = self.string();
                    self.skip_space();
                    self.i += 1; // ':'
                    let v = self.value();
                    m.insert(key, v);
                    self.skip_space();
                    if self.s.get(self.i) == Some(&b',') {
                        self.i += 1;
                    }
                }
                Datum::Map(Rc::new(m))
            }
            b'[' => {
                self.i += 1;
                let mut items = vec![];
                loop {
                    self.skip_space();
                    if self.s.get(self.i) == Some(&b']') || self.i >= self.s.len() {
                        self.i += 1;
                        break;
                    }
                    items.push(self.value());
                    self.skip_space();
                    if self.s.get(self.i) == Some(&b',') {
                        self.i += 1;
                    }
                }
                Datum::List(List::from_appended(items))
            }
            b'"' => Datum::str(&self.string()),
            b't' => {
                self.i += 4;
                Datum::Bool(true)
            }
            b'f' => {
                self.i += 5;
                Datum::Bool(false)
            }
            b'n' => {
                self.i += 4;
                Datum::Nil
            }
            _ => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'
                    )
                {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
                match parse_float(text) {
                    Ok(f) => Datum::Float(f),
                    Err(_) => {
                        if self.err.is_none() {
                            self.err = Some(format!(
                                "json: cannot unmarshal number {text} into Go value of type float64"
                            ));
                        }
                        Datum::Nil
                    }
                }
            }
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        if self.s.get(at) != Some(&b'\\') || self.s.get(at + 1) != Some(&b'u') {
            return None;
        }
        let h = self.s.get(at + 2..at + 6)?;
        u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
    }

    /// A string literal at `self.i` (validated), unescaped like Go's `unquoteBytes`.
    fn string(&mut self) -> Vec<u8> {
        self.i += 1; // opening quote
        let mut out = Vec::new();
        while self.i < self.s.len() {
            let c = self.s[self.i];
            match c {
                b'"' => {
                    self.i += 1;
                    break;
                }
                b'\\' => {
                    let e = self.s.get(self.i + 1).copied().unwrap_or(b'"');
                    let simple = match e {
                        b'b' => Some(8),
                        b'f' => Some(0xC),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'"' | b'\\' | b'/' => Some(e),
                        _ => None,
                    };
                    if let Some(b) = simple {
                        out.push(b);
                        self.i += 2;
                        continue;
                    }
                    let mut r = self.hex4(self.i).unwrap_or(0xFFFD);
                    self.i += 6;
                    if (0xD800..0xE000).contains(&r) {
                        let r2 = self.hex4(self.i);
                        match r2 {
                            Some(r2)
                                if (0xD800..0xDC00).contains(&r)
                                    && (0xDC00..0xE000).contains(&r2) =>
                            {
                                r = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
                                self.i += 6;
                            }
                            _ => r = 0xFFFD,
                        }
                    }
                    let ch = char::from_u32(r).unwrap_or('\u{FFFD}');
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                c if c < 0x80 => {
                    out.push(c);
                    self.i += 1;
                }
                _ => {
                    let (r, w) = decode_rune(&self.s[self.i..]);
                    match r {
                        Some(_) => out.extend_from_slice(&self.s[self.i..self.i + w]),
                        None => out.extend_from_slice("\u{FFFD}".as_bytes()),
                    }
                    self.i += w;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &[u8]) -> String {
        decode(s).unwrap_err()
    }

    #[test]
    fn errors() {
        let cases: [(&[u8], &str); 12] = [
            (b"", "EOF"),
            (b"  \n", "EOF"),
            (b"{\"a\":", "unexpected EOF"),
            (b"tru", "unexpected EOF"),
            (
                b"<html>",
                "invalid character '<' looking for beginning of value",
            ),
            (b"{\"a\" 1}", "invalid character '1' after object key"),
            (b"[1 2]", "invalid character '2' after array element"),
            (
                b"{1:2}",
                "invalid character '1' looking for beginning of object key string",
            ),
            (b"\"a\x01\"", "invalid character '\\x01' in string literal"),
            (
                b"txue",
                "invalid character 'x' in literal true (expecting 'r')",
            ),
            (
                b"\x80",
                "invalid character '\\u0080' looking for beginning of value",
            ),
            (
                b"1e400",
                "json: cannot unmarshal number 1e400 into Go value of type float64",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(err(input), want, "{input:?}");
        }
    }

    #[test]
    fn values() {
        let Ok(Datum::Map(m)) = decode(b"{\"a\":[1,\"x\",null,true],\"b\":{}} trailing") else {
            panic!("not a map");
        };
        let Some(Datum::List(l)) = m.get(b"a".as_slice()) else {
            panic!("not a list");
        };
        assert_eq!(l.len(), 4);
        assert!(matches!(decode(b"123abc"), Ok(Datum::Float(f)) if f == 123.0));
        let Ok(Datum::Str(s)) = decode(b"\"\\ud83d\\ude00\\ud800x\xff\"") else {
            panic!("not a string");
        };
        assert_eq!(&*s, "😀\u{FFFD}x\u{FFFD}".as_bytes());
    }
}
