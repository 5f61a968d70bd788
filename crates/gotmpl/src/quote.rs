//! fmt's quoting verbs that `strconv` lacks: `%.Nq` (the first N runes, quoted) and `%#U`.

use gocompat::strconv::quote;
use gocompat::unicode::is_print;
use gocompat::utf8::decode_rune;

/// Go's `fmt.Sprintf("%.Nq", s)`: the first `prec` runes, quoted.
pub fn quote_prec(s: &[u8], prec: usize) -> String {
    let mut i = 0;
    let mut n = 0;
    while i < s.len() && n < prec {
        i += decode_rune(&s[i..]).1;
        n += 1;
    }
    quote(&s[..i])
}

/// `fmt.Sprintf("%#U", r)` for a rune value.
pub fn sharp_u(r: u32) -> String {
    let mut s = format!("U+{r:04X}");
    if let Some(c) = char::from_u32(r)
        && is_print(c)
    {
        s.push_str(&format!(" '{c}'"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote_prec(b"0123456789abc", 10), r#""0123456789""#);
    }

    #[test]
    fn sharp_u_shows_printable_runes() {
        assert_eq!(sharp_u('x' as u32), "U+0078 'x'");
        assert_eq!(sharp_u(0x200b), "U+200B");
        assert_eq!(sharp_u(0x378), "U+0378");
        assert_eq!(sharp_u(0x1F600), "U+1F600 '\u{1F600}'");
        assert_eq!(sharp_u(0xD800), "U+D800");
    }
}
