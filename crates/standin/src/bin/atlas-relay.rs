//! `atlas-relay`: a loopback TCP relay that models a distant server (each direction delayed,
//! the start of each connection delayed by one round trip), for trying the benchmark's
//! long-distance case by hand: point `ops_manager_url` at the address it prints.

use std::process::ExitCode;
use std::time::Duration;

use atlas_standin::relay::Relay;

const USAGE: &str = "usage: atlas-relay --to HOST:PORT [--port N] [--rtt-ms MS]";

const HELP: &str = "\
atlas-relay: a loopback TCP relay that puts a round-trip time between a client and a server.

usage: atlas-relay --to HOST:PORT [--port N] [--rtt-ms MS]

Listens on 127.0.0.1 and passes every connection's bytes on to HOST:PORT unchanged, each
direction half the round-trip time late; nothing is forwarded before one round trip after a
client connected (as a TCP handshake costs). Clients connect to it as if it were the server.

Options:
  --to HOST:PORT  where to relay to (for example the stand-in's address)
  --port N        listen on port N (default: any free port)
  --rtt-ms MS     the round-trip time to model, in milliseconds (default: 40)
  -h, --help      print this help
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut to = None;
    let mut port = 0u16;
    let mut rtt_ms = 40u64;
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1);
        let parsed = match args[i].as_str() {
            "-h" | "--help" => {
                print!("{HELP}");
                return ExitCode::SUCCESS;
            }
            "--to" => value.and_then(|v| {
                std::net::ToSocketAddrs::to_socket_addrs(v.as_str())
                    .ok()?
                    .next()
                    .map(|a| to = Some(a))
            }),
            "--port" => value.and_then(|v| v.parse().ok().map(|p| port = p)),
            "--rtt-ms" => value.and_then(|v| v.parse().ok().map(|ms| rtt_ms = ms)),
            other => {
                eprintln!("atlas-relay: unknown argument: {other}\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        if parsed.is_none() {
            eprintln!(
                "atlas-relay: invalid or missing value for {}\n{USAGE}",
                args[i]
            );
            return ExitCode::from(2);
        }
        i += 2;
    }
    let Some(upstream) = to else {
        eprintln!("atlas-relay: --to is required\n{USAGE}");
        return ExitCode::from(2);
    };
    let relay = match Relay::start_on(upstream, Duration::from_millis(rtt_ms) / 2, port) {
        Ok(relay) => relay,
        Err(e) => {
            eprintln!("atlas-relay: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "relaying {} to {upstream} with a {rtt_ms} ms round trip",
        relay.url()
    );
    loop {
        std::thread::park();
    }
}
