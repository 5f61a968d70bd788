//! `atlas`: a faithful Rust clone of the MongoDB Atlas CLI's `atlas api programmaticApiKeys`
//! commands. `main` turns the result of `run` into stderr text and an exit code; `run` is the
//! list of stages a command goes through, each in its layer of the library.

use anyhow::{Context, Result};

use atlas::api::request::CommandRequest;
use atlas::api::response::CommandResponse;
use atlas::api::{body, preflight, request};
use atlas::cli::handover;
use atlas::cli::invocation::{self as cli, Invocation};
use atlas::config::{self, ConfigFile, Env, Profile};
use atlas::credentials::Credentials;
use atlas::credentials::keyring::Keyring;
use atlas::credentials::session::{self, Origin};
use atlas::output::{self, destination::Destination};
use atlas::support::argv;
use atlas::support::warnings::Warnings;
use atlas::support::{error, interrupt};
use atlas::transport::dump::Dumper;
use atlas::transport::executor::Executor;
use atlas::transport::proxy::ProxySettings;

fn main() {
    // Before anything else: a command this binary does not serve goes to the Go CLI.
    if let Err(e) = handover::hand_over_unserved(&std::env::args_os().collect::<Vec<_>>()) {
        error::report(&format!("Error: {e:#}\n"));
        std::process::exit(error::FAILURE);
    }
    ignore_sigpipe();
    interrupt::watch();
    match run() {
        Ok(code) => interrupt::finish("", code),
        Err(e) => interrupt::finish(&format!("Error: {e:#}\n"), error::FAILURE),
    }
}

fn run() -> Result<i32> {
    let warnings = Warnings::stderr();
    let args = match cli::parse(&argv(), &mut warnings.clone())? {
        Invocation::Print(text) => {
            output::write_stdout(&text)?;
            return Ok(error::SUCCESS);
        }
        Invocation::PrintError(text) => {
            error::report(&text);
            return Ok(error::SUCCESS);
        }
        Invocation::Run(args) => args,
    };
    let env = Env::from_process();
    let debug = args.debug();
    if let Some(line) = env.ignored_variables_warning() {
        warnings.line(&line);
    }
    let (profile, timeout_secs) = load_profile(args.profile(), &env, &warnings)?;
    let command = cli::command_request(args, &profile, &mut warnings.clone())?;
    let body = read_body(&command, &warnings)?;
    let destination = prepare_output(&command)?;
    let run = Run {
        profile,
        timeout_secs,
        env: &env,
        debug,
        warnings: warnings.clone(),
    };
    let response = send(&command, body, run)?;
    output::deliver(&command, response, destination, &warnings)?;
    Ok(error::SUCCESS)
}

fn argv() -> Vec<String> {
    std::env::args_os().skip(1).map(argv::decode).collect()
}

/// Reads the config file and picks the profile (only commands that send a request do this),
/// with its HTTP timeout.
fn load_profile(flag: Option<&str>, env: &Env, warnings: &Warnings) -> Result<(Profile, u64)> {
    let config = ConfigFile::load(&config::config_path(env)?)?;
    let profile = config.profile(flag, env, &mut warnings.clone())?;
    profile.check_service()?;
    let timeout_secs = profile.http_timeout_secs()?;
    Ok((profile, timeout_secs))
}

/// The request body (for operations that take one), checked with the request before
/// anything is sent.
fn read_body(command: &CommandRequest, warnings: &Warnings) -> Result<Option<Vec<u8>>> {
    let body = match command.operation.has_body() {
        true => Some(body::read_body(command.file.as_deref())?),
        false => None,
    };
    preflight::check(command, body.as_deref(), &mut warnings.clone())?;
    Ok(body)
}

/// The output target, opened now, and the template, parsed now: both fail before sending;
/// a POST's answer is announced to the interrupt watcher.
fn prepare_output(command: &CommandRequest) -> Result<Destination> {
    let target = command.output_file.as_deref().map(argv::to_path);
    let destination = Destination::prepare(target.as_deref(), output::keeps_answer(command))?;
    output::check_template(&command.output)?;
    output::expect_answer(command);
    Ok(destination)
}

/// What the sending stage needs of the run.
struct Run<'a> {
    profile: Profile,
    timeout_secs: u64,
    env: &'a Env,
    debug: bool,
    warnings: Warnings,
}

/// Sends the request with the profile's credentials, on a single-threaded runtime. The
/// runtime is let go without waiting for its blocking threads: a keyring look-up given up
/// at its deadline (a bus address that resolves a name, a nonce file that never opens) must
/// not hold the answer back.
fn send(command: &CommandRequest, body: Option<Vec<u8>>, run: Run<'_>) -> Result<CommandResponse> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let response = runtime.block_on(send_on_runtime(command, body, run));
    runtime.shutdown_background();
    response
}

/// The request built (it may fail without asking anything), the secrets the OS keyring holds
/// for the profile laid over the file's, the credentials chosen, the request sent.
async fn send_on_runtime(
    command: &CommandRequest,
    body: Option<Vec<u8>>,
    mut run: Run<'_>,
) -> Result<CommandResponse> {
    let format = output::response_format(&command.output);
    let request = request::convert_to_http_request(&run.profile.base_url(), command, format, body)?;
    let keyring = Keyring::for_profile(&run.profile.name);
    keyring.fill(&mut run.profile).await;
    let credentials = Credentials::from_profile(&run.profile, keyring)?;
    let dumper = run.debug.then(|| Dumper::new(credentials.secrets()));
    let https = std::iter::once(request.url())
        .chain(credentials.oauth_url())
        .any(|url| url.scheme() == "https");
    let proxies = ProxySettings::from_vars(|name| run.env.get(name));
    let executor = Executor::new(run.timeout_secs, proxies, https, dumper, run.warnings)?;
    let origin = Origin {
        profile: run.profile.name.clone(),
        config_path: run.profile.config_path().display().to_string(),
        lock_wait: std::time::Duration::from_secs(run.timeout_secs),
    };
    session::send(&executor, request, &credentials, &origin).await
}

/// SIGPIPE is ignored for the whole run, so that a closed stderr or a reader gone while a created
/// key is delivered is an error this program handles (README "A created key is never lost") instead
/// of a silent death that loses the key or leaves a temporary file; where the Go CLI dies quietly
/// on a closed stdout, `output` ends the process the same way.
fn ignore_sigpipe() {
    // SAFETY: setting a signal disposition before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}
