//! Quoting: a string between double quotes, escaped as Go's `%q` (`strconv.Quote`) does.

use std::fmt::Write;

/// `text` between double quotes, escaped as Go's `strconv.Quote`: `"` and `\` get a backslash;
/// `\a \b \f \n \r \t \v` their short escapes; other ASCII controls and DEL `\xNN`; other
/// unprintable characters `\uNNNN` or `\UNNNNNNNN` (lowercase hex). Printable characters are
/// kept as they are. Go's notion of printable comes from the Unicode tables; here the
/// unprintable ones are the controls, the format characters, the separators other than the
/// ASCII space, private use and noncharacters. Unassigned code points, which Go also escapes,
/// are kept as they are.
pub fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if c < ' ' || c == '\x7f' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if !is_printable(c) => {
                if (c as u32) < 0x10000 {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                } else {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The longest value this project quotes whole in its own messages, in characters.
pub const QUOTED_MAX_CHARS: usize = 200;

/// `text` cut to its first 200 characters with `…` after them when it is longer, so that a
/// message never carries a huge value.
pub fn shorten(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(QUOTED_MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]).into(),
        None => text.into(),
    }
}

/// `c` between single quotes, escaped as Go's `%q` for a rune (`strconv.QuoteRune`).
pub fn go_quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '"' => "'\"'".to_string(),
        c => {
            let quoted = go_quote(c.encode_utf8(&mut [0; 4]));
            format!("'{}'", &quoted[1..quoted.len() - 1])
        }
    }
}

/// Whether Go would print `c` as it is (approximately `unicode.IsPrint`, see [`go_quote`]).
fn is_printable(c: char) -> bool {
    let u = c as u32;
    let unprintable = matches!(u,
        // C0 and C1 controls, DEL
        0x00..=0x1f | 0x7f..=0x9f
        // space separators other than U+0020, line and paragraph separators
        | 0xa0 | 0x1680 | 0x2000..=0x200a | 0x2028 | 0x2029 | 0x202f | 0x205f | 0x3000
        // format characters
        | 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x890..=0x891 | 0x8e2 | 0x180e
        | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x206f | 0xfeff
        | 0xfff9..=0xfffb | 0x110bd | 0x110cd | 0x13430..=0x1343f | 0x1bca0..=0x1bca3
        | 0x1d173..=0x1d17a | 0xe0001 | 0xe0020..=0xe007f
        // private use
        | 0xe000..=0xf8ff | 0xf0000..=0xffffd | 0x100000..=0x10fffd
        // noncharacters
        | 0xfdd0..=0xfdef
    ) || u & 0xfffe == 0xfffe;
    !unprintable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(
            go_quote("a\"b\\c\n\x01é\u{200b}"),
            "\"a\\\"b\\\\c\\n\\x01é\\u200b\""
        );
        assert_eq!(go_quote_char('\''), "'\\''");
        assert_eq!(go_quote_char('"'), "'\"'");
        assert_eq!(go_quote_char('x'), "'x'");
        assert_eq!(go_quote_char('\t'), "'\\t'");
    }
}
