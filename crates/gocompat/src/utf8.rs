//! Go's `unicode/utf8` decoding: an invalid or truncated sequence is one byte wide.

/// Decodes one rune like Go's `utf8.DecodeRune`: `(None, 1)` for any invalid byte, `(None, 0)`
/// for empty input.
pub fn decode_rune(b: &[u8]) -> (Option<char>, usize) {
    let Some(&first) = b.first() else {
        return (None, 0);
    };
    let n = match first {
        0x00..=0x7F => return (Some(first as char), 1),
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return (None, 1),
    };
    if b.len() < n {
        return (None, 1);
    }
    match std::str::from_utf8(&b[..n]) {
        Ok(s) => (s.chars().next(), n),
        Err(_) => (None, 1),
    }
}

/// Counts runes like `utf8.RuneCount` (each invalid byte counts as one).
pub fn rune_count(b: &[u8]) -> usize {
    let mut i = 0;
    let mut n = 0;
    while i < b.len() {
        let (_, w) = decode_rune(&b[i..]);
        i += w;
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_like_go() {
        assert_eq!(decode_rune(b""), (None, 0));
        assert_eq!(decode_rune(b"a"), (Some('a'), 1));
        assert_eq!(decode_rune("é!".as_bytes()), (Some('é'), 2));
        assert_eq!(decode_rune("😀".as_bytes()), (Some('😀'), 4));
        assert_eq!(decode_rune(b"\xff"), (None, 1));
        // A truncated sequence, an overlong encoding and a surrogate: one byte each.
        assert_eq!(decode_rune(b"\xe2\x82"), (None, 1));
        assert_eq!(decode_rune(b"\xc0\x80"), (None, 1));
        assert_eq!(decode_rune(b"\xed\xa0\x80"), (None, 1));
        assert_eq!(rune_count("aé\u{20ac}".as_bytes()), 3);
        assert_eq!(rune_count(b"a\xe2\x82b"), 4);
    }
}
