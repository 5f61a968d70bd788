//! `Retry-After` as an HTTP-date through the built binary (README "Retries"): a date that is not
//! one — a year too large to count in seconds among them — never panics and falls back to
//! the backoff.

mod support;

use atlas_standin::{Config, Fault, StandIn};
use support::*;

#[test]
fn a_huge_year_in_retry_after_falls_back_to_the_backoff() {
    for value in [
        "Fri, 31 Dec 99999 23:59:59 GMT",
        "Fri, 31 Dec 18446744073709551615 23:59:59 GMT",
    ] {
        let server = StandIn::start(Config::default()).unwrap();
        let sandbox = Sandbox::new();
        sandbox.write_api_key_config(&server.url());
        server.push_fault(Fault::Status {
            status: 429,
            retry_after: Some(value.to_string()),
            body: r#"{"error":429}"#.to_string(),
        });
        let get = args(
            "getOrgApiKey",
            &[
                "--orgId",
                ORG,
                "--apiUserId",
                KEY_ID,
                "--version",
                "2023-01-01",
            ],
        );
        let run = sandbox.run(&get, Stdin::Null);
        assert_eq!(run.code, 1, "{value}: {run:?}");
        let prefix = format!(
            "warning: GET {}/api/atlas/v2/orgs/{ORG}/apiKeys/{KEY_ID}: 429 Too Many Requests, retrying in ",
            server.url()
        );
        let first = run.stderr.lines().next().unwrap_or_default();
        let wait = first
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix("s (retry 1 of 3)"))
            .and_then(|secs| secs.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("{value}: {run:?}"));
        assert!((0.5..=1.0).contains(&wait), "{value}: backoff, not {wait}");
        assert!(!run.stderr.contains("panicked"), "{run:?}");
    }
}
