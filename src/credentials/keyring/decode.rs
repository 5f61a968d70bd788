//! The keyring's names and encodings as go-keyring uses them, in plain functions so that every
//! platform's rules are tested on any machine: the service name, macOS's `security` output
//! and input, Windows' target names and UTF-8 blobs.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// What go-keyring puts before a hex-encoded macOS password (its older encoding).
pub const HEX_PREFIX: &str = "go-keyring-encoded:";
/// What go-keyring puts before a base64-encoded macOS password (what it writes today).
pub const BASE64_PREFIX: &str = "go-keyring-base64:";

/// The keyring service of a profile: `atlascli_<name, lower-cased>`.
pub fn service_name(profile: &str) -> String {
    format!("atlascli_{}", profile.to_lowercase())
}

/// The password in the output of `security find-generic-password … -w`: the text without
/// surrounding white space, decoded when it carries one of go-keyring's prefixes. `None` when
/// it is not UTF-8 or its encoding is broken.
pub fn macos_password(output: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(output).ok()?.trim();
    let bytes = if let Some(hex) = text.strip_prefix(HEX_PREFIX) {
        decode_hex(hex)?
    } else if let Some(b64) = text.strip_prefix(BASE64_PREFIX) {
        STANDARD.decode(b64).ok()?
    } else {
        return Some(text.to_string());
    };
    String::from_utf8(bytes).ok()
}

/// The line `security -i` reads to replace a password (`add-generic-password -U`), the value
/// base64-encoded as go-keyring writes it, every argument single-quoted. The secret travels on
/// the child's stdin, never in its arguments, where other users could read it.
/// `None` when the service or account holds a control character, which could end the line
/// and start another command.
pub fn macos_update_command(service: &str, account: &str, value: &str) -> Option<String> {
    if service.chars().chain(account.chars()).any(char::is_control) {
        return None;
    }
    let encoded = format!("{BASE64_PREFIX}{}", STANDARD.encode(value));
    Some(format!(
        "add-generic-password -U -s {} -a {} -w {}\n",
        single_quoted(service),
        single_quoted(account),
        single_quoted(&encoded)
    ))
}

/// The longest line `security -i` takes.
pub const MACOS_COMMAND_MAX: usize = 4096;

/// The Windows generic credential's target name: `<service>:<account>`, as UTF-16 with the
/// terminating zero.
pub fn windows_target(service: &str, account: &str) -> Vec<u16> {
    format!("{service}:{account}")
        .encode_utf16()
        .chain(std::iter::once(0))
        .collect()
}

/// A Windows credential blob, which go-keyring writes as the password's UTF-8 bytes (not
/// UTF-16); `None` when it is not UTF-8.
pub fn windows_blob(blob: &[u8]) -> Option<String> {
    String::from_utf8(blob.to_vec()).ok()
}

/// `text` in single quotes for a shell-like parser, a quote inside written as `'"'"'`.
fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r#"'"'"'"#))
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_are_the_lower_cased_profile() {
        assert_eq!(service_name("Default"), "atlascli_default");
        assert_eq!(service_name("CI-Prod"), "atlascli_ci-prod");
    }

    #[test]
    fn macos_output_is_trimmed_and_decoded() {
        assert_eq!(macos_password(b"abc123\n").as_deref(), Some("abc123"));
        assert_eq!(
            macos_password(b"go-keyring-base64:c2VjcmV0IHZhbHVl\n").as_deref(),
            Some("secret value")
        );
        assert_eq!(
            macos_password(b"go-keyring-encoded:6b65792d31\n").as_deref(),
            Some("key-1")
        );
        assert_eq!(
            macos_password("go-keyring-base64:w6nDqA==".as_bytes()).as_deref(),
            Some("éè")
        );
        assert_eq!(macos_password(b"go-keyring-encoded:6b6"), None, "odd hex");
        assert_eq!(macos_password(b"go-keyring-encoded:zz"), None);
        assert_eq!(macos_password(b"go-keyring-base64:%%%"), None);
        assert_eq!(macos_password(b"go-keyring-base64:/w=="), None, "not UTF-8");
        assert_eq!(macos_password(b"\xff\xfe"), None);
        assert_eq!(macos_password(b"").as_deref(), Some(""));
    }

    #[test]
    fn macos_updates_travel_base64_encoded_and_quoted() {
        assert_eq!(
            macos_update_command("atlascli_a\nb", "refresh_token", "v"),
            None
        );
        assert_eq!(macos_update_command("atlascli_a", "x\r", "v"), None);
        let line = macos_update_command("atlascli_it's", "refresh_token", "new\ntoken").unwrap();
        assert_eq!(
            line,
            "add-generic-password -U -s 'atlascli_it'\"'\"'s' -a 'refresh_token' -w 'go-keyring-base64:bmV3CnRva2Vu'\n"
        );
        let encoded = line.split("-w '").nth(1).unwrap().trim_end_matches("'\n");
        assert_eq!(
            macos_password(encoded.as_bytes()).as_deref(),
            Some("new\ntoken")
        );
    }

    #[test]
    fn windows_names_and_blobs() {
        let target = windows_target("atlascli_default", "public_api_key");
        assert_eq!(
            String::from_utf16(&target[..target.len() - 1]).unwrap(),
            "atlascli_default:public_api_key"
        );
        assert_eq!(target.last(), Some(&0));
        assert_eq!(windows_blob("clé".as_bytes()).as_deref(), Some("clé"));
        // UTF-16 bytes are not what go-keyring writes: they do not pass as UTF-8 text here.
        let utf16: Vec<u8> = "é".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(windows_blob(&utf16), None);
    }
}
