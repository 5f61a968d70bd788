//! Help and version text, laid out byte for byte as cobra v1.10.2 and pflag print them.
//!
//! Help reads the definitions the clap tree is built from (`Command`, `FlagSet`), not the
//! tree: pflag's defaults, type words and back-quoted value names live there, and the clap
//! args carry no defaults (so that `value_source` tells what the user set).

use crate::cli::command::Command;

const API_INTRO: &str = "The atlas api sub-command is automatically generated from the MongoDB Atlas Admin API and offers full coverage of the Admin API.\nAdmin API capabilities have their own release lifecycle, which you can check via the provided API endpoint documentation link.\n\n";

const ROOT_TEXT: &str = "CLI tool to manage MongoDB Atlas. The Atlas CLI is a command line interface built specifically for MongoDB Atlas. You can manage your Atlas database deployments and Atlas Search from the terminal with short, intuitive commands.\n\t\t\nUse the --help flag with any command for more info on that command.";

const API_LONG: &str = "This feature streamlines script development by letting you interact directly with any Atlas Administration API endpoint through the Atlas CLI.\n\nFor more information on\n- Atlas Administration API see: https://www.mongodb.com/docs/api/doc/atlas-admin-api-v2/\n- Getting started with the Atlas Administration API: https://www.mongodb.com/docs/atlas/configure-api-access/#std-label-atlas-admin-api-access";

const HELP_LONG: &str = "Help provides help for any command in the application.\nSimply type atlas help [path to command] for full details.";

const COMPLETION_LONG: &str = "Generate the autocompletion script for atlas for the specified shell.\nSee each sub-command's help for details on how to use the generated script.";

/// The whole `--help` text of a command.
pub fn help(command: Command) -> String {
    match command {
        Command::Api => api_help(crate::cli::command::API_SHORT, API_LONG, command),
        Command::Tag(tag) => api_help(tag.short, tag.long, command),
        Command::Operation(op) => api_help(op.short, op.long, command),
        Command::Root => format!("{ROOT_TEXT}\n\n{}", usage(command)),
        Command::Help => format!("{HELP_LONG}\n\n{}", usage(command)),
        Command::Completion => format!("{COMPLETION_LONG}\n\n{}", usage(command)),
        Command::CompletionShell(shell) => format!("{}\n\n{}", shell.long_help(), usage(command)),
    }
}

/// The api help template: intro, `Short Long` on one paragraph, then the usage block.
fn api_help(short: &str, long: &str, command: Command) -> String {
    format!(
        "{API_INTRO}{} {}\n\n{}",
        short.trim_end(),
        long.trim_end(),
        usage(command)
    )
}

/// cobra's usage block, from `Usage:` to the final newline. Only available sub-commands are
/// listed (not deprecated ones, nor groups of only deprecated ones), padded to the longest
/// name of all of them (cobra counts every command added).
pub fn usage(command: Command) -> String {
    let flags = command.flags();
    let children: Vec<Command> = command.children();
    let available: Vec<&Command> = children
        .iter()
        .filter(|c| c.is_available() || **c == Command::Help)
        .collect();
    let has_available = !available.is_empty();
    let mut out = String::from("Usage:");
    if command.runnable() {
        out.push_str("\n  ");
        out.push_str(&use_line(command));
    }
    if has_available {
        out.push_str(&format!("\n  {} [command]", command.path()));
    }
    if !command.aliases().is_empty() {
        let mut names = vec![command.name()];
        names.extend(command.aliases());
        out.push_str(&format!("\n\nAliases:\n  {}", names.join(", ")));
    }
    if has_available {
        let pad = children
            .iter()
            .map(|c| c.name().len())
            .max()
            .unwrap_or(0)
            .max(11);
        out.push_str("\n\nAvailable Commands:");
        for child in available {
            out.push_str(&format!("\n  {:pad$} {}", child.name(), child.short()));
        }
    }
    if flags.has_visible(false) {
        out.push_str("\n\nFlags:\n");
        out.push_str(flags.usages(false).trim_end());
    }
    if flags.has_visible(true) {
        out.push_str("\n\nGlobal Flags:\n");
        out.push_str(flags.usages(true).trim_end());
    }
    if has_available {
        out.push_str(&format!(
            "\n\nUse \"{} [command] --help\" for more information about a command.",
            command.path()
        ));
    }
    out.push('\n');
    out
}

fn use_line(command: Command) -> String {
    match command {
        Command::Help => format!("{} [command] [flags]", command.path()),
        // cobra's bash completion command hides `[flags]` (DisableFlagsInUseLine).
        Command::CompletionShell(crate::cli::shell::Shell::Bash) => command.path(),
        _ => format!("{} [flags]", command.path()),
    }
}

/// `atlas --version`.
pub fn version() -> String {
    format!(
        "atlas version: {}\ngit version: {}\nRust version: {}\n   os: {}\n   arch: {}\n",
        env!("CARGO_PKG_VERSION"),
        option_env!("ATLAS_GIT_COMMIT").unwrap_or("unknown"),
        option_env!("ATLAS_RUSTC_VERSION").unwrap_or("unknown"),
        std::env::consts::OS,
        std::env::consts::ARCH,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::operations;

    const GOLDEN_HELP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/help");

    fn programmatic_api_keys() -> Command {
        Command::Tag(operations::tag("programmaticApiKeys").unwrap())
    }

    #[test]
    fn every_programmatic_api_keys_usage_matches_the_reference() {
        for op in operations::tag("programmaticApiKeys").unwrap().operations {
            let path = format!("{GOLDEN_HELP}/{}.usage.txt", op.command_name);
            let Ok(want) = std::fs::read_to_string(&path) else {
                panic!("missing {path}");
            };
            assert_eq!(usage(Command::Operation(op)), want, "{}", op.command_name);
        }
    }

    #[test]
    fn every_command_of_the_catalogue_has_its_help() {
        for tag in operations::tags() {
            let text = help(Command::Tag(tag));
            assert!(text.starts_with(API_INTRO), "{}", tag.name);
            for op in tag.operations {
                let text = help(Command::Operation(op));
                let use_line = format!(
                    "\n\nUsage:\n  atlas api {} {} [flags]\n",
                    tag.name, op.command_name
                );
                assert!(text.contains(&use_line), "{}", op.operation_id);
                assert!(text.contains("  -h, --help "), "{}", op.operation_id);
                assert!(text.contains("--version string"), "{}", op.operation_id);
                assert_eq!(
                    text.contains("--file string"),
                    op.has_body(),
                    "{}",
                    op.operation_id
                );
                assert_eq!(
                    text.contains("-w, --watch"),
                    op.watcher.is_some(),
                    "{}",
                    op.operation_id
                );
                for p in op.parameters() {
                    assert!(
                        text.contains(&format!("--{} ", p.name)),
                        "{} {}",
                        op.operation_id,
                        p.name
                    );
                }
            }
        }
    }

    #[test]
    fn create_org_api_key_help_is_the_reference_block() {
        let op = operations::find("programmaticApiKeys", "createOrgApiKey").unwrap();
        let text = help(Command::Operation(op));
        assert!(text.starts_with(API_INTRO));
        assert!(text.contains("\n\nCreates one API key for the specified organization. An organization API key grants programmatic access to an organization. You can't use the API key to log into the console.\n\nThis command is autogenerated and corresponds 1:1 with the Atlas API endpoint https://www.mongodb.com/docs/api/doc/atlas-admin-api-v2/operation/operation-createorgapikey.\n\nFor more information and examples, see: https://www.mongodb.com/docs/atlas/cli/current/command/atlas-api-programmaticApiKeys-createOrgApiKey/\n\nUsage:\n"));
        assert!(text.ends_with("dochub.mongodb.org/core/atlas-cli-save-connection-settings.\n"));
    }

    #[test]
    fn tag_help_lists_operations_with_cobra_padding() {
        let text = help(programmatic_api_keys());
        assert!(text.contains("\n  createOrgAccessEntry Creates the access list entries for the specified organization API key.\n"));
        assert!(text.contains("\n  addGroupApiKey       Assigns"));
        assert!(text.ends_with("\n\nUse \"atlas api programmaticApiKeys [command] --help\" for more information about a command.\n"));
    }

    #[test]
    fn root_help_lists_api_help_and_completion() {
        let text = help(Command::Root);
        assert!(text.contains("\n  api         Access all features"));
        assert!(text.contains("\n  help        Help about any command\n  completion  Generate the autocompletion script for the specified shell\n"));
        assert!(text.contains("\nFlags:\n  -h, --help             help for atlas\n  -P, --profile string   Name of the profile"));
        assert!(text.contains("\n  -v, --version          version for atlas\n"));
    }
}
