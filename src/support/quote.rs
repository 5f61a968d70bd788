//! Quoting in this project's messages: Go's `%q` (`strconv.Quote`, from `gocompat`) and the
//! 200-character cut that keeps a huge value out of a message.

/// `text` between double quotes, escaped as Go's `%q` (`strconv.Quote`) does, exactly: see
/// [`gocompat::strconv::quote`].
pub fn go_quote(text: &str) -> String {
    gocompat::strconv::quote(text)
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

/// `c` between single quotes, escaped as Go's `%q` for a rune (`strconv.QuoteRune`): see
/// [`gocompat::strconv::quote_char`].
pub fn go_quote_char(c: char) -> String {
    gocompat::strconv::quote_char(c)
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

    #[test]
    fn escapes_what_go_finds_unprintable_exactly() {
        // Unassigned in Unicode 15.0.0 (the approximation this replaced kept these as they were).
        assert_eq!(go_quote("\u{378}\u{1faf9}"), "\"\\u0378\\U0001faf9\"");
        assert_eq!(go_quote_char('\u{378}'), "'\\u0378'");
        assert_eq!(go_quote("é\u{1F600}"), "\"é\u{1F600}\"");
    }
}
