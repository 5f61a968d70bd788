//! `atlas-standin`: serve the stand-in on loopback until stopped, and print how to point
//! `atlas` at it — a ready-to-paste `config.toml` profile and the same settings as
//! `MONGODB_ATLAS_*` variables.

use std::io::Write;
use std::process::ExitCode;

use atlas_standin::{Config, GROUP_ID, NonceRules, ORG_ID, PRIVATE_KEY, PUBLIC_KEY, StandIn};

const USAGE: &str = "usage: atlas-standin [--port N] [--seed] [--nonce-lifetime SECS]";

const HELP: &str = "\
atlas-standin: a loopback stand-in of the MongoDB Atlas Admin API v2, for trying every
`atlas api` command offline: the Programmatic API Keys with their real behaviour and
state, every other command with a plausible answer (watched ones settle on the third poll).

usage: atlas-standin [--port N] [--seed] [--nonce-lifetime SECS]

Serves on 127.0.0.1 until stopped (Ctrl-C). Requests authenticate with HTTP digest, using
the obviously fake key pair it prints; one organization and one project exist. State lives
in memory and is gone when it stops.

Options:
  --port N    listen on port N (default: any free port)
  --seed      start with two keys: an organization key with one access-list entry, and a
              key assigned to the project
  --nonce-lifetime SECS
              digest nonces expire after SECS seconds (answered then with a fresh challenge
              saying stale=true; default: never). Either way each answer to a nonce must
              carry a higher nc than the one before.
  -h, --help  print this help

Once listening it prints its URL, then a `config.toml` profile and the equivalent
environment variables to paste.
";

/// What the command line asks for.
struct Options {
    port: u16,
    seed: bool,
    nonce_lifetime: Option<u64>,
}

fn parse_args(args: &[String]) -> Result<Option<Options>, String> {
    let mut port = 0;
    let mut seed = false;
    let mut nonce_lifetime = None;
    let mut i = 0;
    let parse_port = |value: &str| {
        value
            .parse::<u16>()
            .map_err(|_| format!("invalid port: {value}"))
    };
    let parse_secs = |value: &str| {
        value
            .parse::<u64>()
            .map_err(|_| format!("invalid number of seconds: {value}"))
    };
    while i < args.len() {
        match args[i].as_str() {
            "--nonce-lifetime" => {
                let value = args.get(i + 1).ok_or("--nonce-lifetime needs a value")?;
                nonce_lifetime = Some(parse_secs(value)?);
                i += 1;
            }
            s if s.starts_with("--nonce-lifetime=") => {
                nonce_lifetime = Some(parse_secs(&s["--nonce-lifetime=".len()..])?);
            }
            "--port" => {
                port = parse_port(args.get(i + 1).ok_or("--port needs a value")?)?;
                i += 1;
            }
            s if s.starts_with("--port=") => port = parse_port(&s["--port=".len()..])?,
            "--seed" => seed = true,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument: {other}")),
        }
        i += 1;
    }
    Ok(Some(Options {
        port,
        seed,
        nonce_lifetime,
    }))
}

/// What to paste: a profile named `standin`, and the same settings as variables.
fn instructions(url: &str) -> String {
    format!(
        "\nPaste this profile into ~/.config/atlascli/config.toml:\n\n\
         [standin]\n\
         public_api_key = '{PUBLIC_KEY}'\n\
         private_api_key = '{PRIVATE_KEY}'\n\
         org_id = '{ORG_ID}'\n\
         project_id = '{GROUP_ID}'\n\
         ops_manager_url = '{url}'\n\
         api_version = '2023-01-01'\n\n\
         and try:  atlas -P standin api programmaticApiKeys listOrgApiKeys\n\n\
         Or set these variables instead:\n\n\
         export MONGODB_ATLAS_OPS_MANAGER_URL='{url}'\n\
         export MONGODB_ATLAS_PUBLIC_API_KEY='{PUBLIC_KEY}'\n\
         export MONGODB_ATLAS_PRIVATE_API_KEY='{PRIVATE_KEY}'\n\
         export MONGODB_ATLAS_ORG_ID='{ORG_ID}'\n\
         export MONGODB_ATLAS_PROJECT_ID='{GROUP_ID}'\n\
         export MONGODB_ATLAS_API_VERSION='2023-01-01'\n\n\
         Stop with Ctrl-C.\n"
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse_args(&args) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("atlas-standin: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let port = options.port;
    let config = Config {
        seed_keys: options.seed,
        nonces: NonceRules {
            lifetime: options.nonce_lifetime.map(std::time::Duration::from_secs),
            ..NonceRules::default()
        },
        ..Config::default()
    };
    let standin = match StandIn::start_on(config, port) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("atlas-standin: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let url = standin.url();
    let mut stdout = std::io::stdout();
    let _ = write!(stdout, "listening on {url}\n{}", instructions(&url));
    let _ = stdout.flush();
    loop {
        std::thread::park();
    }
}
