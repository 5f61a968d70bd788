//! What the command prints: the response body byte for byte, or a Go template of it, on
//! stdout or into `--outputFile`; then the reference's error for a non-2xx answer.
//!
//! A POST's 2xx answer may hold a private key that cannot be asked for again (README "A created
//! key is never lost"): while it is being delivered it is held for the interrupt watcher, SIGPIPE
//! is ignored (a reader that closed the pipe is a write error, not a silent death), and if the
//! template or the write fails, the raw answer is saved and the error says where. A template that
//! names fields such an answer does not have prints Go's output as Go does, then warns and saves
//! the answer (README, "Differences from the Go CLI").

pub mod destination;
pub mod response_archive;
pub mod template;

use std::io::Write;
use std::sync::Arc;

use anyhow::{Result, anyhow, bail};

use crate::api::request::CommandRequest;
use crate::api::response::CommandResponse;
use crate::output::destination::Destination;
use crate::support::error::SERVER_RETURNED_ERROR;
use crate::support::warnings::Warnings;

/// The response format to ask for: a template reads JSON; anything else is asked for as is.
pub fn response_format(output: &str) -> &str {
    if template::is_template(output) {
        "json"
    } else {
        output
    }
}

/// Reports a template that cannot parse before the request is sent (the reference sends it,
/// and a created key's private key is then lost to the template error).
pub fn check_template(output: &str) -> Result<()> {
    if template::is_template(output) {
        template::check(output).map_err(|e| anyhow!("error formatting output\n{e}"))?;
    }
    Ok(())
}

/// Whether this command's answer must never be lost: a POST's (it may create a key), unless
/// it is binary (gzip, csv): such an answer holds no secret and can be asked for again.
pub fn keeps_answer(command: &CommandRequest) -> bool {
    command.operation.method == crate::api::operations::Method::Post
        && !is_binary(response_format(&command.output))
}

/// The formats answered as bytes to pass on unchanged, never decoded, held or saved.
pub fn is_binary(format: &str) -> bool {
    matches!(format, "gzip" | "csv")
}

/// Before sending: a POST's successful answer is to be held by the interrupt watcher from
/// the moment the transport reads it (so an interrupt before delivery saves it).
pub fn expect_answer(command: &CommandRequest) {
    if keeps_answer(command) {
        crate::support::interrupt::expect_answer(
            command.operation.command_name,
            response_archive::report,
        );
    }
}

/// Writes the answer where the user asked; a non-2xx answer is written, then reported. A
/// kept answer whose template named fields it does not have is saved once written.
pub fn deliver(
    command: &CommandRequest,
    response: CommandResponse,
    destination: Destination,
    warnings: &Warnings,
) -> Result<()> {
    let success = response.is_success();
    let body = Arc::new(response.body);
    let keep = success && keeps_answer(command);
    if keep {
        crate::support::interrupt::hold_answer(
            command.operation.command_name,
            Arc::clone(&body),
            response_archive::report,
        );
    }
    // An answer that can be asked again dies quietly on a closed pipe, as Go's does.
    let quiet_on_broken_pipe = !keep;
    let mut fields_missing = false;
    let delivered = if success && template::is_template(&command.output) {
        template::format_with_report(&command.output, &body)
            .map_err(|e| anyhow!("error formatting output\n{e}"))
            .and_then(|formatted| {
                if keep && !formatted.missing.is_empty() {
                    fields_missing = true;
                    warnings.line(&missing_fields_warning(&formatted.missing));
                }
                destination.write(&formatted.output, quiet_on_broken_pipe)
            })
    } else {
        destination.write(&body, quiet_on_broken_pipe)
    };
    match delivered {
        // The created key's answer is saved, and the run ends there (see the function).
        Err(error) if keep => crate::support::interrupt::fail_saving_answer(&format!("{error:#}")),
        Err(error) => Err(error),
        Ok(()) => {
            if fields_missing {
                crate::support::interrupt::save_held_answer(|line| warnings.line(line));
            } else if keep {
                crate::support::interrupt::take_answer();
            }
            if !success {
                bail!(SERVER_RETURNED_ERROR);
            }
            Ok(())
        }
    }
}

/// The warning for a template whose field chains found no key in the answer.
fn missing_fields_warning(chains: &[String]) -> String {
    format!(
        "warning: the template names fields the response does not have: {}",
        chains.join(", ")
    )
}

/// Writes help, version or completion text to stdout (a closed pipe ends the process like
/// SIGPIPE ends Go's).
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                crate::support::error::die_of_sigpipe();
            }
            anyhow!(
                "write /dev/stdout: {}",
                crate::support::error::os_error_text(&e)
            )
        })
}
