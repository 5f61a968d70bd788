//! Random identifiers: object ids, API key halves and digest nonces (std only, not crypto-grade).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// 64 fresh pseudo-random bits (SipHash with a random key over a counter and the clock).
pub fn next_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    hasher.write_u128(nanos);
    hasher.finish()
}

fn chars_from(alphabet: &[u8], len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut bits = next_u64();
    let mut left = 8;
    for _ in 0..len {
        if left == 0 {
            bits = next_u64();
            left = 8;
        }
        let index = (bits & 0xff) as usize % alphabet.len();
        out.push(char::from(alphabet[index]));
        bits >>= 8;
        left -= 1;
    }
    out
}

fn hex(len: usize) -> String {
    chars_from(b"0123456789abcdef", len)
}

/// A 24-hex ObjectId-like id: 8 hex of seconds since the epoch, then 16 random hex.
pub fn object_id() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("{:08x}{}", secs & 0xffff_ffff, hex(16))
}

/// An 8 lower-case letter public key, like `kvtofawp`.
pub fn public_key() -> String {
    chars_from(b"abcdefghijklmnopqrstuvwxyz", 8)
}

/// A version-4 UUID shaped private key, like `acbb3326-ac46-4a2a-bc4c-9b065422a0ee`.
pub fn private_key() -> String {
    let variant = chars_from(b"89ab", 1);
    format!(
        "{}-{}-4{}-{}{}-{}",
        hex(8),
        hex(4),
        hex(3),
        variant,
        hex(3),
        hex(12)
    )
}

/// A 32 character alphanumeric digest nonce, like Atlas' `OyuCTXorBaZM0H5EdWidoTnq72TPwqc3`.
pub fn nonce() -> String {
    chars_from(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let cases: Vec<(String, usize, &str)> = vec![
            (object_id(), 24, "0123456789abcdef"),
            (public_key(), 8, "abcdefghijklmnopqrstuvwxyz"),
            (
                nonce(),
                32,
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            ),
            (private_key(), 36, "0123456789abcdef-"),
        ];
        for (value, len, alphabet) in cases {
            assert_eq!(value.len(), len, "{value}");
            assert!(value.chars().all(|c| alphabet.contains(c)), "{value}");
        }
        let key = private_key();
        let parts: Vec<usize> = key.split('-').map(str::len).collect();
        assert_eq!(parts, vec![8, 4, 4, 4, 12]);
        assert_ne!(object_id(), object_id());
        assert_ne!(nonce(), nonce());
    }
}
