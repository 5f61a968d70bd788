//! Address formats: whether a string is an IP address or a CIDR block, by parsing with `std::net`.

use std::net::IpAddr;

/// Whether `text` is an IPv4 or IPv6 address (no zone, no prefix, no surrounding spaces).
pub fn is_ip_address(text: &str) -> bool {
    text.parse::<IpAddr>().is_ok()
}

/// Whether `text` is a CIDR block `address/prefix`: an IPv4 or IPv6 address, a `/`, and a
/// prefix length of 1 to 3 decimal digits, at most 32 for IPv4 and 128 for IPv6. Host bits may
/// be set (`192.0.2.1/24`), as Go's `net.ParseCIDR` and the spec's pattern allow.
pub fn is_cidr_block(text: &str) -> bool {
    let Some((address, prefix)) = text.split_once('/') else {
        return false;
    };
    let max_prefix = match address.parse::<IpAddr>() {
        Ok(IpAddr::V4(_)) => 32,
        Ok(IpAddr::V6(_)) => 128,
        Err(_) => return false,
    };
    (1..=3).contains(&prefix.len())
        && prefix.bytes().all(|b| b.is_ascii_digit())
        && prefix.parse::<u16>().is_ok_and(|p| p <= max_prefix)
}
