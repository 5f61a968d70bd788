//! Shell completion: the bash, zsh, fish and PowerShell scripts, generated from the clap
//! command tree (`command::tree`, the one the flags are parsed with), and `atlas __atlas_rs_complete profiles`, which the scripts run when TAB is
//! pressed after `-P` to offer the profile names of `config.toml` (names only, never a value).
//!
//! Every script carries the same table: each command path the tree can reach (by primary
//! names and by aliases, and under `help`), what may follow it (sub-commands, flags), and
//! which flags take a value. The scripts only rebuild the path typed so far and look it up.

use crate::cli::command;
use crate::cli::shell::Shell;
use crate::config::{ConfigFile, Env};

/// The hidden command the scripts run for what is known only when TAB is pressed. Its name
/// is this binary's own: cobra's `__complete` belongs to the Go CLI's completion scripts and
/// is handed over to the Go CLI (see `handover`).
pub const HIDDEN_COMMAND: &str = "__atlas_rs_complete";

/// `atlas __atlas_rs_complete <what>`: one candidate a line. `profiles` lists the profile names of
/// `config.toml`; a missing, unreadable or broken file offers nothing.
pub fn hidden_command(args: &[String]) -> Vec<u8> {
    if args.first().map(String::as_str) != Some("profiles") {
        return Vec::new();
    }
    let env = Env::from_process();
    let Ok(path) = crate::config::config_path(&env) else {
        return Vec::new();
    };
    let Ok(config) = ConfigFile::load(&path) else {
        return Vec::new();
    };
    config
        .profile_tables()
        .iter()
        .filter(|name| is_plain_word(name))
        .map(|name| format!("{name}\n"))
        .collect::<String>()
        .into_bytes()
}

/// A profile name the scripts may offer: letters, digits, `-`, `_`, `.`, `@` and `+` only. A
/// name read from `config.toml` is never handed to a shell otherwise: bash's `compgen -W`
/// would expand `$(…)` or backticks in it, running a command when TAB is pressed.
fn is_plain_word(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | '+'))
}

/// The completion script for this shell.
pub fn script(shell: Shell) -> Vec<u8> {
    let model = Model::of_tree();
    match shell {
        Shell::Bash => bash(&model),
        Shell::Zsh => zsh(&model),
        Shell::Fish => fish(&model),
        Shell::Powershell => powershell(&model),
    }
    .into_bytes()
}

/// What a flag's value completes to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Value {
    /// The profile names of `config.toml`, asked for when TAB is pressed.
    Profiles,
    /// The named output format (`-o` also takes a Go template, which cannot be completed).
    Formats,
    Files,
    /// Nothing can be offered (ids, numbers, versions).
    Free,
}

/// One command path a command line can reach, and what may follow it.
struct Node {
    /// The words typed, joined by one space (`""` for `atlas` itself).
    path: String,
    /// Sub-command names (primary names and aliases) with their one-line descriptions.
    subcommands: Vec<(String, String)>,
    /// Flag spellings (`--name`, `--alias`, `-c`) with their usage.
    flags: Vec<(String, String)>,
}

/// The whole table a script carries.
struct Model {
    nodes: Vec<Node>,
    /// Long spellings of the flags that take a value (`--orgId`), with what it completes to.
    long_valued: Vec<(String, Value)>,
    /// Shorthands that take a value (`P`, `o`).
    short_valued: Vec<(char, Value)>,
}

impl Model {
    fn of_tree() -> Model {
        let mut model = Model {
            nodes: Vec::new(),
            long_valued: Vec::new(),
            short_valued: Vec::new(),
        };
        model.walk(command::tree(), command::tree(), String::new());
        model.long_valued.sort_by(|a, b| a.0.cmp(&b.0));
        model.long_valued.dedup_by(|a, b| a.0 == b.0);
        model.short_valued.sort_by_key(|v| v.0);
        model.short_valued.dedup_by_key(|v| v.0);
        model
    }

    fn walk(&mut self, root: &clap::Command, node: &clap::Command, path: String) {
        let flags = self.flags_of(node);
        let is_help = path == "help";
        let subcommands = match is_help {
            // `atlas help <TAB>` offers what `atlas <TAB>` offers.
            true => subcommands_of(root),
            false => subcommands_of(node),
        };
        if !is_help && !subcommands.is_empty() {
            let help_path = join(&["help", &path]);
            if help_path != "help" {
                let help = root
                    .find_subcommand("help")
                    .expect("the tree has a help command");
                let flags = self.flags_of(help);
                self.nodes.push(Node {
                    path: help_path,
                    subcommands: subcommands.clone(),
                    flags,
                });
            }
        }
        self.nodes.push(Node {
            path: path.clone(),
            subcommands,
            flags,
        });
        for child in node.get_subcommands() {
            for name in std::iter::once(child.get_name()).chain(child.get_all_aliases()) {
                self.walk(root, child, join(&[&path, name]));
            }
        }
    }

    /// The visible flags of `node` as typed, noting along the way which take a value.
    fn flags_of(&mut self, node: &clap::Command) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let visible = node
            .get_arguments()
            .filter(|a| !a.is_positional() && !a.is_hide_set());
        for arg in visible {
            let name = arg.get_id().as_str();
            let value = match name {
                "profile" => Value::Profiles,
                "output" => Value::Formats,
                "file" | "outputFile" => Value::Files,
                _ => Value::Free,
            };
            // A bool takes a value only after `=` (at least none); the others take one.
            let takes_value = arg.get_num_args().is_some_and(|n| n.min_values() > 0);
            let usage = arg.get_help().map(ToString::to_string).unwrap_or_default();
            let longs = arg.get_long().into_iter();
            for long in longs.chain(arg.get_all_aliases().unwrap_or_default()) {
                out.push((format!("--{long}"), usage.clone()));
                if takes_value {
                    self.long_valued.push((format!("--{long}"), value));
                }
            }
            if let Some(c) = arg.get_short() {
                out.push((format!("-{c}"), usage.clone()));
                if takes_value {
                    self.short_valued.push((c, value));
                }
            }
        }
        out
    }

    /// The long spellings taking a value of this kind (`None`: every kind).
    fn long(&self, kind: Option<Value>) -> Vec<&str> {
        self.long_valued
            .iter()
            .filter(|(_, v)| kind.is_none_or(|k| k == *v))
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// Glob patterns for the shorthands taking a value of this kind, alone (`-P`) or last in
    /// a group (`-DP`).
    fn short(&self, kind: Option<Value>) -> Vec<String> {
        self.short_valued
            .iter()
            .filter(|(_, v)| kind.is_none_or(|k| k == *v))
            .flat_map(|(c, _)| [format!("-{c}"), format!("-*{c}")])
            .collect()
    }

    /// Every spelling and pattern of the flags taking a value of this kind.
    fn valued(&self, kind: Option<Value>) -> Vec<String> {
        let mut all: Vec<String> = self.long(kind).into_iter().map(String::from).collect();
        all.extend(self.short(kind));
        all
    }
}

fn subcommands_of(node: &clap::Command) -> Vec<(String, String)> {
    node.get_subcommands()
        .flat_map(|child| {
            let short = child
                .get_about()
                .map(ToString::to_string)
                .unwrap_or_default();
            std::iter::once(child.get_name())
                .chain(child.get_all_aliases())
                .map(move |name| (name.to_string(), short.clone()))
        })
        .collect()
}

fn join(words: &[&str]) -> String {
    words
        .iter()
        .filter(|w| !w.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

fn names(list: &[(String, String)]) -> Vec<&str> {
    list.iter().map(|(name, _)| name.as_str()).collect()
}

/// Between single quotes for sh and zsh (the names and flags hold no quote; any is escaped).
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The completion logic shared by bash and zsh, in the syntax both read.
fn sh_core(model: &Model) -> String {
    let mut arms = String::new();
    for node in &model.nodes {
        arms.push_str(&format!(
            "        {})\n            subs={}\n            flags={} ;;\n",
            sh_quote(&node.path),
            sh_quote(&names(&node.subcommands).join("\n")),
            sh_quote(&names(&node.flags).join("\n")),
        ));
    }
    let alternatives = |list: Vec<String>| list.join("|");
    format!(
        r#"# __atlas_complete PROGRAM CURRENT WORD...: what may stand in CURRENT after the WORDs typed
# after the program name. Sets __atlas_kind (words, files or none), __atlas_words (one
# candidate a line) and __atlas_prefix (the `--flag=` part of CURRENT, if any). No local
# may be called `path`: zsh ties that name to $PATH.
__atlas_complete() {{
    local prog="$1" cur="$2" typed="" flag="" subs="" flags="" w
    shift 2
    for w in "$@"; do
        if [ -n "$flag" ]; then
            # bash splits `--flag=value` into three words.
            [ "$w" = "=" ] || flag=""
            continue
        fi
        case "$w" in
            {long}) flag="$w" ;;
            --*) ;;
            {short}) flag="$w" ;;
            -*) ;;
            *) typed="${{typed:+$typed }}$w" ;;
        esac
    done
    __atlas_kind=words
    __atlas_words=""
    __atlas_prefix=""
    if [ -z "$flag" ]; then
        case "$cur" in
            --*=*) flag="${{cur%%=*}}"; __atlas_prefix="$flag=" ;;
        esac
    fi
    if [ -n "$flag" ]; then
        case "$flag" in
            {profiles})
                __atlas_kind=profiles
                __atlas_words="$("$prog" {hidden} profiles 2>/dev/null)" ;;
            {formats}) __atlas_words=json ;;
            {files}) __atlas_kind=files ;;
            *) __atlas_kind=none ;;
        esac
        return 0
    fi
    case "$typed" in
{arms}        *) ;;
    esac
    case "$cur" in
        -*) __atlas_words="$flags" ;;
        *) __atlas_words="${{subs:-$flags}}" ;;
    esac
}}
"#,
        long = model.long(None).join("|"),
        short = alternatives(model.short(None)),
        profiles = alternatives(model.valued(Some(Value::Profiles))),
        formats = alternatives(model.valued(Some(Value::Formats))),
        files = alternatives(model.valued(Some(Value::Files))),
        hidden = HIDDEN_COMMAND,
    )
}

fn bash(model: &Model) -> String {
    format!(
        r#"# bash completion for atlas
{core}
_atlas() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" IFS=$'\n'
    # After `--flag=`, bash's word breaks leave `=` as the word being completed.
    [ "$cur" = "=" ] && cur=""
    __atlas_complete "${{COMP_WORDS[0]}}" "$cur" "${{COMP_WORDS[@]:1:COMP_CWORD-1}}"
    COMPREPLY=()
    case "$__atlas_kind" in
        files)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "$cur")) ;;
        words) COMPREPLY=($(compgen -W "$__atlas_words" -- "$cur")) ;;
        profiles)
            # Names from config.toml are matched, never expanded (as `compgen -W` would).
            local name
            while IFS= read -r name; do
                case "$name" in "$cur"*) COMPREPLY+=("$name") ;; esac
            done <<< "$__atlas_words" ;;
    esac
}}

complete -F _atlas atlas
"#,
        core = sh_core(model)
    )
}

fn zsh(model: &Model) -> String {
    format!(
        r#"#compdef atlas
# zsh completion for atlas
{core}
_atlas() {{
    __atlas_complete "${{words[1]}}" "${{words[CURRENT]}}" "${{(@)words[2,CURRENT-1]}}"
    [ -n "$__atlas_prefix" ] && compset -P '*='
    case "$__atlas_kind" in
        files) _files ;;
        words|profiles)
            local -a candidates
            candidates=(${{(f)__atlas_words}})
            compadd -a candidates ;;
    esac
}}

if [ "${{funcstack[1]}}" = "_atlas" ]; then
    _atlas "$@"
else
    compdef _atlas atlas
fi
"#,
        core = sh_core(model)
    )
}

fn fish_quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// fish: one function rebuilds the path and prints `candidate<TAB>description` lines.
fn fish(model: &Model) -> String {
    let listed = |list: &[(String, String)]| {
        list.iter()
            .map(|(name, about)| fish_quote(&format!("{name}\t{about}")))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut arms = String::new();
    for node in &model.nodes {
        arms.push_str(&format!(
            "        case {}\n            set subs {}\n            set flags {}\n",
            fish_quote(&node.path),
            listed(&node.subcommands),
            listed(&node.flags),
        ));
    }
    let words = |list: Vec<String>| {
        list.iter()
            .map(|w| fish_quote(w))
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        r#"# fish completion for atlas
function __atlas_complete
    set -l tokens (commandline -opc)
    set -l prog $tokens[1]
    set -e tokens[1]
    set -l cur (commandline -ct)
    set -l typed
    set -l flag
    for w in $tokens
        if test -n "$flag"
            set flag
            continue
        end
        switch $w
            case {long}
                set flag $w
            case '--*'
            case {short}
                set flag $w
            case '-*'
            case '*'
                set -a typed $w
        end
    end
    set -l prefix
    if test -z "$flag"; and string match -q -- '--*=*' $cur
        set flag (string split -m 1 -- '=' $cur)[1]
        set prefix "$flag="
        set cur (string split -m 1 -- '=' $cur)[2]
    end
    if test -n "$flag"
        switch $flag
            case {profiles}
                for name in ($prog {hidden} profiles 2>/dev/null)
                    printf '%s%s\n' $prefix $name
                end
            case {formats}
                printf '%sjson\n' $prefix
            case {files}
                for file in (__fish_complete_path $cur)
                    printf '%s%s\n' $prefix $file
                end
        end
        return
    end
    set -l subs
    set -l flags
    switch (string join " " -- $typed)
{arms}    end
    if string match -q -- '-*' $cur; or test (count $subs) -eq 0
        printf '%s\n' $flags
    else
        printf '%s\n' $subs
    end
end

complete -c atlas -f -a '(__atlas_complete)'
"#,
        long = words(model.long(None).into_iter().map(String::from).collect()),
        short = words(model.short(None)),
        profiles = words(model.valued(Some(Value::Profiles))),
        formats = words(model.valued(Some(Value::Formats))),
        files = words(model.valued(Some(Value::Files))),
        hidden = HIDDEN_COMMAND,
    )
}

fn ps_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// PowerShell: a native argument completer with the same table.
fn powershell(model: &Model) -> String {
    let list = |items: Vec<&str>| {
        if items.is_empty() {
            "@()".to_string()
        } else {
            format!(
                "@({})",
                items
                    .iter()
                    .map(|i| ps_quote(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    };
    let mut arms = String::new();
    for node in &model.nodes {
        arms.push_str(&format!(
            "        {} {{ $subs = {}; $flags = {} }}\n",
            ps_quote(&node.path),
            list(names(&node.subcommands)),
            list(names(&node.flags)),
        ));
    }
    let patterns = |kind: Option<Value>| {
        let items = model.valued(kind);
        list(items.iter().map(String::as_str).collect())
    };
    format!(
        r#"# powershell completion for atlas
Register-ArgumentCompleter -Native -CommandName 'atlas' -ScriptBlock {{
    param($wordToComplete, $commandAst, $cursorPosition)
    $elements = @($commandAst.CommandElements | Where-Object {{ $_.Extent.EndOffset -le $cursorPosition }} | ForEach-Object {{ $_.ToString() }})
    $prog = $elements[0]
    $typed = @($elements | Select-Object -Skip 1)
    if ($wordToComplete -ne '' -and $typed.Count -gt 0) {{ $typed = @($typed | Select-Object -SkipLast 1) }}
    $long = {long}
    $short = {short}
    function Test-Any($word, $patterns) {{ foreach ($p in $patterns) {{ if ($word -clike $p) {{ return $true }} }}; return $false }}
    $path = ''
    $flag = $null
    foreach ($w in $typed) {{
        if ($flag) {{ $flag = $null; continue }}
        if ($long -ccontains $w) {{ $flag = $w }}
        elseif ($w -clike '--*') {{ }}
        elseif (Test-Any $w $short) {{ $flag = $w }}
        elseif ($w -clike '-*') {{ }}
        elseif ($path -eq '') {{ $path = $w }}
        else {{ $path = "$path $w" }}
    }}
    $prefix = ''
    $current = $wordToComplete
    if (-not $flag -and $wordToComplete -clike '--*=*') {{
        $flag, $current = $wordToComplete -split '=', 2
        $prefix = "$flag="
    }}
    $candidates = @()
    if ($flag) {{
        if (Test-Any $flag {profiles}) {{ $candidates = @(& $prog {hidden} profiles 2>$null) }}
        elseif (Test-Any $flag {formats}) {{ $candidates = @('json') }}
        # Files ({files}): no candidates, so PowerShell completes paths itself.
    }} else {{
        $subs = @(); $flags = @()
        switch -CaseSensitive ($path) {{
{arms}        }}
        if ($current -clike '-*' -or $subs.Count -eq 0) {{ $candidates = $flags }} else {{ $candidates = $subs }}
    }}
    $candidates | Where-Object {{ $_ -clike "$current*" }} | ForEach-Object {{
        [System.Management.Automation.CompletionResult]::new("$prefix$_", $_, 'ParameterValue', $_)
    }}
}}
"#,
        long = list(model.long(None)),
        short = list(model.short(None).iter().map(String::as_str).collect()),
        profiles = patterns(Some(Value::Profiles)),
        formats = patterns(Some(Value::Formats)),
        files = patterns(Some(Value::Files)),
        hidden = HIDDEN_COMMAND,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_name_every_operation_alias_and_flag() {
        for shell in Shell::ALL {
            let script = String::from_utf8(script(shell)).unwrap();
            for op in crate::api::operations::all() {
                for name in std::iter::once(op.command_name).chain(op.aliases.iter().copied()) {
                    assert!(script.contains(name), "{shell:?} {name}");
                }
                for p in op.parameters() {
                    assert!(script.contains(p.name), "{shell:?} {}", p.name);
                }
            }
            assert!(script.contains("outputFile"), "{shell:?}");
            assert!(script.contains(HIDDEN_COMMAND), "{shell:?}");
        }
    }

    #[test]
    fn the_table_reaches_aliases_and_help_paths() {
        let model = Model::of_tree();
        let node = |path: &str| {
            model
                .nodes
                .iter()
                .find(|n| n.path == path)
                .unwrap_or_else(|| panic!("no node {path:?}"))
        };
        let alias = node("api programmaticApiKeys createOrgApiKeyAccessListEntry");
        assert!(names(&alias.flags).contains(&"--apiUserId"));
        assert_eq!(
            names(&node("help").subcommands),
            ["api", "help", "completion"]
        );
        let tags: Vec<&str> = crate::api::operations::tags()
            .iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names(&node("help api").subcommands), tags);
        assert!(
            names(&node("help api programmaticApiKeys").subcommands)
                .contains(&"updateGroupApiKeyRoles")
        );
        assert!(model.long(Some(Value::Profiles)) == ["--profile"]);
        assert_eq!(model.short(Some(Value::Formats)), ["-o", "-*o"]);
        assert!(model.long(None).contains(&"--projectId"));
        assert!(!model.long(None).contains(&"--pretty"));
    }
}
