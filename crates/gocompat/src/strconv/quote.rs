//! Go's `strconv` quoting: `Quote`, `QuoteToASCII`, `QuoteRune`, `CanBackquote`, `Unquote`,
//! `UnquoteChar`, with Go's exact notion of printable ([`crate::unicode::is_print`]).

use crate::unicode::is_print;
use crate::utf8::decode_rune;

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_hex(out: &mut Vec<u8>, prefix: &[u8], v: u32, digits: usize) {
    out.extend_from_slice(prefix);
    for i in (0..digits).rev() {
        out.push(HEX[((v >> (4 * i)) & 0xF) as usize]);
    }
}

fn push_escaped_rune(out: &mut Vec<u8>, r: u32, quote: u8, ascii_only: bool) {
    if r == quote as u32 || r == '\\' as u32 {
        out.push(b'\\');
        out.push(r as u8);
        return;
    }
    let c = char::from_u32(r);
    let printable = match c {
        Some(c) if ascii_only => c.is_ascii() && is_print(c),
        Some(c) => is_print(c),
        None => false,
    };
    if printable {
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.unwrap_or('\u{FFFD}').encode_utf8(&mut buf).as_bytes());
        return;
    }
    match r {
        7 => out.extend_from_slice(b"\\a"),
        8 => out.extend_from_slice(b"\\b"),
        0xC => out.extend_from_slice(b"\\f"),
        0xA => out.extend_from_slice(b"\\n"),
        0xD => out.extend_from_slice(b"\\r"),
        9 => out.extend_from_slice(b"\\t"),
        0xB => out.extend_from_slice(b"\\v"),
        r if r < 0x20 || r == 0x7F => push_hex(out, b"\\x", r, 2),
        r => {
            let r = if c.is_none() { 0xFFFD } else { r };
            if r < 0x10000 {
                push_hex(out, b"\\u", r, 4)
            } else {
                push_hex(out, b"\\U", r, 8)
            }
        }
    }
}

/// `strconv.Quote` (or `QuoteToASCII` when `ascii_only`) of arbitrary bytes.
pub fn quote_bytes(s: &[u8], ascii_only: bool) -> Vec<u8> {
    let mut out = vec![b'"'];
    let mut i = 0;
    while i < s.len() {
        let (r, w) = decode_rune(&s[i..]);
        match r {
            None => push_hex(&mut out, b"\\x", s[i] as u32, 2),
            Some(c) => push_escaped_rune(&mut out, c as u32, b'"', ascii_only),
        }
        i += w;
    }
    out.push(b'"');
    out
}

/// `strconv.Quote` of a string or of arbitrary bytes (Go's strings are bytes): `"` and `\`
/// get a backslash; `\a \b \f \n \r \t \v` their short escapes; an invalid byte and the other
/// ASCII controls `\xNN`; any other rune that `strconv.IsPrint` rejects `\uNNNN` or
/// `\UNNNNNNNN` (lowercase hex). The result is always valid UTF-8.
pub fn quote<S: AsRef<[u8]> + ?Sized>(s: &S) -> String {
    String::from_utf8_lossy(&quote_bytes(s.as_ref(), false)).into_owned()
}

/// `strconv.QuoteRune` of a character as a `String` (`'x'`, `'\''`, `'\u200b'`).
pub fn quote_char(c: char) -> String {
    String::from_utf8_lossy(&quote_rune(c as u32, false)).into_owned()
}

/// `strconv.QuoteRune` (or `QuoteRuneToASCII`); an invalid code point quotes as U+FFFD.
pub fn quote_rune(r: u32, ascii_only: bool) -> Vec<u8> {
    let r = if char::from_u32(r).is_some() {
        r
    } else {
        0xFFFD
    };
    let mut out = vec![b'\''];
    push_escaped_rune(&mut out, r, b'\'', ascii_only);
    out.push(b'\'');
    out
}

/// `strconv.CanBackquote`.
pub fn can_backquote(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        let (r, w) = decode_rune(&s[i..]);
        i += w;
        match r {
            None => return false,
            Some('\u{FEFF}') => return false,
            Some(_) if w > 1 => {}
            Some(c) => {
                if (c < ' ' && c != '\t') || c == '`' || c == '\u{7F}' {
                    return false;
                }
            }
        }
    }
    true
}

/// The value decoded by [`unquote_char`]: a rune, or a raw byte (`\x`/octal escapes).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unquoted {
    Rune(u32),
    Byte(u8),
}

impl Unquoted {
    pub fn value(self) -> u32 {
        match self {
            Unquoted::Rune(r) => r,
            Unquoted::Byte(b) => b as u32,
        }
    }
}

/// Why [`unquote`] or [`unquote_char`] failed: Go's `strconv.ErrSyntax`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnquoteError;

impl std::fmt::Display for UnquoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("invalid syntax")
    }
}

impl std::error::Error for UnquoteError {}

fn unhex(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// `strconv.UnquoteChar`: decodes the first character or escape of `s`; returns it and the tail.
pub fn unquote_char(s: &[u8], quote: u8) -> Result<(Unquoted, &[u8]), UnquoteError> {
    let Some(&c) = s.first() else {
        return Err(UnquoteError);
    };
    if c == quote && (quote == b'\'' || quote == b'"') {
        return Err(UnquoteError);
    }
    if c >= 0x80 {
        let (r, w) = decode_rune(s);
        return Ok((Unquoted::Rune(r.map_or(0xFFFD, |c| c as u32)), &s[w..]));
    }
    if c != b'\\' {
        return Ok((Unquoted::Byte(c), &s[1..]));
    }
    if s.len() <= 1 {
        return Err(UnquoteError);
    }
    let e = s[1];
    let s = &s[2..];
    let simple = |v: u8| Ok((Unquoted::Byte(v), s));
    match e {
        b'a' => simple(7),
        b'b' => simple(8),
        b'f' => simple(0xC),
        b'n' => simple(b'\n'),
        b'r' => simple(b'\r'),
        b't' => simple(b'\t'),
        b'v' => simple(0xB),
        b'x' | b'u' | b'U' => {
            let n = match e {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            if s.len() < n {
                return Err(UnquoteError);
            }
            let mut v = 0u32;
            for &d in &s[..n] {
                v = (v << 4) | unhex(d).ok_or(UnquoteError)?;
            }
            if e == b'x' {
                return Ok((Unquoted::Byte(v as u8), &s[n..]));
            }
            if char::from_u32(v).is_none() {
                return Err(UnquoteError);
            }
            Ok((Unquoted::Rune(v), &s[n..]))
        }
        b'0'..=b'7' => {
            if s.len() < 2 {
                return Err(UnquoteError);
            }
            let mut v = (e - b'0') as u32;
            for &d in &s[..2] {
                if !(b'0'..=b'7').contains(&d) {
                    return Err(UnquoteError);
                }
                v = (v << 3) | (d - b'0') as u32;
            }
            if v > 255 {
                return Err(UnquoteError);
            }
            Ok((Unquoted::Byte(v as u8), &s[2..]))
        }
        b'\\' => simple(b'\\'),
        b'\'' | b'"' => {
            if e != quote {
                return Err(UnquoteError);
            }
            simple(e)
        }
        _ => Err(UnquoteError),
    }
}

/// `strconv.Unquote` for double-quoted and back-quoted strings; yields raw bytes.
pub fn unquote(s: &str) -> Result<Vec<u8>, UnquoteError> {
    let b = s.as_bytes();
    let n = b.len();
    if n < 2 || b[0] != b[n - 1] {
        return Err(UnquoteError);
    }
    let quote = b[0];
    let inner = &b[1..n - 1];
    if quote == b'`' {
        if inner.contains(&b'`') {
            return Err(UnquoteError);
        }
        return Ok(inner.iter().copied().filter(|&c| c != b'\r').collect());
    }
    if quote != b'"' && quote != b'\'' {
        return Err(UnquoteError);
    }
    if inner.contains(&b'\n') {
        return Err(UnquoteError);
    }
    let mut out = Vec::with_capacity(inner.len());
    let mut rest = inner;
    while !rest.is_empty() {
        let (v, tail) = unquote_char(rest, quote)?;
        rest = tail;
        match v {
            Unquoted::Byte(b) => out.push(b),
            Unquoted::Rune(r) => {
                let c = char::from_u32(r).unwrap_or('\u{FFFD}');
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
        if quote == b'\'' && !rest.is_empty() {
            return Err(UnquoteError);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let cases: [(&[u8], &str); 8] = [
            (b"abc", r#""abc""#),
            (b"a\"b\\c", r#""a\"b\\c""#),
            (b"\n\t\x07\x00", r#""\n\t\a\x00""#),
            (b"\xff", r#""\xff""#),
            ("é€".as_bytes(), "\"é€\""),
            ("\u{200b}".as_bytes(), r#""\u200b""#),
            ("\u{e0001}".as_bytes(), r#""\U000e0001""#),
            (b"\x7f", r#""\x7f""#),
        ];
        for (input, want) in cases {
            assert_eq!(quote(input), want, "{input:?}");
        }
        assert_eq!(quote_bytes("é".as_bytes(), true), br#""\u00e9""#);
        assert_eq!(quote_rune('x' as u32, false), b"'x'");
        assert_eq!(quote_rune('\'' as u32, false), br"'\''");
    }

    #[test]
    fn quotes_strings_and_chars_with_exact_is_print() {
        // U+0378 is unassigned, U+1FAF9 too in Unicode 15.0.0, U+E000 private use, U+2028 a
        // line separator, U+00AD a format character: all escaped, as Go does.
        assert_eq!(
            quote("a\u{378}b\u{1faf9}\u{e000}\u{2028}\u{ad}"),
            r#""a\u0378b\U0001faf9\ue000\u2028\u00ad""#
        );
        // Assigned in Unicode 15.0.0, so printable: U+1FAE8 (shaking face), U+0CF3.
        assert_eq!(quote("\u{1fae8}\u{cf3}"), "\"\u{1fae8}\u{cf3}\"");
        assert_eq!(quote(&String::from("x\"y")), r#""x\"y""#);
        assert_eq!(quote_char('\''), r"'\''");
        assert_eq!(quote_char('"'), "'\"'");
        assert_eq!(quote_char('\t'), r"'\t'");
        assert_eq!(quote_char('\u{378}'), r"'\u0378'");
        assert_eq!(quote_char('é'), "'é'");
        assert_eq!(quote_rune(0xD800, false), "'�'".as_bytes());
    }

    #[test]
    fn unquoting() {
        let ok: [(&str, &[u8]); 7] = [
            (r#""a\nb""#, b"a\nb"),
            (r#""\x41\101\u00e9""#, "AAé".as_bytes()),
            (r#""\xff""#, b"\xff"),
            ("`a\\n\r`", b"a\\n"),
            (r#""\U0001F600""#, "😀".as_bytes()),
            (r#""""#, b""),
            (r#""\"""#, b"\""),
        ];
        for (input, want) in ok {
            assert_eq!(unquote(input).as_deref(), Ok(want), "{input}");
        }
        for bad in [
            r#""\'""#,
            r#""\q""#,
            r#""\400""#,
            r#""\ud800""#,
            "\"a",
            "`a`b`",
        ] {
            assert!(unquote(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn backquote() {
        assert!(can_backquote(b"abc\tdef"));
        assert!(!can_backquote(b"a`b"));
        assert!(!can_backquote(b"a\nb"));
        assert!(!can_backquote(b"\xff"));
    }
}
