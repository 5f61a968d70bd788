//! Which JSON and form fields hold secrets, in every request and answer of every command: the
//! one rule (the README prints its list). A field is secret when its name, lower-cased with
//! `_` and `-` removed, is or ends with one of these words.

/// The words a secret field's name is or ends with (lower case, no `_` or `-`).
pub const SECRET_NAME_ENDINGS: [&str; 11] = [
    "password",
    "secret",
    "privatekey",
    "apikey",
    "token",
    "licensekey",
    "servicekey",
    "routingkey",
    "secretaccesskey",
    "serviceaccountkey",
    "clientsecret",
];

/// True when a field of this name (its raw bytes) holds a secret.
pub fn is_secret_field(name: &[u8]) -> bool {
    let normal: Vec<u8> = name
        .iter()
        .filter(|b| !matches!(b, b'_' | b'-'))
        .map(u8::to_ascii_lowercase)
        .collect();
    SECRET_NAME_ENDINGS
        .iter()
        .any(|ending| normal.ends_with(ending.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_by_their_ending() {
        for name in [
            "privateKey",
            "client_secret",
            "access_token",
            "refresh_token",
            "id_token",
            "password",
            "dbPassword",
            "DB-PASSWORD",
            "apiKey",
            "licenseKey",
            "serviceKey",
            "routingKey",
            "secretAccessKey",
            "serviceAccountKey",
            "webhookSecret",
            "bearerToken",
        ] {
            assert!(is_secret_field(name.as_bytes()), "{name}");
        }
        for name in [
            "publicKey",
            "id",
            "desc",
            "roles",
            "tokenCount",
            "passwordSet",
            "key",
        ] {
            assert!(!is_secret_field(name.as_bytes()), "{name}");
        }
    }
}
