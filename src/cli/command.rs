//! The command tree (`atlas` → `api` → its tags → their operations, plus `help` and
//! `completion`) and how argv finds a command in it, the way cobra v1.10.2 does.
//!
//! Every node's flags are built here, the operations' from the catalogue. A run finds its
//! command by walking the catalogue (no tree is built), then makes that one command a
//! `clap::Command` to parse its flags; the completion scripts are written from the whole
//! tree (`tree`), built from the same definitions; help reads them too.

use std::sync::OnceLock;

use crate::api::operations::{self, Operation, ParamType, Tag};
use crate::cli::flags::{self, Flag, FlagError, FlagKind, FlagSet, ParsedFlags};
use crate::cli::shell::Shell;

pub const PROFILE_USAGE: &str = "Name of the profile to use from your configuration file. To learn about profiles for the Atlas CLI, see https://dochub.mongodb.org/core/atlas-cli-save-connection-settings.";
pub const API_SHORT: &str = "Access all features of the Atlas Administration API through the Atlas CLI by using the 'atlas api <tag> <operationId>' command.";
pub const WATCH_USAGE: &str = "Flag that indicates whether to watch the command until it completes its execution or the watch times out.";
pub const WATCH_TIMEOUT_USAGE: &str = "Time in seconds until a watch times out. After a watch times out, the CLI no longer watches the command.";
pub const FILE_USAGE: &str = "path to your API request file. Leave empty to use standard input instead - you must provide one or the other, but not both.";
pub const OUTPUT_FILE_USAGE: &str = "file to write the api output to. This flag is required when the output of an endpoint is binary (ex: gzip) and the command is not piped (ex: atlas command > out.zip)";

/// A node of the command tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Root,
    Help,
    Completion,
    CompletionShell(Shell),
    Api,
    Tag(&'static Tag),
    Operation(&'static Operation),
}

/// Tags are identified by their name.
impl PartialEq for Tag {
    fn eq(&self, other: &Tag) -> bool {
        self.name == other.name
    }
}

impl Eq for Tag {}

impl Command {
    pub fn name(self) -> &'static str {
        match self {
            Command::Root => "atlas",
            Command::Help => "help",
            Command::Completion => "completion",
            Command::CompletionShell(shell) => shell.name(),
            Command::Api => "api",
            Command::Tag(tag) => tag.name,
            Command::Operation(op) => op.command_name,
        }
    }

    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Command::Operation(op) => op.aliases,
            _ => &[],
        }
    }

    pub fn short(self) -> String {
        match self {
            Command::Root => String::new(),
            Command::Help => "Help about any command".to_string(),
            Command::Completion => {
                "Generate the autocompletion script for the specified shell".to_string()
            }
            Command::CompletionShell(shell) => {
                format!("Generate the autocompletion script for {}", shell.name())
            }
            Command::Api => API_SHORT.to_string(),
            Command::Tag(tag) => tag.short.to_string(),
            Command::Operation(op) => op.short.to_string(),
        }
    }

    pub fn parent(self) -> Option<Command> {
        match self {
            Command::Root => None,
            Command::Help | Command::Completion | Command::Api => Some(Command::Root),
            Command::CompletionShell(_) => Some(Command::Completion),
            Command::Tag(_) => Some(Command::Api),
            Command::Operation(op) => operations::tag(op.tag).map(Command::Tag),
        }
    }

    /// Sub-commands in the order help lists them.
    pub fn children(self) -> Vec<Command> {
        match self {
            Command::Root => vec![Command::Api, Command::Help, Command::Completion],
            Command::Completion => Shell::ALL
                .iter()
                .map(|&s| Command::CompletionShell(s))
                .collect(),
            Command::Api => operations::tags().iter().map(Command::Tag).collect(),
            Command::Tag(tag) => tag.operations.iter().map(Command::Operation).collect(),
            _ => Vec::new(),
        }
    }

    /// cobra's `Deprecated` text: the command still runs, after a line saying so.
    pub fn deprecated(self) -> Option<&'static str> {
        match self {
            Command::Operation(op) => op.deprecated,
            _ => None,
        }
    }

    /// cobra's `IsAvailableCommand`: listed in help and offered as a suggestion (not
    /// deprecated, and runnable or with an available sub-command; never `help`).
    pub fn is_available(self) -> bool {
        match self {
            Command::Help => false,
            Command::Tag(tag) => tag.is_available(),
            other => other.deprecated().is_none(),
        }
    }

    /// True when the command does something itself (else it only prints its help).
    pub fn runnable(self) -> bool {
        matches!(
            self,
            Command::Help | Command::CompletionShell(_) | Command::Operation(_)
        )
    }

    /// True for the groups whose stray words are errors: the root (as in cobra), `api` and its
    /// tags (cobra would print their help and exit 0).
    fn refuses_unknown_words(self) -> bool {
        matches!(self, Command::Root | Command::Api | Command::Tag(_))
    }

    /// The full command path, e.g. `atlas api programmaticApiKeys createOrgApiKey`.
    pub fn path(self) -> String {
        match self.parent() {
            Some(parent) => format!("{} {}", parent.path(), self.name()),
            None => self.name().to_string(),
        }
    }

    /// The child called `name` (by name or alias, exact and case-sensitive).
    pub fn child(self, name: &str) -> Option<Command> {
        self.children()
            .into_iter()
            .find(|c| c.name() == name || c.aliases().contains(&name))
    }

    /// The command's own flags followed by those it inherits from the root.
    pub fn flags(self) -> FlagSet {
        let help =
            Flag::new("help", FlagKind::Bool, format!("help for {}", self.name())).short('h');
        let mut flags = match self {
            Command::Root => vec![
                help,
                Flag::new("version", FlagKind::Bool, "version for atlas").short('v'),
            ],
            Command::CompletionShell(_) => vec![
                help,
                Flag::new(
                    "no-descriptions",
                    FlagKind::Bool,
                    "disable completion descriptions",
                ),
            ],
            Command::Operation(op) => operation_flags(op, help),
            _ => vec![help],
        };
        let global = [
            Flag::new("profile", FlagKind::String, PROFILE_USAGE).short('P'),
            Flag::new("debug", FlagKind::Bool, "Debug log level.")
                .short('D')
                .hidden(),
        ];
        let inherited = self != Command::Root;
        flags.extend(
            global
                .into_iter()
                .map(|f| if inherited { f.inherited() } else { f }),
        );
        FlagSet::new(flags)
    }
}

/// The clap command tree, built once: `atlas` → `api` → `programmaticApiKeys` → the
/// operations (with their aliases), `help`, `completion` → the shells. `--profile` and
/// `--debug` are the root's global flags; every node has the positional catch-all.
pub fn tree() -> &'static clap::Command {
    static TREE: OnceLock<clap::Command> = OnceLock::new();
    TREE.get_or_init(|| {
        let mut root = clap_node(Command::Root);
        root.build();
        root
    })
}

fn clap_node(command: Command) -> clap::Command {
    let root = command == Command::Root;
    let args = command
        .flags()
        .flags
        .into_iter()
        .filter(|f| root || !f.inherited)
        .map(|f| {
            let global = root && matches!(f.name, "profile" | "debug");
            f.arg().global(global)
        });
    flags::pflag_settings(clap::Command::new(command.name()))
        .about(command.short())
        // An alias equal to the name (a short id equal to the operation id) is shown in
        // help, as in Go, but is no second name for clap.
        .aliases(
            command
                .aliases()
                .iter()
                .copied()
                .filter(|a| *a != command.name()),
        )
        .args(args)
        .arg(flags::positional_arg())
        .subcommands(command.children().into_iter().map(clap_node))
}

/// The node of `tree` for `command`.
pub fn clap_command(command: Command) -> &'static clap::Command {
    let mut path = Vec::new();
    let mut at = Some(command);
    while let Some(c) = at.filter(|c| *c != Command::Root) {
        path.push(c.name());
        at = c.parent();
    }
    path.iter().rev().fold(tree(), |node, name| {
        node.find_subcommand(name)
            .expect("every command is in the tree")
    })
}

/// Parses the flags of the command `find` located, with clap, on a `clap::Command` made of
/// that command alone (its own flags and those it inherits, without its sub-commands: `find`
/// has already taken the words that name them). Nothing else of the tree is built.
pub fn parse_flags(command: Command, args: &[String]) -> Result<ParsedFlags, FlagError> {
    let flags = command.flags();
    let leaf = flags::pflag_settings(clap::Command::new(command.name()))
        .args(flags.flags.iter().map(Flag::arg))
        .arg(flags::positional_arg());
    flags::parse_with(leaf, &flags, args)
}

/// An operation's flags, as the Go CLI defines them: its parameters (arrays as
/// `stringArray`), `--file` when a version takes a body, `-o/--output` with the formats it
/// offers (defaulted when there is one), `--outputFile`, `--version` with the versions it
/// offers, `-w/--watch` and `--watchTimeout` when it can be watched.
fn operation_flags(op: &'static Operation, help: Flag) -> Vec<Flag> {
    let mut flags: Vec<Flag> = op
        .parameters()
        .map(|p| {
            let kind = match (p.kind, p.array) {
                (_, true) => FlagKind::StringArray,
                (ParamType::String, false) => FlagKind::String,
                (ParamType::Int, false) => FlagKind::Int,
                (ParamType::Bool, false) => FlagKind::Bool,
            };
            let flag = Flag::new(p.name, kind, p.usage).aliases(p.aliases);
            match p.shorthand {
                Some(c) => flag.short(c),
                None => flag,
            }
        })
        .collect();
    if op.has_body() {
        flags.push(Flag::new("file", FlagKind::String, FILE_USAGE));
    }
    let mut formats: Vec<String> = op.formats.iter().map(|t| format!("\"{t}\"")).collect();
    if op.formats.contains(&"json") {
        formats.push("go-template".to_string());
    }
    let output = Flag::new(
        "output",
        FlagKind::String,
        format!("preferred api format, can be [{}]", formats.join(", ")),
    )
    .short('o');
    flags.push(match op.default_format() {
        Some(format) => output.default_value(format),
        None => output,
    });
    flags.push(Flag::new("outputFile", FlagKind::String, OUTPUT_FILE_USAGE));
    let mut versions: Vec<String> = op
        .versions
        .iter()
        .map(|v| format!("\"{}\"", v.version))
        .collect();
    versions.sort();
    versions.dedup();
    flags.push(
        Flag::new(
            "version",
            FlagKind::String,
            format!(
                "API version to use when calling the Atlas API endpoints [options: {}]. If not set by the user, defaults to the latest version or the profile's api_version config value if set.",
                versions.join(", ")
            ),
        )
        .default_value(op.default_version().version),
    );
    if op.watcher.is_some() {
        flags.push(Flag::new("watch", FlagKind::Bool, WATCH_USAGE).short('w'));
        flags.push(Flag::new(
            "watchTimeout",
            FlagKind::Int64,
            WATCH_TIMEOUT_USAGE,
        ));
    }
    flags.push(help);
    flags
}

/// What `find` located: the command and the arguments left for its flag parser.
pub struct Found {
    pub command: Command,
    pub args: Vec<String>,
}

/// Walks argv down the tree as cobra's `Find` does. clap cannot do this lookup: it reads argv
/// one level at a time and refuses a flag that level does not know, while cobra lets any
/// flag stand before the operation's name (`atlas -P p api --orgId o programmaticApiKeys …`),
/// skipping the value of each flag the current level knows takes one. So the command is found
/// here, over the same definitions, and only then does clap parse its flags.
///
/// Flags may stand anywhere and the first non-flag word names the next sub-command. A word
/// that names none under the root, `api` or a tag is an error with cobra's root text and
/// suggestions: cobra itself accepts stray words below the root and prints the group's help
/// with exit 0, which turns a typo in a script into a passing step (see the README's
/// "Differences from the Go CLI").
pub fn find(args: &[String]) -> Result<Found, String> {
    let found = walk(args);
    if !found.command.refuses_unknown_words() {
        return Ok(found);
    }
    let words = strip_flags(&found.args, &found.command.flags());
    match words.first() {
        Some(word) => Err(format!(
            "unknown command {} for {}{}",
            crate::support::quote::go_quote(word),
            crate::support::quote::go_quote(found.command.path().as_str()),
            suggestions(found.command, word)
        )),
        None => Ok(found),
    }
}

/// The topic of `atlas help <words>`: cobra's `Find` without the check for unknown words
/// below the root, so `atlas help api <anything>` shows the help of `api`, as in Go.
pub fn find_help_topic(args: &[String]) -> Result<Found, String> {
    let found = walk(args);
    match found.command {
        Command::Root => find(args),
        _ => Ok(found),
    }
}

/// Follows argv's words down the tree as far as they name sub-commands.
fn walk(args: &[String]) -> Found {
    let mut command = Command::Root;
    let mut args = args.to_vec();
    // A command that runs has no sub-commands: its flags are not built to look for one.
    while !command.runnable() {
        let flags = command.flags();
        let words = strip_flags(&args, &flags);
        let Some(next) = words.first().and_then(|w| command.child(w)) else {
            break;
        };
        args = args_minus_first(&args, &words[0], &flags);
        command = next;
    }
    Found { command, args }
}

/// The words (the non-flag arguments) cobra's `stripFlags` finds in `args` at `command`'s
/// level.
pub fn words(args: &[String], command: Command) -> Vec<String> {
    strip_flags(args, &command.flags())
}

/// cobra's `stripFlags`: the non-flag words of argv, skipping the value of each flag that
/// takes one.
fn strip_flags(args: &[String], flags: &FlagSet) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = args;
    while let Some((arg, tail)) = rest.split_first() {
        rest = tail;
        if arg == "--" {
            break;
        }
        if takes_separate_value(arg, flags) {
            if rest.len() <= 1 {
                break;
            }
            rest = &rest[1..];
        } else if !arg.is_empty() && !arg.starts_with('-') {
            words.push(arg.clone());
        }
    }
    words
}

/// cobra's `argsMinusFirstX`: argv without the first non-flag occurrence of `word`.
fn args_minus_first(args: &[String], word: &str, flags: &FlagSet) -> Vec<String> {
    let mut pos = 0;
    while pos < args.len() {
        let arg = &args[pos];
        if arg == "--" {
            break;
        }
        if takes_separate_value(arg, flags) {
            pos += 2;
            continue;
        }
        if !arg.starts_with('-') && arg == word {
            let mut out = args.to_vec();
            out.remove(pos);
            return out;
        }
        pos += 1;
    }
    args.to_vec()
}

/// True for `--name` or `-n` (no `=`) whose flag is not a bool: its value is the next word.
fn takes_separate_value(arg: &str, flags: &FlagSet) -> bool {
    if arg.contains('=') {
        return false;
    }
    if let Some(name) = arg.strip_prefix("--") {
        return !flags.takes_no_value(name);
    }
    match arg.strip_prefix('-') {
        Some(short) if arg.len() == 2 => !flags.short_takes_no_value(short),
        _ => false,
    }
}

/// cobra's "Did you mean this?" block for an unknown sub-command: the names (never the
/// aliases) of the available children — not `help` — within two edits of the word, ignoring
/// case, or starting with it.
fn suggestions(command: Command, typed: &str) -> String {
    let found: Vec<&str> = command
        .children()
        .into_iter()
        .filter(|c| *c != Command::Help)
        .map(Command::name)
        .filter(|name| {
            levenshtein(&typed.to_lowercase(), &name.to_lowercase()) <= 2
                || name.to_lowercase().starts_with(&typed.to_lowercase())
        })
        .collect();
    if found.is_empty() {
        return String::new();
    }
    let mut text = String::from("\n\nDid you mean this?\n");
    for name in found {
        text.push('\t');
        text.push_str(name);
        text.push('\n');
    }
    text
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn found(list: &[&str]) -> (String, Vec<String>) {
        let f = find(&args(list)).unwrap();
        (f.command.path(), f.args)
    }

    #[test]
    fn finds_commands_between_flags() {
        let op = "atlas api programmaticApiKeys createOrgApiKey";
        let cases: &[(&[&str], &str, &[&str])] = &[
            (&[], "atlas", &[]),
            (&["api"], "atlas api", &[]),
            (
                &[
                    "api",
                    "programmaticApiKeys",
                    "createOrgApiKey",
                    "--orgId",
                    "x",
                ],
                op,
                &["--orgId", "x"],
            ),
            (
                &[
                    "-P",
                    "p",
                    "api",
                    "-D",
                    "programmaticApiKeys",
                    "createOrgApiKey",
                ],
                op,
                &["-P", "p", "-D"],
            ),
            (
                &[
                    "api",
                    "programmaticApiKeys",
                    "createOrgApiKeyAccessListEntry",
                ],
                "atlas api programmaticApiKeys createOrgAccessEntry",
                &[],
            ),
            (
                &["api", "programmaticApiKeys", "createOrgApiKey", "extra"],
                op,
                &["extra"],
            ),
            (&["completion", "bash"], "atlas completion bash", &[]),
            (&["help", "api"], "atlas help", &["api"]),
        ];
        for (argv, path, rest) in cases {
            assert_eq!(found(argv), (path.to_string(), args(rest)), "{argv:?}");
        }
    }

    #[test]
    fn unknown_root_commands_suggest_like_cobra() {
        let err = |list: &[&str]| find(&args(list)).err().unwrap();
        assert_eq!(
            err(&["apj"]),
            "unknown command \"apj\" for \"atlas\"\n\nDid you mean this?\n\tapi\n"
        );
        assert_eq!(err(&["foo"]), "unknown command \"foo\" for \"atlas\"");
        assert_eq!(
            err(&["comp"]),
            "unknown command \"comp\" for \"atlas\"\n\nDid you mean this?\n\tcompletion\n"
        );
        assert!(find(&args(&["--bogus", "foo"])).is_ok());
    }

    #[test]
    fn unknown_words_under_api_and_tags_are_errors() {
        let err = |list: &[&str]| find(&args(list)).err().unwrap();
        assert_eq!(
            err(&["api", "programmaticApiKey"]),
            "unknown command \"programmaticApiKey\" for \"atlas api\"\n\nDid you mean this?\n\tprogrammaticApiKeys\n"
        );
        assert_eq!(
            err(&["api", "nope", "--help"]),
            "unknown command \"nope\" for \"atlas api\""
        );
        assert!(find(&args(&["api", "clusters", "--help"])).is_ok());
        assert_eq!(
            err(&["api", "-P", "x", "help"]),
            "unknown command \"help\" for \"atlas api\""
        );
        // Suggestions by prefix and by distance, names only (never an alias).
        assert_eq!(
            err(&[
                "api",
                "programmaticApiKeys",
                "listOrgApiKey",
                "--orgId",
                "x"
            ]),
            "unknown command \"listOrgApiKey\" for \"atlas api programmaticApiKeys\"\n\nDid you mean this?\n\tlistOrgApiKeys\n"
        );
        assert_eq!(
            err(&[
                "api",
                "programmaticApiKeys",
                "createOrgApiKeyAccessListEntr"
            ]),
            "unknown command \"createOrgApiKeyAccessListEntr\" for \"atlas api programmaticApiKeys\""
        );
        // The value of -P is not a word; a known command after it is found.
        assert!(find(&args(&["api", "-P", "nope", "programmaticApiKeys"])).is_ok());
        // `atlas help` looks topics up as cobra does.
        let topic = find_help_topic(&args(&["api", "nope"])).ok().unwrap();
        assert_eq!(topic.command, Command::Api);
    }

    #[test]
    fn the_clap_tree_is_well_formed() {
        // clap's checks run as a command is built: on a fresh tree from the same function.
        clap_node(Command::Root).debug_assert();
        let keys = operations::tag("programmaticApiKeys").unwrap();
        let tag = clap_command(Command::Tag(keys));
        assert_eq!(tag.get_subcommands().count(), keys.operations.len());
        assert_eq!(
            clap_command(Command::Api).get_subcommands().count(),
            operations::tags().len()
        );
        let alias = tag
            .find_subcommand("createOrgApiKeyAccessListEntry")
            .unwrap();
        assert_eq!(alias.get_name(), "createOrgAccessEntry");
        let shells: Vec<&str> = clap_command(Command::Completion)
            .get_subcommands()
            .map(clap::Command::get_name)
            .collect();
        assert_eq!(shells, ["bash", "zsh", "fish", "powershell"]);
        let op = clap_command(Command::Operation(&keys.operations[0]));
        assert!(op.get_arguments().any(|a| a.get_long() == Some("profile")));
    }

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "api"), 3);
        assert_eq!(levenshtein("apo", "api"), 1);
    }
}
