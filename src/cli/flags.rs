//! Command-line flags by pflag's rules, the contract users of the Go CLI rely on.
//!
//! A `FlagSet` is a list of `Flag` definitions, each made a `clap::Arg` by `Flag::arg` so
//! that clap parses argv the way pflag v1.0.10 does: `--name value`, `--name=value`,
//! `-n value`, `-nvalue`, `-n=value`, grouped boolean shorthands (`-Dh`), bool flags that take
//! no separate value, `--` ending the flags, the last occurrence of a flag winning.
//! `parse_with` runs clap and words its errors as pflag does, word for word.

use std::fmt;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::parser::ValueSource;
use clap::{Arg, ArgAction};
use gocompat::strconv::{parse_bool, parse_int};

use crate::support::quote::{go_quote, go_quote_char};

/// The type of a flag's value, which decides how it parses and how help shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagKind {
    Bool,
    String,
    Int,
    /// pflag's `Int64` (help names it `int`).
    Int64,
    /// pflag's `StringArray`: each occurrence adds one value, taken whole (no comma split).
    StringArray,
}

impl FlagKind {
    /// The word pflag prints after the flag name in help (`--orgId string`); none for bools.
    fn type_word(self) -> &'static str {
        match self {
            FlagKind::Bool => "",
            FlagKind::String => "string",
            FlagKind::Int | FlagKind::Int64 => "int",
            FlagKind::StringArray => "stringArray",
        }
    }
}

/// One flag definition.
#[derive(Clone, Debug)]
pub struct Flag {
    pub name: &'static str,
    pub shorthand: Option<char>,
    pub kind: FlagKind,
    pub usage: String,
    /// The default as pflag renders it (`""`, `"json"`, `"false"`, `"0"`).
    pub default: String,
    /// Other names that normalise to this flag (never shown in help).
    pub aliases: &'static [&'static str],
    /// Hidden flags work but are left out of help.
    pub hidden: bool,
    /// Inherited from a parent command (printed under "Global Flags").
    pub inherited: bool,
}

impl Flag {
    pub fn new(name: &'static str, kind: FlagKind, usage: impl Into<String>) -> Flag {
        let default = match kind {
            FlagKind::Bool => "false",
            FlagKind::String => "",
            FlagKind::Int | FlagKind::Int64 => "0",
            FlagKind::StringArray => "[]",
        };
        Flag {
            name,
            shorthand: None,
            kind,
            usage: usage.into(),
            default: default.to_string(),
            aliases: &[],
            hidden: false,
            inherited: false,
        }
    }

    pub fn short(mut self, c: char) -> Flag {
        self.shorthand = Some(c);
        self
    }

    pub fn default_value(mut self, value: &str) -> Flag {
        self.default = value.to_string();
        self
    }

    pub fn aliases(mut self, aliases: &'static [&'static str]) -> Flag {
        self.aliases = aliases;
        self
    }

    pub fn hidden(mut self) -> Flag {
        self.hidden = true;
        self
    }

    pub fn inherited(mut self) -> Flag {
        self.inherited = true;
        self
    }

    /// The flag as clap parses it, by pflag's rules: a value-taking flag takes the next word
    /// whatever it looks like (`--orgId -x`); a bool takes a value only after `=`
    /// (`--pretty false` is `true` plus a positional `false`); values are normalised.
    pub fn arg(&self) -> Arg {
        let mut arg = Arg::new(self.name)
            .long(self.name)
            .aliases(self.aliases)
            .hide(self.hidden)
            .help(self.usage.clone())
            .action(ArgAction::Set)
            .value_parser(PflagValue(self.kind));
        if let Some(c) = self.shorthand {
            arg = arg.short(c);
        }
        match self.kind {
            FlagKind::Bool => arg
                .num_args(0..=1)
                .require_equals(true)
                .default_missing_value("true"),
            FlagKind::String | FlagKind::Int | FlagKind::Int64 => {
                arg.num_args(1).allow_hyphen_values(true)
            }
            FlagKind::StringArray => arg
                .action(ArgAction::Append)
                .num_args(1)
                .allow_hyphen_values(true),
        }
    }

    fn is_bool(&self) -> bool {
        self.kind == FlagKind::Bool
    }

    fn default_is_zero(&self) -> bool {
        matches!(self.default.as_str(), "" | "false" | "0" | "[]")
    }
}

/// A flag-parsing failure, displayed exactly as pflag words it.
#[derive(Debug, PartialEq, Eq)]
pub struct FlagError(pub String);

impl fmt::Display for FlagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FlagError {}

/// The flags of one command.
#[derive(Clone, Debug, Default)]
pub struct FlagSet {
    pub flags: Vec<Flag>,
}

/// What parsing produced: each flag's value if it was given, and the positional arguments.
#[derive(Clone, Debug, Default)]
pub struct ParsedFlags {
    values: Vec<(&'static str, String)>,
    pub positional: Vec<String>,
}

impl ParsedFlags {
    /// The value of a flag the user set (normalised: `true`/`false`, decimal ints).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// True when the flag was given on the command line.
    pub fn changed(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every value of an array flag, in the order given (empty when not given).
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.values
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A bool flag's value (false when not given).
    pub fn is_true(&self, name: &str) -> bool {
        self.get(name) == Some("true")
    }

    /// Sets a flag as if the user had given it (used for values filled from the profile).
    pub fn set(&mut self, name: &'static str, value: String) {
        self.values.retain(|(n, _)| *n != name);
        self.values.push((name, value));
    }
}

impl FlagSet {
    pub fn new(flags: Vec<Flag>) -> FlagSet {
        FlagSet { flags }
    }

    /// Finds a flag by its name or one of its aliases (pflag's NormalizeFunc).
    pub fn lookup(&self, name: &str) -> Option<&Flag> {
        self.flags
            .iter()
            .find(|f| f.name == name || f.aliases.contains(&name))
    }

    fn lookup_short(&self, c: char) -> Option<&Flag> {
        self.flags.iter().find(|f| f.shorthand == Some(c))
    }

    /// True when `--name` needs no separate value (cobra's `hasNoOptDefVal`).
    pub fn takes_no_value(&self, name: &str) -> bool {
        self.lookup(name).is_some_and(Flag::is_bool)
    }

    /// True when `-c` needs no separate value (cobra's `shortHasNoOptDefVal`).
    pub fn short_takes_no_value(&self, short: &str) -> bool {
        let mut chars = short.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => self.lookup_short(c).is_some_and(Flag::is_bool),
            _ => false,
        }
    }

    /// The flag lines of help, as pflag's `FlagUsages` prints them (sorted, aligned).
    pub fn usages(&self, inherited: bool) -> String {
        let mut flags: Vec<&Flag> = self
            .flags
            .iter()
            .filter(|f| !f.hidden && f.inherited == inherited)
            .collect();
        flags.sort_by_key(|f| f.name);
        let lefts: Vec<(String, String)> = flags
            .iter()
            .map(|flag| {
                let mut left = match flag.shorthand {
                    Some(c) => format!("  -{c}, --{}", flag.name),
                    None => format!("      --{}", flag.name),
                };
                let (word, usage) = unquote_usage(flag);
                if !word.is_empty() {
                    left.push(' ');
                    left.push_str(&word);
                }
                let mut right = usage;
                if !flag.default_is_zero() {
                    if flag.kind == FlagKind::String {
                        right.push_str(&format!(" (default {})", go_quote(&flag.default)));
                    } else {
                        right.push_str(&format!(" (default {})", flag.default));
                    }
                }
                (left, right)
            })
            .collect();
        let width = lefts.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
        let mut out = String::new();
        for (left, right) in lefts {
            let line = format!("{left:width$}   {right}");
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    pub fn has_visible(&self, inherited: bool) -> bool {
        self.flags
            .iter()
            .any(|f| !f.hidden && f.inherited == inherited)
    }
}

/// The id of the catch-all positional argument every command of the tree has.
pub const POSITIONAL: &str = "args";

/// The positional catch-all: every word that is not a flag or a flag's value.
pub fn positional_arg() -> Arg {
    Arg::new(POSITIONAL)
        .num_args(0..)
        .action(ArgAction::Append)
        .hide(true)
}

/// What every clap command of ours is set to: no flag or sub-command of clap's own (help and
/// version are ordinary flags of the tree), the last occurrence of a flag winning.
pub fn pflag_settings(command: clap::Command) -> clap::Command {
    command
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        .args_override_self(true)
}

/// clap's value parser for a flag: pflag's `Set` — ints through Go's `strconv.ParseInt`
/// (base prefixes, underscores) to decimal text, bools through `ParseBool` to `true`/`false`.
/// A failure carries pflag's whole text in the error's `Custom` context.
#[derive(Clone, Copy)]
struct PflagValue(FlagKind);

impl TypedValueParser for PflagValue {
    type Value = String;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        arg: Option<&Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        let value = value.to_string_lossy();
        let normalised = match self.0 {
            FlagKind::String => Ok(value.to_string()),
            FlagKind::Bool => parse_bool(&value).map(|b| b.to_string()),
            FlagKind::Int | FlagKind::Int64 => parse_int(&value).map(|i| i.to_string()),
            FlagKind::StringArray => Ok(value.to_string()),
        };
        normalised.map_err(|reason| {
            let long = arg.and_then(Arg::get_long).unwrap_or_default();
            let name = match arg.and_then(Arg::get_short) {
                Some(c) => format!("-{c}, --{long}"),
                None => format!("--{long}"),
            };
            pflag_error(
                ErrorKind::ValueValidation,
                format!(
                    "invalid argument {} for {} flag: {reason}",
                    go_quote(&value),
                    go_quote(&name)
                ),
            )
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        None
    }
}

fn pflag_error(kind: ErrorKind, text: String) -> clap::Error {
    let mut err = clap::Error::new(kind);
    err.insert(ContextKind::Custom, ContextValue::String(text));
    err
}

/// Parses `args` with `command` (a clap command whose flags are `flags` plus the positional
/// catch-all) and returns what the user set, pflag's way.
pub fn parse_with(
    command: clap::Command,
    flags: &FlagSet,
    args: &[String],
) -> Result<ParsedFlags, FlagError> {
    let scan = prescan(flags, args);
    let mut command = command.no_binary_name(true);
    let matches = command
        .try_get_matches_from_mut(&scan.args)
        .map_err(|err| FlagError(pflag_text(&mut command, &err, &scan)))?;
    let mut parsed = ParsedFlags::default();
    for flag in &flags.flags {
        if matches.value_source(flag.name) != Some(ValueSource::CommandLine) {
            continue;
        }
        if flag.kind == FlagKind::StringArray {
            for value in matches.get_many::<String>(flag.name).into_iter().flatten() {
                parsed.values.push((flag.name, value.clone()));
            }
        } else if let Some(value) = matches.get_one::<String>(flag.name) {
            parsed.set(flag.name, value.clone());
        }
    }
    parsed.positional = matches
        .get_many::<String>(POSITIONAL)
        .map(|values| values.cloned().collect())
        .unwrap_or_default();
    Ok(parsed)
}

/// pflag's text for what clap refused.
fn pflag_text(command: &mut clap::Command, err: &clap::Error, scan: &Prescan) -> String {
    if let Some(ContextValue::String(text)) = err.get(ContextKind::Custom) {
        return text.clone();
    }
    if let Some((at, text)) = &scan.unknown {
        // clap refuses an unknown flag before it checks the value of the flag before it
        // (`--itemsPerPage abc --x`); pflag checks that value first. The words before the
        // unknown one are whole flags and values, so clap on them finds any such value.
        return match command.try_get_matches_from_mut(&scan.args[..*at]) {
            Err(err) => match err.get(ContextKind::Custom) {
                Some(ContextValue::String(value_text)) => value_text.clone(),
                _ => text.clone(),
            },
            Ok(_) => text.clone(),
        };
    }
    match err.kind() {
        // A flag lacks its value only at the end of argv (it takes any next word).
        ErrorKind::InvalidValue | ErrorKind::NoEquals => match scan.args.last() {
            Some(last) if last.starts_with("--") => format!("flag needs an argument: {last}"),
            Some(last) => {
                let c = last.chars().last().unwrap_or('-');
                format!("flag needs an argument: {} in -{c}", go_quote_char(c))
            }
            None => err.to_string(),
        },
        _ => err.to_string(),
    }
}

/// What the walk over argv before clap found (`prescan`).
struct Prescan {
    /// argv as clap reads it: pflag's `-P=` (the value `=`) and `-D=` (`D` then the unknown
    /// shorthand `=`) spelled so clap takes them the same way.
    args: Vec<String>,
    /// pflag's text for the first word it cannot take as a flag, if any, and where that word
    /// stands in `args`.
    unknown: Option<(usize, String)>,
}

/// The walk over argv, skipping flag values as pflag does, for the two rules clap cannot
/// carry. It decides no value and sets no flag — clap does — it only finds words:
/// - pflag's texts for a word it refuses: `bad flag syntax: ---x` (clap reads `---x` as the
///   long `-x`), `unknown flag: --x`, and `unknown shorthand flag: 'x' in -xyz` (clap names
///   the shorthand without the rest of its group);
/// - a shorthand followed by a lone `=` (`-P=`, `-hD=`): pflag takes no value from an empty
///   `=…` and reads the `=` as the flag's value or as the next shorthand, where clap would
///   take an empty value.
fn prescan(flags: &FlagSet, args: &[String]) -> Prescan {
    let mut out = Prescan {
        args: Vec::with_capacity(args.len()),
        unknown: None,
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        out.args.push(arg.clone());
        if out.unknown.is_some() || arg.len() < 2 || !arg.starts_with('-') {
            continue;
        }
        if arg == "--" {
            out.args.extend(rest.by_ref().cloned());
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            if long.starts_with('-') || long.starts_with('=') {
                out.unknown = Some((out.args.len() - 1, format!("bad flag syntax: {arg}")));
                continue;
            }
            let name = long.split_once('=').map_or(long, |(name, _)| name);
            match flags.lookup(name) {
                None => out.unknown = Some((out.args.len() - 1, format!("unknown flag: --{name}"))),
                Some(flag) if !flag.is_bool() && !long.contains('=') => {
                    out.args.extend(rest.next().cloned());
                }
                Some(_) => {}
            }
            continue;
        }
        let mut remaining = &arg[1..];
        while let Some(c) = remaining.chars().next() {
            let after = &remaining[c.len_utf8()..];
            let Some(flag) = flags.lookup_short(c) else {
                let text = format!(
                    "unknown shorthand flag: {} in -{remaining}",
                    go_quote_char(c)
                );
                out.unknown = Some((out.args.len() - 1, text));
                break;
            };
            if after == "=" {
                let word = out.args.last_mut().expect("pushed above");
                if flag.is_bool() {
                    // `-D=`: `D` is true, then `=` is an unknown shorthand.
                    word.pop();
                    out.args.push("-=".to_string());
                    let text = "unknown shorthand flag: '=' in -=".to_string();
                    out.unknown = Some((out.args.len() - 1, text));
                } else {
                    // `-P=`: the value is `=`, which clap reads from `-P==`.
                    word.push('=');
                }
                break;
            }
            // `-D=true`, `-ojson`, `-o=json`: the rest of the word is the value.
            if (after.len() > 1 && after.starts_with('=')) || (!flag.is_bool() && !after.is_empty())
            {
                break;
            }
            if !flag.is_bool() {
                out.args.extend(rest.next().cloned());
                break;
            }
            remaining = after;
        }
    }
    out
}

/// pflag's `UnquoteUsage`: a back-quoted word in the usage names the value; else the type.
fn unquote_usage(flag: &Flag) -> (String, String) {
    let usage = &flag.usage;
    if let Some(start) = usage.find('`')
        && let Some(len) = usage[start + 1..].find('`')
    {
        let name = &usage[start + 1..start + 1 + len];
        let unquoted = format!("{}{}{}", &usage[..start], name, &usage[start + 2 + len..]);
        return (name.to_string(), unquoted);
    }
    (flag.kind.type_word().to_string(), usage.clone())
}

#[cfg(test)]
#[allow(clippy::type_complexity)]
mod tests {
    use super::*;

    /// `set()` parsed by clap through the same `Flag::arg` the command tree uses.
    trait Parse {
        fn parse(&self, args: &[String]) -> Result<ParsedFlags, FlagError>;
    }

    impl Parse for FlagSet {
        fn parse(&self, args: &[String]) -> Result<ParsedFlags, FlagError> {
            let command = pflag_settings(clap::Command::new("test"))
                .args(self.flags.iter().map(Flag::arg))
                .arg(positional_arg());
            parse_with(command, self, args)
        }
    }

    fn set() -> FlagSet {
        FlagSet::new(vec![
            Flag::new("orgId", FlagKind::String, "org"),
            Flag::new("groupId", FlagKind::String, "group").aliases(&["projectId"]),
            Flag::new("pretty", FlagKind::Bool, "pretty"),
            Flag::new("itemsPerPage", FlagKind::Int, "items"),
            Flag::new("output", FlagKind::String, "out")
                .short('o')
                .default_value("json"),
            Flag::new("help", FlagKind::Bool, "help").short('h'),
            Flag::new("profile", FlagKind::String, "profile")
                .short('P')
                .inherited(),
            Flag::new("debug", FlagKind::Bool, "debug")
                .short('D')
                .hidden()
                .inherited(),
        ])
    }

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_like_pflag() {
        let cases: &[(&[&str], &str, Option<&str>)] = &[
            (&["--orgId", "x"], "orgId", Some("x")),
            (&["--orgId=x"], "orgId", Some("x")),
            (&["--orgId="], "orgId", Some("")),
            (&["--orgId", "-x"], "orgId", Some("-x")),
            (&["--orgId", "a", "--orgId", "b"], "orgId", Some("b")),
            (&["--projectId", "p"], "groupId", Some("p")),
            (
                &["--groupId", "g", "--projectId", "p"],
                "groupId",
                Some("p"),
            ),
            (&["--pretty"], "pretty", Some("true")),
            (&["--pretty=false"], "pretty", Some("false")),
            (&["--pretty=0"], "pretty", Some("false")),
            (&["--pretty=T"], "pretty", Some("true")),
            (&["--pretty", "false"], "pretty", Some("true")),
            (&["--itemsPerPage", "0x10"], "itemsPerPage", Some("16")),
            (&["--itemsPerPage=-5"], "itemsPerPage", Some("-5")),
            (&["--itemsPerPage=1_000"], "itemsPerPage", Some("1000")),
            (&["-o", "json"], "output", Some("json")),
            (&["-ojson"], "output", Some("json")),
            (&["-o=json"], "output", Some("json")),
            (&["-Pname"], "profile", Some("name")),
            (&["-P=name"], "profile", Some("name")),
            (&["-DP", "x"], "profile", Some("x")),
            (&["-Dh"], "help", Some("true")),
            (&["--", "--orgId", "x"], "orgId", None),
            (&[], "output", None),
        ];
        for (argv, name, want) in cases {
            let parsed = set().parse(&args(argv)).unwrap();
            assert_eq!(parsed.get(name), *want, "{argv:?}");
        }
    }

    #[test]
    fn keeps_positional_arguments() {
        let parsed = set()
            .parse(&args(&["a", "--pretty", "false", "-", "--", "--x"]))
            .unwrap();
        assert_eq!(parsed.positional, args(&["a", "false", "-", "--x"]));
    }

    #[test]
    fn errors_use_pflag_wording() {
        let cases: &[(&[&str], &str)] = &[
            (&["--foo"], "unknown flag: --foo"),
            (&["--foo=1"], "unknown flag: --foo"),
            (&["-x"], "unknown shorthand flag: 'x' in -x"),
            (&["-Dx"], "unknown shorthand flag: 'x' in -x"),
            (&["-Do"], "flag needs an argument: 'o' in -o"),
            (&["--orgId"], "flag needs an argument: --orgId"),
            (&["-o"], "flag needs an argument: 'o' in -o"),
            (&["---x"], "bad flag syntax: ---x"),
            (&["--=x"], "bad flag syntax: --=x"),
            (
                &["--pretty=x"],
                "invalid argument \"x\" for \"--pretty\" flag: strconv.ParseBool: parsing \"x\": invalid syntax",
            ),
            (
                &["--itemsPerPage", "abc"],
                "invalid argument \"abc\" for \"--itemsPerPage\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax",
            ),
            (
                &["--itemsPerPage", "99999999999999999999"],
                "invalid argument \"99999999999999999999\" for \"--itemsPerPage\" flag: strconv.ParseInt: parsing \"99999999999999999999\": value out of range",
            ),
            (
                &["-D=maybe"],
                "invalid argument \"maybe\" for \"-D, --debug\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax",
            ),
        ];
        for (argv, want) in cases {
            let err = set().parse(&args(argv)).unwrap_err();
            assert_eq!(err.0, *want, "{argv:?}");
        }
    }

    #[test]
    fn the_prescan_keeps_pflag_rules_clap_lacks() {
        let parsed = set().parse(&args(&["-P=", "-o="])).unwrap();
        assert_eq!(parsed.get("profile"), Some("="));
        assert_eq!(parsed.get("output"), Some("="));
        let err = |list: &[&str]| set().parse(&args(list)).unwrap_err().0;
        assert_eq!(err(&["-D="]), "unknown shorthand flag: '=' in -=");
        assert_eq!(err(&["-hD=", "x"]), "unknown shorthand flag: '=' in -=");
        assert_eq!(err(&["-hxyz"]), "unknown shorthand flag: 'x' in -xyz");
        assert_eq!(err(&["---x=1"]), "bad flag syntax: ---x=1");
        assert_eq!(
            err(&["--itemsPerPage", "abc", "--foo"]),
            "invalid argument \"abc\" for \"--itemsPerPage\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax"
        );
        assert_eq!(err(&["--orgId", "-x", "--foo"]), "unknown flag: --foo");
        let parsed = set().parse(&args(&["--", "-x", "-D="])).unwrap();
        assert_eq!(parsed.positional, args(&["-x", "-D="]));
    }

    #[test]
    fn parses_ints_like_strconv() {
        let cases: &[(&str, Result<i64, ()>)] = &[
            ("0", Ok(0)),
            ("010", Ok(8)),
            ("0o17", Ok(15)),
            ("0b101", Ok(5)),
            ("-0x10", Ok(-16)),
            ("+7", Ok(7)),
            ("9223372036854775807", Ok(i64::MAX)),
            ("-9223372036854775808", Ok(i64::MIN)),
            ("9223372036854775808", Err(())),
            ("0x_1", Ok(1)),
            ("_1", Err(())),
            ("1_", Err(())),
            ("1__0", Err(())),
            ("", Err(())),
            ("0x", Err(())),
            ("08", Err(())),
            ("1e3", Err(())),
        ];
        for (input, want) in cases {
            assert_eq!(parse_int(input).map_err(|_| ()), *want, "{input}");
        }
    }

    #[test]
    fn usages_align_like_pflag() {
        let text = set().usages(false);
        let want = "      --groupId string     group\n  -h, --help               help\n      --itemsPerPage int   items\n      --orgId string       org\n  -o, --output string      out (default \"json\")\n      --pretty             pretty\n";
        assert_eq!(text, want);
        assert_eq!(set().usages(true), "  -P, --profile string   profile\n");
    }
}
