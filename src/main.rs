//! `atlas`: a faithful Rust clone of the MongoDB Atlas CLI's `atlas api` commands. `main`
//! hands what it does not serve to the Go CLI, then turns the result of `run` into stderr text
//! and an exit code; `run` is the list of stages a command goes through, each in its layer of
//! the library.

use anyhow::{Context, Result};

use atlas::api::request::CommandRequest;
use atlas::api::response::CommandResponse;
use atlas::api::{body, preflight, request, watch as watching};
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
use atlas::transport::executor::{Executor, describe};
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
    let format = output::response_format(&command.output);
    let base_url = run.profile.base_url();
    let request = request::convert_to_http_request(&base_url, &command, format, body)?;
    let session = Session::open(run, request.url())?;
    let what = describe(&request);
    let mut response = session.send(request)?;
    let answer = command.watch.then(|| response.body.clone());
    match response.stream.take() {
        Some(stream) => session.stream_into(&what, stream, destination)?,
        None => output::deliver(&command, response, destination, &warnings)?,
    }
    if let Some(answer) = answer {
        watch(&session, &base_url, &command, &answer)?;
    }
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

/// The run's way to the API: a single-threaded runtime, the credentials (the OS keyring's
/// values for the secrets the environment did not give laid over the file's), the executor.
/// The runtime is let go without waiting for its blocking threads: a keyring look-up given up
/// at its deadline (a bus address that resolves a name, a nonce file that never opens) must
/// not hold the answer back.
struct Session {
    runtime: Option<tokio::runtime::Runtime>,
    executor: Executor,
    credentials: Credentials,
    origin: Origin,
}

impl Session {
    /// Sets up what sending needs; `first` is the first request's URL (TLS roots are loaded
    /// only when it or a token URL is `https://`).
    fn open(mut run: Run<'_>, first: &reqwest::Url) -> Result<Session> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let keyring = Keyring::for_profile(&run.profile.name);
        runtime.block_on(keyring.fill(&mut run.profile));
        let credentials = Credentials::from_profile(&run.profile, keyring)?;
        let dumper = run.debug.then(|| Dumper::new(credentials.secrets()));
        let https = std::iter::once(first)
            .chain(credentials.oauth_url())
            .any(|url| url.scheme() == "https");
        let proxies = ProxySettings::from_vars(|name| run.env.get(name));
        let executor = Executor::new(run.timeout_secs, proxies, https, dumper, run.warnings)?;
        let origin = Origin {
            profile: run.profile.name.clone(),
            config_path: run.profile.config_path().display().to_string(),
            lock_wait: std::time::Duration::from_secs(run.timeout_secs),
        };
        Ok(Session {
            runtime: Some(runtime),
            executor,
            credentials,
            origin,
        })
    }

    /// Sends a request as the credentials require.
    fn send(&self, request: reqwest::Request) -> Result<CommandResponse> {
        self.send_until(request, None)
            .map(|answer| answer.expect("no deadline"))
    }

    /// Writes a binary answer into `destination` as it arrives, then puts it in place.
    fn stream_into(
        &self,
        what: &str,
        stream: reqwest::Response,
        mut destination: Destination,
    ) -> Result<()> {
        let runtime = self.runtime.as_ref().expect("open until dropped");
        let mut write = |chunk: &[u8]| destination.write_chunk(chunk);
        runtime.block_on(self.executor.stream_body(what, stream, &mut write))?;
        destination.finish()
    }

    /// As `send`, given up at `deadline` (`Ok(None)`).
    fn send_until(
        &self,
        request: reqwest::Request,
        deadline: Option<std::time::Instant>,
    ) -> Result<Option<CommandResponse>> {
        let sending = session::send(&self.executor, request, &self.credentials, &self.origin);
        let runtime = self.runtime.as_ref().expect("open until dropped");
        runtime.block_on(async {
            match deadline {
                None => sending.await.map(Some),
                Some(at) => match tokio::time::timeout_at(at.into(), sending).await {
                    Ok(answer) => answer.map(Some),
                    Err(_) => Ok(None),
                },
            }
        })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// `--watch`: polls the watcher's GET from when the answer has been written, then 1 s after
/// each answer, until one says the work is done, `--watchTimeout` seconds pass (between polls
/// or during one) or a signal ends the run. Each poll goes through the same transport as the
/// command (timeouts, safe retries, the remembered challenge, the token cache).
fn watch(session: &Session, base_url: &str, command: &CommandRequest, answer: &[u8]) -> Result<()> {
    let watcher = command
        .operation
        .watcher
        .expect("--watch exists only where the catalogue has a watcher");
    let poll = watching::poll_request(watcher, command, answer)?;
    let timeout = u64::try_from(command.watch_timeout)
        .ok()
        .filter(|&secs| secs > 0)
        .map(std::time::Duration::from_secs);
    // A timeout beyond what the clock can hold is no limit (never a panic after the command
    // has been applied).
    let deadline = timeout.and_then(|t| std::time::Instant::now().checked_add(t));
    let failed = |cause: String| anyhow::anyhow!("error while running watcher\n{cause}");
    let timed_out = || {
        failed(format!(
            "watching operation timed out after {}",
            watching::go_duration(timeout.unwrap_or_default())
        ))
    };
    loop {
        let request = request::convert_to_http_request(base_url, &poll, "json", None)?;
        let Some(response) = session
            .send_until(request, deadline)
            .map_err(|e| failed(format!("{e:#}")))?
        else {
            return Err(timed_out());
        };
        let done = watching::is_done(watcher, response.status.as_u16(), &response.body)
            .map_err(|e| failed(format!("{e:#}")))?;
        if done {
            return Ok(());
        }
        let next = std::time::Instant::now() + std::time::Duration::from_secs(1);
        if deadline.is_some_and(|d| d <= next) {
            std::thread::sleep(
                deadline
                    .unwrap_or(next)
                    .saturating_duration_since(std::time::Instant::now()),
            );
            return Err(timed_out());
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
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
