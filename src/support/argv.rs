//! The command line as text, without losing a byte: arguments that are not UTF-8 (a file
//! name in another encoding, `--file $'\xff.json'`) are carried as text with each stray byte
//! kept as a private-use character, and turned back into the same bytes where they name a
//! file (README "Messages"). Messages show such bytes as `�`.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

/// Stray byte `b` travels as the character `BASE + b` (Unicode's last private-use plane).
const BASE: u32 = 0x10_FF00;

/// An argument as text; invalid UTF-8 bytes become private-use characters.
pub fn decode(arg: OsString) -> String {
    let bytes = arg.as_bytes();
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if is_stray(c) {
                // A character of the range used for stray bytes travels as its own bytes,
                // so it cannot be mistaken for one.
                for &b in c.encode_utf8(&mut [0; 4]).as_bytes() {
                    out.push(stray(b));
                }
            } else {
                out.push(c);
            }
        }
        for &b in chunk.invalid() {
            out.push(stray(b));
        }
    }
    out
}

fn stray(b: u8) -> char {
    char::from_u32(BASE + u32::from(b)).expect("a valid character")
}

/// The file name an argument gave, byte for byte.
pub fn to_path(text: &str) -> PathBuf {
    if !text.chars().any(is_stray) {
        return PathBuf::from(text);
    }
    let mut bytes = Vec::with_capacity(text.len());
    for c in text.chars() {
        if is_stray(c) {
            bytes.push((c as u32 - BASE) as u8);
        } else {
            bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        }
    }
    PathBuf::from(OsString::from_vec(bytes))
}

fn is_stray(c: char) -> bool {
    (BASE..=BASE + 0xff).contains(&(c as u32))
}

/// How a message shows an argument: stray bytes as `�`.
pub fn shown(text: &str) -> String {
    text.chars()
        .map(|c| if is_stray(c) { '\u{fffd}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stray_bytes_survive_the_round_trip() {
        let raw = OsString::from_vec(b"b\xffody-\xc3\xa9\xc3.json".to_vec());
        let text = decode(raw.clone());
        assert_eq!(to_path(&text).as_os_str(), raw.as_os_str());
        assert_eq!(shown(&text), "b\u{fffd}ody-é\u{fffd}.json");
        assert_eq!(decode(OsString::from("plain")), "plain");
        assert_eq!(to_path("plain"), PathBuf::from("plain"));
        // A real character of the private range is kept as itself, never a stray byte.
        let tricky = OsString::from("\u{10ff2f}.json");
        assert_eq!(
            to_path(&decode(tricky.clone())).as_os_str(),
            tricky.as_os_str()
        );
    }
}
