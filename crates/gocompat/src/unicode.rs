//! Go's `unicode.IsLetter`, `unicode.IsDigit` and `strconv.IsPrint` over Unicode 15.0.0 tables.

use crate::unicode_tables::{DIGIT, LETTER, PRINT};

fn in_table(table: &[(u32, u32)], c: u32) -> bool {
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// `unicode.IsLetter`: categories L*.
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    in_table(&LETTER, c as u32)
}

/// `unicode.IsDigit`: category Nd.
pub fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    in_table(&DIGIT, c as u32)
}

/// `strconv.IsPrint` / `unicode.IsPrint`: L, M, N, P, S and the ASCII space.
pub fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    in_table(&PRINT, c as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        let cases = [
            ('a', true, false, true),
            ('Z', true, false, true),
            ('5', false, true, true),
            (' ', false, false, true),
            ('\t', false, false, false),
            ('é', true, false, true),
            ('ª', true, false, true),
            ('\u{a0}', false, false, false),
            ('\u{ad}', false, false, false),
            ('٣', false, true, true),
            ('€', false, false, true),
            ('\u{200b}', false, false, false),
            ('\u{1F600}', false, false, true),
            ('\u{10FFFF}', false, false, false),
        ];
        for (c, letter, digit, print) in cases {
            assert_eq!(is_letter(c), letter, "letter {c:?}");
            assert_eq!(is_digit(c), digit, "digit {c:?}");
            assert_eq!(is_print(c), print, "print {c:?}");
        }
    }
}
