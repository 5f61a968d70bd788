//! URLs as messages show them: never with a password given in them (README "Redirects are not
//! followed", "Messages").

use std::borrow::Cow;

/// `url` as given, without the password of its `user:password@` (the user name kept): for messages
/// that name a configured URL ("Messages"). A URL that does not parse has its password taken up to
/// the last `@`, so that a password holding `/` or `?` is not shown either.
pub fn without_password(url: &str) -> Cow<'_, str> {
    let strict = reqwest::Url::parse(url).is_ok();
    match userinfo(url, strict) {
        Some((start, at)) => match url[start..at].find(':') {
            Some(colon) => format!("{}{}", &url[..start + colon], &url[at..]).into(),
            None => url.into(),
        },
        None => url.into(),
    }
}

/// `location` as given, without any `user:password@`: how a redirect's target is shown ("Redirects
/// are not followed").
pub fn without_userinfo(location: &str) -> Cow<'_, str> {
    match userinfo(location, true) {
        Some((start, at)) => format!("{}{}", &location[..start], &location[at + 1..]).into(),
        None => location.into(),
    }
}

/// Where the user information of the URL written as `text` is: from its start to the `@` that
/// ends it. Strictly as a URL parser reads it (the authority ends at the first `/`, `\`, `?`
/// or `#`), or leniently (up to the last `@`).
fn userinfo(text: &str, strict: bool) -> Option<(usize, usize)> {
    let scheme_end = text.find(':')?;
    let scheme = &text[..scheme_end];
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let start = if is_scheme {
        let after = &text[scheme_end + 1..];
        let slashes = after.len() - after.trim_start_matches(['/', '\\']).len();
        let special = ["http", "https", "ws", "wss", "ftp"]
            .iter()
            .any(|s| s.eq_ignore_ascii_case(scheme));
        if slashes < 2 && !special {
            return None;
        }
        scheme_end + 1 + slashes
    } else if text.starts_with("//") {
        2
    } else {
        return None;
    };
    let rest = &text[start..];
    let authority = match strict {
        true => &rest[..rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len())],
        false => rest,
    };
    authority.rfind('@').map(|at| (start, start + at))
}
