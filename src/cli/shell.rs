//! The shells `atlas completion` writes scripts for, and how each loads its script.

/// The shells `atlas completion` writes scripts for, in cobra's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

impl Shell {
    pub const ALL: [Shell; 4] = [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Powershell];

    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
            Shell::Powershell => "powershell",
        }
    }

    /// The long help of `atlas completion <shell>`: how to load the script.
    pub fn long_help(self) -> &'static str {
        match self {
            Shell::Bash => {
                "Generate the autocompletion script for the bash shell.\n\nThis script depends on the 'bash-completion' package.\nIf it is not installed already, you can install it via your OS's package manager.\n\nTo load completions in your current shell session:\n\n\tsource <(atlas completion bash)\n\nTo load completions for every new session, execute once:\n\n#### Linux:\n\n\tatlas completion bash > /etc/bash_completion.d/atlas\n\n#### macOS:\n\n\tatlas completion bash > $(brew --prefix)/etc/bash_completion.d/atlas\n\nYou will need to start a new shell for this setup to take effect."
            }
            Shell::Zsh => {
                "Generate the autocompletion script for the zsh shell.\n\nIf shell completion is not already enabled in your environment you will need\nto enable it.  You can execute the following once:\n\n\techo \"autoload -U compinit; compinit\" >> ~/.zshrc\n\nTo load completions in your current shell session:\n\n\tsource <(atlas completion zsh)\n\nTo load completions for every new session, execute once:\n\n#### Linux:\n\n\tatlas completion zsh > \"${fpath[1]}/_atlas\"\n\n#### macOS:\n\n\tatlas completion zsh > $(brew --prefix)/share/zsh/site-functions/_atlas\n\nYou will need to start a new shell for this setup to take effect."
            }
            Shell::Fish => {
                "Generate the autocompletion script for the fish shell.\n\nTo load completions in your current shell session:\n\n\tatlas completion fish | source\n\nTo load completions for every new session, execute once:\n\n\tatlas completion fish > ~/.config/fish/completions/atlas.fish\n\nYou will need to start a new shell for this setup to take effect."
            }
            Shell::Powershell => {
                "Generate the autocompletion script for powershell.\n\nTo load completions in your current shell session:\n\n\tatlas completion powershell | Out-String | Invoke-Expression\n\nTo load completions for every new session, add the output of the above command\nto your powershell profile."
            }
        }
    }
}
