//! `atlas-standin [--port N]`: serve the stand-in (digest auth with the default credentials)
//! and print `listening on http://127.0.0.1:PORT` once ready.

use std::io::Write;
use std::process::ExitCode;

use atlas_standin::{Config, StandIn};

const USAGE: &str = "usage: atlas-standin [--port N] [--seed]";

fn parse_args(args: &[String]) -> Result<(u16, bool), String> {
    let mut port = 0;
    let mut seed = false;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--port" => {
                let value = args.get(i + 1).ok_or("--port needs a value")?;
                port = value
                    .parse()
                    .map_err(|_| format!("invalid port: {value}"))?;
                i += 1;
            }
            s if s.starts_with("--port=") => {
                let value = &s["--port=".len()..];
                port = value
                    .parse()
                    .map_err(|_| format!("invalid port: {value}"))?;
            }
            "--seed" => seed = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
        i += 1;
    }
    Ok((port, seed))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (port, seed) = match parse_args(&args) {
        Ok(parsed) => parsed,
        Err(msg) if msg.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("atlas-standin: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = Config {
        seed_keys: seed,
        ..Config::default()
    };
    let standin = match StandIn::start_on(config, port) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("atlas-standin: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "listening on {}", standin.url());
    let _ = stdout.flush();
    loop {
        std::thread::park();
    }
}
