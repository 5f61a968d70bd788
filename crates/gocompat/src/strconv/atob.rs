//! Go's `strconv.ParseBool`.

use super::atoi::NumError;

/// `strconv.ParseBool`: `1 t T TRUE true True` and `0 f F FALSE false False`; anything else is
/// `strconv.ParseBool: parsing "…": invalid syntax`.
pub fn parse_bool(s: &str) -> Result<bool, NumError> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(NumError::syntax("ParseBool", s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_go() {
        for t in ["1", "t", "T", "TRUE", "true", "True"] {
            assert_eq!(parse_bool(t), Ok(true), "{t}");
        }
        for f in ["0", "f", "F", "FALSE", "false", "False"] {
            assert_eq!(parse_bool(f), Ok(false), "{f}");
        }
        assert_eq!(
            parse_bool("yes").unwrap_err().to_string(),
            r#"strconv.ParseBool: parsing "yes": invalid syntax"#
        );
        assert_eq!(
            parse_bool("tRUE\u{200b}").unwrap_err().to_string(),
            r#"strconv.ParseBool: parsing "tRUE\u200b": invalid syntax"#
        );
    }
}
