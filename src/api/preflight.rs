//! Pre-flight checks before any network I/O (README "Checks before anything is sent"): ids of 24
//! hex digits, an IP or CIDR `--ipAddress`, and a request body that is JSON matching its
//! operation's schema. Only the first failure is reported; unknown enum values only warn.

use anyhow::{Result, bail};

use crate::support::quote::go_quote;
use std::io::Write;

use crate::api::request::CommandRequest;
use crate::api::validate;

/// Every pre-flight check of the request, in the order of "Checks before anything is sent"; the
/// body's warnings (unknown enum values) are written to `warnings`. The output target and the
/// template are checked next, by `main`, still before anything is sent.
pub fn check(
    command: &CommandRequest,
    body: Option<&[u8]>,
    warnings: &mut dyn Write,
) -> Result<()> {
    check_parameters(command)?;
    if let Some(body) = body {
        for warning in check_body(command, body)? {
            let _ = writeln!(warnings, "{warning}");
        }
    }
    Ok(())
}

/// Checks the request body: JSON, then the operation's schema. Returns the warnings to print.
fn check_body(command: &CommandRequest, body: &[u8]) -> Result<Vec<String>> {
    let schema = validate::body_schema(command.operation.operation_id);
    validate::validate_body(body, schema).map_err(anyhow::Error::msg)
}

/// Checks the parameters of a command, in the order of "Checks before anything is sent": a URL
/// parameter must be a path segment (not empty, `.` or `..`: Go's `url.JoinPath` would turn
/// `--clusterName ..` into a request for the project itself); a parameter the catalogue says
/// is a 24-hexadecimal id must be one, wherever its value came from (the error names the
/// canonical flag); `--ipAddress` must be an address or a CIDR block.
fn check_parameters(command: &CommandRequest) -> Result<()> {
    let operation = command.operation;
    for param in operation
        .url_parameters
        .iter()
        .chain(operation.query_parameters)
    {
        let single = command.parameters.get(param.name).into_iter();
        let values = single.chain(command.arrays.get(param.name).into_iter().flatten());
        for value in values {
            if param.hex_id && !is_object_id(value) {
                bail!(
                    "invalid --{} {}: must be 24 hexadecimal digits",
                    param.name,
                    go_quote(&crate::support::quote::shorten(value))
                );
            }
            let in_path = operation
                .url_parameters
                .iter()
                .any(|p| p.name == param.name);
            if in_path && matches!(value.as_str(), "" | "." | "..") {
                bail!(
                    "invalid --{} {}: not a valid path segment",
                    param.name,
                    go_quote(value)
                );
            }
        }
    }
    if let Some(value) = command.parameters.get("ipAddress")
        && !is_ip_or_cidr(value)
    {
        bail!(
            "invalid --ipAddress {}: must be an IP address or a CIDR block such as 192.0.2.0/24",
            go_quote(&crate::support::quote::shorten(value))
        );
    }
    Ok(())
}

fn is_object_id(value: &str) -> bool {
    value.len() == 24
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// An IPv4 or IPv6 address, or a CIDR block written with `/`.
fn is_ip_or_cidr(value: &str) -> bool {
    validate::is_ip_address(value) || validate::is_cidr_block(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_24_lower_case_hex_digits() {
        for ok in ["a0123456789abcdef012345a", "000000000000000000000000"] {
            assert!(is_object_id(ok), "{ok}");
        }
        for bad in [
            "",
            "a0123456789abcdef012345",
            "A0123456789ABCDEF012345A",
            "g0123456789abcdef012345a",
            "a0123456789abcdef012345aa",
            " a0123456789abcdef012345",
        ] {
            assert!(!is_object_id(bad), "{bad}");
        }
    }

    #[test]
    fn ip_addresses_and_cidr_blocks_parse() {
        for ok in [
            "192.0.2.7",
            "10.0.0.0/8",
            "0.0.0.0/0",
            "192.0.2.0/32",
            "::1",
            "2001:db8::/32",
            "2001:db8::1/128",
        ] {
            assert!(is_ip_or_cidr(ok), "{ok}");
        }
        for bad in [
            "",
            "192.0.2.0%2F24",
            "192.0.2.0/33",
            "2001:db8::/129",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0/8",
            "example.com",
            "10.0.0.0/8/8",
            "1.2.3.4 ",
            "10.0.0.0/0008",
        ] {
            assert!(!is_ip_or_cidr(bad), "{bad}");
        }
    }
}
