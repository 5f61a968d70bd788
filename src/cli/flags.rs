//! Command-line flags parsed by pflag's rules, the contract users of the Go CLI rely on.
//!
//! A `FlagSet` is a list of `Flag` definitions; `FlagSet::parse` walks argv the way pflag
//! v1.0.10 does: `--name value`, `--name=value`, `-n value`, `-nvalue`, `-n=value`, grouped
//! boolean shorthands (`-Dh`), bool flags that take no separate value, `--` ending the flags,
//! the last occurrence of a flag winning, and pflag's error texts word for word.

use std::fmt;

use gocompat::strconv::{parse_bool, parse_int};

use crate::support::quote::{go_quote, go_quote_char};

/// The type of a flag's value, which decides how it parses and how help shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagKind {
    Bool,
    String,
    Int,
}

impl FlagKind {
    /// The word pflag prints after the flag name in help (`--orgId string`); none for bools.
    fn type_word(self) -> &'static str {
        match self {
            FlagKind::Bool => "",
            FlagKind::String => "string",
            FlagKind::Int => "int",
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
            FlagKind::Int => "0",
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

    fn is_bool(&self) -> bool {
        self.kind == FlagKind::Bool
    }

    fn default_is_zero(&self) -> bool {
        matches!(self.default.as_str(), "" | "false" | "0")
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

    /// Parses argv the way pflag does; flags and positional arguments may be interspersed.
    pub fn parse(&self, args: &[String]) -> Result<ParsedFlags, FlagError> {
        let mut parsed = ParsedFlags::default();
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            if arg.len() < 2 || !arg.starts_with('-') {
                parsed.positional.push(arg.clone());
            } else if arg == "--" {
                parsed.positional.extend(rest.by_ref().cloned());
            } else if let Some(long) = arg.strip_prefix("--") {
                self.parse_long(arg, long, &mut rest, &mut parsed)?;
            } else {
                self.parse_shorts(&arg[1..], &mut rest, &mut parsed)?;
            }
        }
        Ok(parsed)
    }

    fn parse_long<'a>(
        &self,
        arg: &str,
        long: &str,
        rest: &mut impl Iterator<Item = &'a String>,
        parsed: &mut ParsedFlags,
    ) -> Result<(), FlagError> {
        if long.starts_with('-') || long.starts_with('=') {
            return Err(FlagError(format!("bad flag syntax: {arg}")));
        }
        let (name, inline) = match long.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (long, None),
        };
        let Some(flag) = self.lookup(name) else {
            return Err(FlagError(format!("unknown flag: --{name}")));
        };
        let value = match inline {
            Some(value) => value.to_string(),
            None if flag.is_bool() => "true".to_string(),
            None => match rest.next() {
                Some(value) => value.clone(),
                None => return Err(FlagError(format!("flag needs an argument: {arg}"))),
            },
        };
        set_value(flag, &value, parsed)
    }

    fn parse_shorts<'a>(
        &self,
        shorthands: &str,
        rest: &mut impl Iterator<Item = &'a String>,
        parsed: &mut ParsedFlags,
    ) -> Result<(), FlagError> {
        let mut remaining = shorthands;
        while let Some(c) = remaining.chars().next() {
            let after = &remaining[c.len_utf8()..];
            let Some(flag) = self.lookup_short(c) else {
                return Err(FlagError(format!(
                    "unknown shorthand flag: {} in -{remaining}",
                    go_quote_char(c)
                )));
            };
            let value;
            if let Some(inline) = after.strip_prefix('=').filter(|v| !v.is_empty()) {
                value = inline.to_string();
                remaining = "";
            } else if flag.is_bool() {
                value = "true".to_string();
                remaining = after;
            } else if !after.is_empty() {
                value = after.to_string();
                remaining = "";
            } else if let Some(next) = rest.next() {
                value = next.clone();
                remaining = "";
            } else {
                return Err(FlagError(format!(
                    "flag needs an argument: {} in -{remaining}",
                    go_quote_char(c)
                )));
            }
            set_value(flag, &value, parsed)?;
        }
        Ok(())
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

fn set_value(flag: &Flag, value: &str, parsed: &mut ParsedFlags) -> Result<(), FlagError> {
    let normalised = match flag.kind {
        FlagKind::String => Ok(value.to_string()),
        FlagKind::Bool => parse_bool(value).map(|b| b.to_string()),
        FlagKind::Int => parse_int(value).map(|i| i.to_string()),
    };
    match normalised {
        Ok(v) => {
            parsed.set(flag.name, v);
            Ok(())
        }
        Err(reason) => {
            let name = match flag.shorthand {
                Some(c) => format!("-{c}, --{}", flag.name),
                None => format!("--{}", flag.name),
            };
            Err(FlagError(format!(
                "invalid argument {} for {} flag: {reason}",
                go_quote(value),
                go_quote(&name)
            )))
        }
    }
}

#[cfg(test)]
#[allow(clippy::type_complexity)]
mod tests {
    use super::*;

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
