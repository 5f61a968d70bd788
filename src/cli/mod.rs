//! From argv to what the user asked for: the command tree, pflag's flag rules, cobra's help,
//! the completion scripts, and the `CommandRequest` an operation's flags describe.

pub mod command;
pub mod completion;
pub mod flags;
pub mod handover;
pub mod help;
pub mod invocation;
pub mod shell;
