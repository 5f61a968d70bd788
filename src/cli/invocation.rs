//! From argv to what the user asked for: help or version text to print, or an operation to
//! run with its flags; then, with the profile, the `CommandRequest` — untouched `orgId`,
//! `groupId` and `--version` filled from the profile, the version warnings, the required
//! flags checked — in the reference's order.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Result, anyhow, bail};

use crate::api::operations::{Operation, Stability, Version};
use crate::api::request::CommandRequest;
use crate::cli::command::{self, Command};
use crate::cli::flags::ParsedFlags;
use crate::cli::help;
use crate::config::Profile;

/// What argv asks for.
pub enum Invocation {
    /// Text for stdout (help, version, a completion script); exit 0.
    Print(Vec<u8>),
    /// Text for stderr, exit 0 (cobra's "Unknown help topic").
    PrintError(String),
    /// An operation to run.
    Run(OperationArgs),
}

/// An operation and the flags given to it.
pub struct OperationArgs {
    pub operation: &'static Operation,
    pub flags: ParsedFlags,
}

impl OperationArgs {
    pub fn profile(&self) -> Option<&str> {
        self.flags.get("profile")
    }

    pub fn debug(&self) -> bool {
        self.flags.is_true("debug")
    }
}

/// Parses argv (without the program name). A deprecated command is said so on `notices` first,
/// as cobra does before it reads the command's flags.
pub fn parse(argv: &[String], notices: &mut dyn Write) -> Result<Invocation> {
    if let Some((first, rest)) = argv.split_first()
        && first == crate::cli::completion::HIDDEN_COMMAND
    {
        return Ok(Invocation::Print(crate::cli::completion::hidden_command(
            rest,
        )));
    }
    let found = command::find(argv).map_err(|e| anyhow!(e))?;
    if let Some(message) = found.command.deprecated() {
        let _ = writeln!(
            notices,
            "Command {} is deprecated, {message}",
            crate::support::quote::go_quote(found.command.name())
        );
    }
    let flags = command::parse_flags(found.command, &found.args)?;
    let text = |s: String| Ok(Invocation::Print(s.into_bytes()));
    if flags.is_true("help") {
        return text(help::help(found.command));
    }
    if found.command == Command::Root && flags.is_true("version") {
        return text(help::version());
    }
    match found.command {
        Command::Operation(operation) => Ok(Invocation::Run(OperationArgs { operation, flags })),
        Command::CompletionShell(shell) => match flags.positional.first() {
            // cobra's shell commands take no arguments.
            Some(extra) => bail!(
                "unknown command {} for {}",
                crate::support::quote::go_quote(extra),
                crate::support::quote::go_quote(&found.command.path())
            ),
            None => Ok(Invocation::Print(crate::cli::completion::script(shell))),
        },
        Command::Help => match command::find_help_topic(&flags.positional) {
            Ok(topic) => text(help::help(topic.command)),
            Err(_) => Ok(Invocation::PrintError(format!(
                "Unknown help topic [{}]\n{}",
                flags
                    .positional
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(" "),
                help::usage(Command::Root)
            ))),
        },
        other => text(help::help(other)),
    }
}

/// The profile properties that fill untouched flags (Go `internal/cli/api/profile.go`).
const PROFILE_FILLED: [(&str, &str); 3] = [
    ("groupId", "project_id"),
    ("orgId", "org_id"),
    ("version", "api_version"),
];

/// Builds the request description, in the Go CLI's order: profile filling, the version and
/// its warnings, then the required flags (with `-o` when the command has several formats, and
/// `--outputFile` for a gzip answer that stdout, not piped, should not get).
pub fn command_request(
    args: OperationArgs,
    profile: &Profile,
    warnings: &mut dyn Write,
) -> Result<CommandRequest> {
    let OperationArgs {
        operation,
        mut flags,
    } = args;
    let flag_set = Command::Operation(operation).flags();
    for (flag, property) in PROFILE_FILLED {
        if let Some(def) = flag_set.lookup(flag)
            && !flags.changed(flag)
            && let Some(value) = profile.get(property)
        {
            flags.set(def.name, value);
        }
    }
    let version = select_version(operation, &flags, warnings);
    let output = flags
        .get("output")
        .or(operation.default_format())
        .unwrap_or_default()
        .to_string();
    let mut missing: Vec<&str> = operation
        .parameters()
        .filter(|p| p.required && !flags.changed(p.name))
        .map(|p| p.name)
        .collect();
    if operation.default_format().is_none() && !flags.changed("output") {
        missing.push("output");
    }
    if output == "gzip"
        && version.response_content_types.contains(&"gzip")
        && !flags.changed("outputFile")
        && !crate::support::stdio::stdout_is_piped()
    {
        missing.push("outputFile");
    }
    missing.sort_unstable();
    missing.dedup();
    if !missing.is_empty() {
        bail!("required flag(s) \"{}\" not set", missing.join("\", \""));
    }
    let parameters: BTreeMap<&'static str, String> = operation
        .parameters()
        .filter(|p| !p.array)
        .filter_map(|p| flags.get(p.name).map(|v| (p.name, v.to_string())))
        .collect();
    let arrays: BTreeMap<&'static str, Vec<String>> = operation
        .parameters()
        .filter(|p| p.array && flags.changed(p.name))
        .map(|p| {
            (
                p.name,
                flags
                    .get_all(p.name)
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
            )
        })
        .collect();
    Ok(CommandRequest {
        operation,
        parameters,
        arrays,
        version,
        output,
        output_file: flags.get("outputFile").map(str::to_string),
        file: flags.get("file").map(str::to_string),
        watch: flags.is_true("watch"),
        watch_timeout: flags
            .get("watchTimeout")
            .and_then(|t| t.parse().ok())
            .unwrap_or(0),
    })
}

const PIN_HINT: &str = "consider pinning a version to ensure consisentcy when updating the CLI";

/// The version to use, with the reference's warnings (typo included) on stderr, in its order:
/// the reminder to pin one, an unsupported one replaced by the default, a preview version, a
/// deprecated one or one with a sunset date (unless every version is: then the command itself
/// is deprecated).
fn select_version(
    operation: &'static Operation,
    flags: &ParsedFlags,
    warnings: &mut dyn Write,
) -> &'static Version {
    let default = operation.default_version();
    let version = match flags.get("version") {
        None => {
            let _ = writeln!(
                warnings,
                "warning: using default API version '{}'; {PIN_HINT}",
                default.version
            );
            default
        }
        Some(asked) => match operation.version(asked).filter(|_| is_version_name(asked)) {
            Some(version) => version,
            None => {
                let _ = writeln!(
                    warnings,
                    "warning: version '{asked}' is not supported for this endpoint, using default API version '{}'; {PIN_HINT}",
                    default.version
                );
                default
            }
        },
    };
    if version.stability == Stability::Preview {
        let _ = match version.public_preview {
            true => writeln!(
                warnings,
                "warning: you've selected a public preview version of the endpoint, this version is subject to breaking changes."
            ),
            false => writeln!(
                warnings,
                "warning: you've selected a private preview version of the endpoint, this version might not be available for your account and is subject to breaking changes."
            ),
        };
    }
    if operation.deprecated.is_none() {
        deprecation_warning(operation, version, std::time::SystemTime::now(), warnings);
    }
    version
}

/// Go's `printDeprecatedVersionWarningWithTime`: a version with a sunset date says when (or
/// that it has passed: the instant 00:00 UTC of that day is compared with `now`); a deprecated
/// one without names the latest version, when it is another.
fn deprecation_warning(
    operation: &Operation,
    version: &Version,
    now: std::time::SystemTime,
    warnings: &mut dyn Write,
) {
    let name = version.version;
    if let Some(sunset) = version.sunset {
        let passed = sunset_instant(sunset).is_some_and(|instant| instant < now);
        let _ = match passed {
            true => writeln!(
                warnings,
                "error: version '{name}' is deprecated for this command and has already been sunset since {sunset}. Consider upgrading to a newer version if available."
            ),
            false => writeln!(
                warnings,
                "warning: version '{name}' is deprecated for this command and will be sunset on {sunset}. Consider upgrading to a newer version if available."
            ),
        };
        return;
    }
    if version.deprecated {
        let latest = operation.default_version().version;
        let _ = match latest != name {
            true => writeln!(
                warnings,
                "warning: version '{name}' is deprecated. Consider upgrading to a newer version: {latest}."
            ),
            false => writeln!(warnings, "warning: version '{name}' is deprecated. "),
        };
    }
}

/// 00:00:00 UTC of a `YYYY-MM-DD` date.
fn sunset_instant(date: &str) -> Option<std::time::SystemTime> {
    let mut parts = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
    // Days from 1970-01-01 to the date (the proleptic Gregorian calendar's civil days).
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let secs = u64::try_from(days.checked_mul(86_400)?).ok()?;
    Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

/// `YYYY-MM-DD`, `YYYY-MM-DD.upcoming` or `preview`.
fn is_version_name(s: &str) -> bool {
    if s == "preview" {
        return true;
    }
    let date = s.strip_suffix(".upcoming").unwrap_or(s);
    let b = date.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[cfg(test)]
#[allow(clippy::type_complexity)]
mod tests {
    use super::*;
    use crate::config::{ConfigFile, Env};

    #[test]
    fn every_command_parses_its_flags_and_builds_its_request() {
        let profile = profile(&[]);
        let mut built = 0;
        for op in crate::api::operations::all() {
            let tag = op.tag;
            let mut argv: Vec<String> = ["api", tag, op.command_name, "--version"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            argv.push(op.default_version().version.to_string());
            for p in op.parameters() {
                let value = match (p.kind, p.hex_id) {
                    (crate::api::operations::ParamType::Bool, _) => "true".to_string(),
                    (crate::api::operations::ParamType::Int, _) => "3".to_string(),
                    (_, true) => "0123456789abcdef01234567".to_string(),
                    _ => format!("v-{}", p.name),
                };
                argv.push(format!("--{}={value}", p.name));
                if p.array {
                    argv.push(format!("--{}=second", p.name));
                }
            }
            if op.default_format().is_none() {
                argv.extend(["-o".to_string(), "json".to_string()]);
            }
            let args = match parse(&argv, &mut std::io::sink()) {
                Ok(Invocation::Run(args)) => args,
                Ok(_) => panic!("{}: not run", op.operation_id),
                Err(e) => panic!("{}: {e}", op.operation_id),
            };
            let command = command_request(args, &profile, &mut std::io::sink())
                .unwrap_or_else(|e| panic!("{}: {e}", op.operation_id));
            let format = crate::output::response_format(&command.output);
            let format = if command.version.response_content_types.contains(&format) {
                format
            } else {
                command.version.response_content_types[0]
            };
            let body = op.has_body().then(|| b"{}".to_vec());
            let request = crate::api::request::convert_to_http_request(
                "https://cloud.mongodb.com/",
                &command,
                format,
                body,
            )
            .unwrap_or_else(|e| panic!("{}: {e}", op.operation_id));
            assert_eq!(
                request.method().as_str(),
                op.method.as_str(),
                "{}",
                op.operation_id
            );
            assert!(!request.url().path().contains('{'), "{}", request.url());
            for p in op.query_parameters {
                assert!(
                    request
                        .url()
                        .query()
                        .unwrap_or_default()
                        .contains(&format!("{}=", p.name)),
                    "{} {}",
                    op.operation_id,
                    p.name
                );
            }
            built += 1;
        }
        assert_eq!(built, 527);
    }

    #[test]
    fn sunsets_are_midnight_utc() {
        let at = |d: &str| {
            sunset_instant(d)
                .unwrap()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        };
        assert_eq!(at("1970-01-01"), 0);
        assert_eq!(at("2000-03-01"), 951_868_800);
        assert_eq!(at("2027-07-01"), 1_814_400_000);
        assert_eq!(at("2024-02-29"), 1_709_164_800);
        assert!(sunset_instant("2027-07").is_none());
    }

    #[test]
    fn deprecated_versions_warn_by_the_clock() {
        let op = crate::api::operations::by_id("validateGroupLiveMigrations").unwrap();
        let version = op.version("2023-01-01").unwrap();
        let sunset = sunset_instant(version.sunset.unwrap()).unwrap();
        let text = |now| {
            let mut out = Vec::new();
            deprecation_warning(op, version, now, &mut out);
            String::from_utf8(out).unwrap()
        };
        let day = std::time::Duration::from_secs(86_400);
        assert!(text(sunset - day).starts_with(
            "warning: version '2023-01-01' is deprecated for this command and will be sunset on "
        ));
        assert!(text(sunset + day).starts_with("error: version '2023-01-01' is deprecated for this command and has already been sunset since "));
    }

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn run_args(list: &[&str]) -> OperationArgs {
        match parse(&args(list), &mut std::io::sink()).unwrap() {
            Invocation::Run(run) => run,
            _ => panic!("not an operation: {list:?}"),
        }
    }

    fn profile(env: &[(&str, &str)]) -> Profile {
        let path = std::path::Path::new("/nonexistent/atlascli/config.toml");
        ConfigFile::load(path)
            .unwrap()
            .profile(None, &Env::from_pairs(env.iter().copied()), &mut Vec::new())
            .unwrap()
    }

    fn request(list: &[&str], env: &[(&str, &str)]) -> (Result<CommandRequest>, String) {
        let mut warnings = Vec::new();
        let result = command_request(run_args(list), &profile(env), &mut warnings);
        (result, String::from_utf8(warnings).unwrap())
    }

    const OP: [&str; 3] = ["api", "programmaticApiKeys", "createOrgApiKey"];
    const REMINDER: &str = "warning: using default API version '2023-01-01'; consider pinning a version to ensure consisentcy when updating the CLI\n";

    #[test]
    fn fills_untouched_flags_from_the_profile() {
        let (cmd, warnings) = request(&OP, &[("MONGODB_ATLAS_ORG_ID", "fromenv")]);
        assert_eq!(cmd.unwrap().parameters["orgId"], "fromenv");
        assert_eq!(warnings, REMINDER);
        let mut list = OP.to_vec();
        list.extend(["--orgId", "flag", "--version", "2023-01-01"]);
        let (cmd, warnings) = request(&list, &[("MONGODB_ATLAS_ORG_ID", "fromenv")]);
        assert_eq!(cmd.unwrap().parameters["orgId"], "flag");
        assert_eq!(warnings, "");
        let (_, warnings) = request(
            &OP,
            &[
                ("MONGODB_ATLAS_ORG_ID", "o"),
                ("MONGODB_ATLAS_API_VERSION", "2023-01-01"),
            ],
        );
        assert_eq!(warnings, "");
    }

    #[test]
    fn warns_about_unsupported_versions_and_falls_back() {
        for version in ["2020-01-01", "latest", "2023-1-01"] {
            let mut list = OP.to_vec();
            list.extend(["--orgId", "o", "--version", version]);
            let (cmd, warnings) = request(&list, &[]);
            assert_eq!(cmd.unwrap().version.version, "2023-01-01");
            assert_eq!(
                warnings,
                format!(
                    "warning: version '{version}' is not supported for this endpoint, using default API version '2023-01-01'; consider pinning a version to ensure consisentcy when updating the CLI\n"
                )
            );
        }
    }

    #[test]
    fn required_flags_are_checked_after_the_warnings() {
        let (cmd, warnings) = request(&OP, &[]);
        assert_eq!(
            cmd.unwrap_err().to_string(),
            "required flag(s) \"orgId\" not set"
        );
        assert_eq!(warnings, REMINDER);
        let (cmd, _) = request(&["api", "programmaticApiKeys", "getOrgAccessEntry"], &[]);
        assert_eq!(
            cmd.unwrap_err().to_string(),
            "required flag(s) \"apiUserId\", \"ipAddress\", \"orgId\" not set"
        );
        let (cmd, _) = request(
            &[
                "api",
                "programmaticApiKeys",
                "listGroupApiKeys",
                "--projectId",
                "p",
            ],
            &[],
        );
        assert_eq!(cmd.unwrap().parameters["groupId"], "p");
    }

    #[test]
    fn query_flags_are_sent_only_when_set() {
        let mut list = OP.to_vec();
        list.extend([
            "--orgId=o",
            "--pretty=false",
            "-o",
            "{{.id}}",
            "--outputFile",
            "k.json",
            "--file",
            "f",
        ]);
        let (cmd, _) = request(&list, &[]);
        let cmd = cmd.unwrap();
        assert_eq!(
            cmd.parameters.get("pretty").map(String::as_str),
            Some("false")
        );
        assert!(!cmd.parameters.contains_key("envelope"));
        assert_eq!(cmd.output, "{{.id}}");
        assert_eq!(cmd.output_file.as_deref(), Some("k.json"));
        assert_eq!(cmd.file.as_deref(), Some("f"));
    }

    #[test]
    fn help_version_and_unknown_operations_print() {
        for list in [
            &["--help"][..],
            &[],
            &["api"],
            &["api", "programmaticApiKeys", "createOrgApiKey", "-h"],
            &["help", "api", "nope"],
            &["-v"],
            &["help", "api"],
            &["completion"],
        ] {
            assert!(
                matches!(
                    parse(&args(list), &mut std::io::sink()).unwrap(),
                    Invocation::Print(_)
                ),
                "{list:?}"
            );
        }
        assert!(matches!(
            parse(&args(&["help", "nope"]), &mut std::io::sink()).unwrap(),
            Invocation::PrintError(_)
        ));
        let err = |list: &[&str]| {
            parse(&args(list), &mut std::io::sink())
                .err()
                .unwrap()
                .to_string()
        };
        // An unknown word under a tag is refused before its flags are parsed.
        assert_eq!(
            err(&[
                "api",
                "programmaticApiKeys",
                "nope",
                "--orgId",
                "x",
                "--help"
            ]),
            "unknown command \"nope\" for \"atlas api programmaticApiKeys\""
        );
        assert_eq!(
            err(&["api", "programmaticApiKeys", "--orgId", "x"]),
            "unknown flag: --orgId"
        );
        assert_eq!(
            err(&["api", "programmaticApiKeys", "getOrgApiKey", "--file", "x"]),
            "unknown flag: --file"
        );
        assert_eq!(err(&["api", "--version"]), "unknown flag: --version");
    }

    #[test]
    fn random_command_lines_never_panic() {
        let pieces = [
            "api",
            "programmaticApiKeys",
            "createOrgApiKey",
            "listOrgApiKeys",
            "help",
            "completion",
            "bash",
            "--orgId",
            "--orgId=",
            "-o",
            "-P",
            "-Pname",
            "-D",
            "-h",
            "--help",
            "-v",
            "--",
            "-",
            "--pretty",
            "--pretty=x",
            "--itemsPerPage",
            "0x",
            "--file",
            "-oP",
            "---x",
            "--=",
            "x",
            "é",
            "createOrgAccessEntry",
            "--projectId",
            "-Dh",
            "-x",
        ];
        let mut rng = crate::support::fuzzing::Rng::new(3);
        let env = Env::from_pairs([("MONGODB_ATLAS_ORG_ID", "a0123456789abcdef012345a")]);
        let path = std::path::Path::new("/nonexistent/config.toml");
        for _ in 0..crate::support::fuzzing::iterations(5_000) {
            let argv: Vec<String> = (0..rng.below(8))
                .map(|_| rng.pick(&pieces).to_string())
                .collect();
            if let Ok(Invocation::Run(run)) = parse(&argv, &mut std::io::sink()) {
                let profile =
                    ConfigFile::load(path)
                        .unwrap()
                        .profile(run.profile(), &env, &mut Vec::new());
                if let Ok(profile) = profile {
                    let _ = command_request(run, &profile, &mut Vec::new());
                }
            }
        }
    }

    #[test]
    fn version_names_follow_the_reference_pattern() {
        for ok in ["2023-01-01", "2025-03-12.upcoming", "preview"] {
            assert!(is_version_name(ok), "{ok}");
        }
        for bad in [
            "2023-01-1",
            "v2023-01-01",
            "2023/01/01",
            "",
            "2023-01-01.preview",
        ] {
            assert!(!is_version_name(bad), "{bad}");
        }
    }
}
