//! What the command prints: the response body byte for byte, or a Go template of it, on
//! stdout or into `--outputFile`; then the reference's error for a non-2xx answer.

use std::io::Write;

use anyhow::{Result, anyhow, bail};

use crate::error::SERVER_RETURNED_ERROR;
use crate::executor::CommandResponse;
use crate::output_file::write_output_file;
use crate::request::CommandRequest;
use crate::template;

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

/// Writes the answer where the user asked; a non-2xx answer is written, then reported.
pub fn write_response(command: &CommandRequest, response: &CommandResponse) -> Result<()> {
    let bytes = if response.is_success() && template::is_template(&command.output) {
        template::format(&command.output, &response.body)
            .map_err(|e| anyhow!("error formatting output\n{e}"))?
    } else {
        response.body.clone()
    };
    match command.output_file.as_deref().filter(|f| !f.is_empty()) {
        Some(path) => write_output_file(std::path::Path::new(path), &bytes)?,
        None => write_stdout(&bytes)?,
    }
    if !response.is_success() {
        bail!(SERVER_RETURNED_ERROR);
    }
    Ok(())
}

/// Writes to stdout and flushes (a closed pipe ends the process like SIGPIPE ends Go's).
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| {
            anyhow!(
                "cannot write to standard output: {}",
                crate::error::os_error_text(&e)
            )
        })
}
