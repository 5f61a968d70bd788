//! `atlas-bench`: this project's binary against curl doing the same thing, and against the
//! build before (`--baseline`, the release binary of an earlier commit), measured in
//! interleaved rounds (A B C, B C A, C A B, …, after a warm-up) on the loopback stand-in with
//! digest auth, and through a relay that models a 40 ms round trip. Prints one table of
//! medians and ratios, then the budgets line by line. The figures never fail it; a command
//! that fails, or a stand-in that did not see an authorized request, does (exit 1).
//!
//! Every command runs with stdin from `/dev/null`, stdout to `/dev/null` and a scrubbed
//! environment (a temporary HOME holding the profile). Wall time is taken around spawn and
//! `wait4`, whose `ru_maxrss` is the peak RSS (what GNU time's `%M` reports). The stand-in and
//! the relay run in a second process (this binary with `--serve`), so that this one stays
//! small: a child shares its parent's memory until it execs, and the kernel counts the
//! parent's peak as the child's.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use atlas_standin::relay::Relay;
use atlas_standin::{Config, GROUP_ID, ORG_ID, PRIVATE_KEY, PUBLIC_KEY, StandIn, VERSIONED_JSON};

const USAGE: &str = "usage: atlas-bench --atlas PATH [--pairs N] [--warmup N] [--curl PATH] \
     [--profile NAME] [--baseline PATH [--baseline-commit NAME]]";

/// Within noise of the build before: the median of the rounds' new/before time ratios is at
/// most this, or the two medians are less than [`NOISE_MS`] apart.
const NOISE_RATIO: f64 = 1.05;
const NOISE_MS: f64 = 0.3;

/// The budget of the whole catalogue for the stripped executable and a create's peak RSS.
const CATALOGUE_MB: f64 = 8.0;

/// The modelled distance: 20 ms each way.
const ONE_WAY: Duration = Duration::from_millis(20);

/// The request bodies measured, in MB (10^6 bytes).
const BODY_MB: [usize; 3] = [1, 20, 100];

/// A remembered challenge is reused for 30 s; the repeat case primes a new one well before.
const REPRIME_AFTER: Duration = Duration::from_secs(20);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args == ["--serve"] {
        serve();
        return;
    }
    let options = match Options::parse(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("atlas-bench: {message}\n{USAGE}");
            std::process::exit(2);
        }
    };
    match Bench::new(options).and_then(|mut bench| bench.run()) {
        Ok(()) => {}
        Err(message) => {
            eprintln!("atlas-bench: the benchmark broke: {message}");
            std::process::exit(1);
        }
    }
}

struct Options {
    atlas: PathBuf,
    curl: PathBuf,
    pairs: usize,
    warmup: usize,
    /// The cargo profile `atlas` was built with: the budget is for `release`.
    profile: String,
    /// The build before, measured beside `atlas` where it can do the same thing.
    baseline: Option<PathBuf>,
    /// What the table calls the build before (its commit).
    baseline_name: String,
}

impl Options {
    fn parse(args: Vec<String>) -> Result<Options, String> {
        let mut atlas = None;
        let mut curl = PathBuf::from("curl");
        let mut pairs = 20;
        let mut warmup = 3;
        let mut profile = "release".to_string();
        let mut baseline = None;
        let mut baseline_name = "not given".to_string();
        let mut it = args.into_iter();
        while let Some(arg) = it.next() {
            let mut value = || it.next().ok_or(format!("{arg} needs a value"));
            match arg.as_str() {
                "--atlas" => atlas = Some(PathBuf::from(value()?)),
                "--curl" => curl = PathBuf::from(value()?),
                "--pairs" => pairs = number(&value()?)?,
                "--warmup" => warmup = number(&value()?)?,
                "--profile" => profile = value()?,
                "--baseline" => baseline = Some(PathBuf::from(value()?)),
                "--baseline-commit" => baseline_name = value()?,
                other => return Err(format!("unknown argument: {other}")),
            }
        }
        let atlas = atlas.ok_or("--atlas is required")?;
        if pairs == 0 {
            return Err("--pairs must be at least 1".into());
        }
        let canonical = |path: PathBuf| {
            std::fs::canonicalize(&path).map_err(|e| format!("{}: {e}", path.display()))
        };
        Ok(Options {
            atlas: canonical(atlas)?,
            curl,
            pairs,
            warmup,
            profile,
            baseline: baseline.map(canonical).transpose()?,
            baseline_name,
        })
    }
}

fn number(text: &str) -> Result<usize, String> {
    text.parse().map_err(|_| format!("not a number: {text}"))
}

/// One run of one command.
#[derive(Clone, Copy)]
struct Sample {
    wall: Duration,
    rss_kib: u64,
}

/// The samples of the tools in one case, a column each, one sample per round (`baseline` is
/// empty where the build before was not measured).
struct Paired {
    atlas: Vec<Sample>,
    baseline: Vec<Sample>,
    curl: Vec<Sample>,
}

impl Paired {
    fn wall(&self) -> (f64, f64) {
        (wall_ms(&self.atlas), wall_ms(&self.curl))
    }

    /// The median of the rounds' atlas/curl time ratios: each round ran back to back, so a
    /// moment of load on the machine weighs on both halves of it.
    fn ratio(&self) -> f64 {
        paired_ratio(&self.atlas, &self.curl)
    }

    fn rss_mb(&self) -> (f64, f64) {
        (rss_mb(&self.atlas), rss_mb(&self.curl))
    }

    /// The build before: its median time, and the median of the rounds' atlas/before ratios.
    fn against_baseline(&self) -> Option<(f64, f64)> {
        (!self.baseline.is_empty()).then(|| {
            (
                wall_ms(&self.baseline),
                paired_ratio(&self.atlas, &self.baseline),
            )
        })
    }

    /// Whether atlas is no slower than the build before, within noise (see [`NOISE_RATIO`]).
    fn no_slower(&self) -> Option<bool> {
        let (before, ratio) = self.against_baseline()?;
        Some(ratio <= NOISE_RATIO || wall_ms(&self.atlas) - before < NOISE_MS)
    }
}

fn wall_ms(samples: &[Sample]) -> f64 {
    median(samples.iter().map(|s| s.wall.as_secs_f64() * 1000.0))
}

fn rss_mb(samples: &[Sample]) -> f64 {
    median(samples.iter().map(|s| s.rss_kib as f64 * 1024.0 / 1e6))
}

/// The median of the rounds' `a`/`b` time ratios.
fn paired_ratio(a: &[Sample], b: &[Sample]) -> f64 {
    median(
        a.iter()
            .zip(b)
            .map(|(a, b)| a.wall.as_secs_f64() / b.wall.as_secs_f64()),
    )
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// What the stand-in should have seen from one command.
#[derive(Clone, Copy, PartialEq)]
enum Expect {
    /// Any number of requests, the last one authorized.
    Accepted,
    /// Nothing (help).
    Nothing,
    /// A first call: two requests (the challenge, then the answer), the second authorized.
    FirstCall,
}

/// One command of a round, and how it is prepared and checked.
struct Run {
    command: Command,
    /// Who runs it, for messages: atlas, the build before, or curl.
    tool: &'static str,
    entry: Entry,
    expect: Expect,
}

impl Run {
    fn new(command: Command, tool: &'static str, entry: Entry, expect: Expect) -> Run {
        Run {
            command,
            tool,
            entry,
            expect,
        }
    }
}

/// How the remembered challenge is prepared before one of our runs.
#[derive(Clone, Copy, PartialEq)]
enum Entry {
    /// Removed (the entry and its lock file): a first call.
    Cold,
    /// Present and younger than 20 s: a repeat call.
    Warm,
    /// Left as it is (help).
    Untouched,
}

struct Bench {
    options: Options,
    work: PathBuf,
    home: PathBuf,
    server: Server,
    key: PathBuf,
    primed: Option<Instant>,
    /// How many requests each of our repeat creates made.
    repeat_requests: Vec<usize>,
    /// The most this process held when it started a command (in every peak-RSS figure).
    floor_kib: std::cell::Cell<u64>,
}

impl Drop for Bench {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.work);
    }
}

impl Bench {
    fn new(options: Options) -> Result<Bench, String> {
        let work = std::env::temp_dir().join(format!("atlas-bench-{}", std::process::id()));
        let home = work.join("home");
        std::fs::create_dir_all(home.join(".config/atlascli")).map_err(|e| e.to_string())?;
        let server = Server::start()?;
        std::fs::write(
            home.join(".config/atlascli/config.toml"),
            format!(
                "[default]\npublic_api_key = '{PUBLIC_KEY}'\nprivate_api_key = '{PRIVATE_KEY}'\n\
                 org_id = '{ORG_ID}'\nops_manager_url = '{}'\napi_version = '2023-01-01'\n",
                server.local
            ),
        )
        .map_err(|e| e.to_string())?;
        let key = work.join("key.json");
        std::fs::write(&key, br#"{"desc":"bench","roles":["ORG_READ_ONLY"]}"#)
            .map_err(|e| e.to_string())?;
        Ok(Bench {
            options,
            work,
            home,
            server,
            key,
            primed: None,
            repeat_requests: Vec::new(),
            floor_kib: std::cell::Cell::new(0),
        })
    }

    fn run(&mut self) -> Result<(), String> {
        let started = Instant::now();
        let local = self.server.local.clone();
        let far = self.server.far.clone();
        let key = self.key.clone();
        // First, while the organization has no API keys: its list is an empty page, as the
        // stand-in's list of clusters (a list operation of the catalogue) is.
        let (list, clusters) = self.lists()?;
        let first = self.creates("create, first call", &key, &local, Entry::Cold)?;
        let repeat = self.creates("create, repeat call", &key, &local, Entry::Warm)?;
        let help = self.help()?;
        let mut bodies = Vec::new();
        for mb in BODY_MB {
            let body = self.body_file(mb)?;
            let first = self.creates(&format!("{mb} MB body"), &body, &local, Entry::Cold)?;
            let again = format!("{mb} MB body, repeat");
            let repeat = self.creates(&again, &body, &local, Entry::Warm)?;
            bodies.push((mb, first, repeat));
            let _ = std::fs::remove_file(&body);
        }
        let far_first = self.creates("create, first call, 40 ms", &key, &far, Entry::Cold)?;
        let far_repeat = self.creates("create, repeat call, 40 ms", &key, &far, Entry::Warm)?;
        let sizes = self.sizes();
        self.print(Report {
            list,
            clusters,
            first,
            repeat,
            help,
            bodies,
            far_first,
            far_repeat,
            sizes,
            took: started.elapsed(),
        });
        Ok(())
    }

    /// The rounds of one create case; the build before takes part in a first call on
    /// loopback with the small body.
    fn creates(
        &mut self,
        what: &str,
        body: &Path,
        base: &str,
        entry: Entry,
    ) -> Result<Paired, String> {
        let create = |program: &Path| self.atlas_create(program, body, base);
        let atlas = Run::new(
            create(&self.options.atlas),
            "atlas",
            entry,
            Expect::Accepted,
        );
        let baseline = (entry == Entry::Cold && base == self.server.local && body == self.key)
            .then_some(self.options.baseline.as_deref())
            .flatten()
            .map(|before| Run::new(create(before), "the build before", entry, Expect::Accepted));
        let curl = Run::new(
            self.curl_create(body, base),
            "curl",
            Entry::Untouched,
            Expect::Accepted,
        );
        self.trio(what, atlas, baseline, curl)
    }

    fn help(&mut self) -> Result<Paired, String> {
        const HELP: [&str; 4] = ["api", "programmaticApiKeys", "createOrgApiKey", "--help"];
        let help = |tool: &'static str, program: &Path| {
            let mut command = self.scrubbed(program);
            command.args(HELP);
            Run::new(command, tool, Entry::Untouched, Expect::Nothing)
        };
        let atlas = help("atlas", &self.options.atlas);
        let baseline = self
            .options
            .baseline
            .as_deref()
            .map(|b| help("the build before", b));
        let mut curl = self.scrubbed(&self.options.curl);
        curl.arg("--help");
        let curl = Run::new(curl, "curl", Entry::Untouched, Expect::Nothing);
        self.trio("--help", atlas, baseline, curl)
    }

    /// First calls of `listOrgApiKeys` (atlas, the build before, curl) and `clusters
    /// listClusters` (atlas, curl) in the same rounds, so that the list of clusters is paired
    /// with the build before's list of keys.
    fn lists(&mut self) -> Result<(Paired, Paired), String> {
        let keys = |tool: &'static str, program: &Path| {
            let mut command = self.scrubbed(program);
            command.args(["api", "programmaticApiKeys", "listOrgApiKeys"]);
            Run::new(command, tool, Entry::Cold, Expect::Accepted)
        };
        let mut runs = vec![keys("atlas", &self.options.atlas)];
        if let Some(before) = self.options.baseline.as_deref() {
            runs.push(keys("the build before", before));
        }
        let keys_url = format!("{}/api/atlas/v2/orgs/{ORG_ID}/apiKeys", self.server.local);
        runs.push(Run::new(
            self.curl_get(&keys_url),
            "curl",
            Entry::Untouched,
            Expect::Accepted,
        ));
        let mut clusters = self.scrubbed(&self.options.atlas);
        clusters.args(["api", "clusters", "listClusters", "--groupId", GROUP_ID]);
        runs.push(Run::new(clusters, "atlas", Entry::Cold, Expect::FirstCall));
        let clusters_url = format!(
            "{}/api/atlas/v2/groups/{GROUP_ID}/clusters",
            self.server.local
        );
        let curl = self.curl_get(&clusters_url);
        runs.push(Run::new(curl, "curl", Entry::Untouched, Expect::FirstCall));

        let mut columns = self.rounds("list", &mut runs)?;
        let baseline = match self.options.baseline {
            Some(_) => columns.remove(1),
            None => Vec::new(),
        };
        let [atlas, curl, clusters_atlas, clusters_curl] =
            <[Vec<Sample>; 4]>::try_from(columns).map_err(|_| "four columns")?;
        let list = Paired {
            atlas,
            baseline: baseline.clone(),
            curl,
        };
        let clusters = Paired {
            atlas: clusters_atlas,
            baseline,
            curl: clusters_curl,
        };
        Ok((list, clusters))
    }

    /// The rounds of atlas, the build before (when given) and curl.
    fn trio(
        &mut self,
        what: &str,
        atlas: Run,
        baseline: Option<Run>,
        curl: Run,
    ) -> Result<Paired, String> {
        let with_baseline = baseline.is_some();
        let mut runs: Vec<Run> = [Some(atlas), baseline, Some(curl)]
            .into_iter()
            .flatten()
            .collect();
        let mut columns = self.rounds(what, &mut runs)?.into_iter();
        let mut next = || columns.next().unwrap_or_default();
        Ok(Paired {
            atlas: next(),
            baseline: if with_baseline { next() } else { Vec::new() },
            curl: next(),
        })
    }

    /// Warm-up rounds, then the measured ones, each running every command in turn: one
    /// column of samples per command. Each round starts one command further on (A B C, B C A,
    /// C A B, …), so that none always runs first or right after another.
    fn rounds(&mut self, what: &str, runs: &mut [Run]) -> Result<Vec<Vec<Sample>>, String> {
        let mut columns = vec![Vec::new(); runs.len()];
        for i in 0..self.options.warmup + self.options.pairs {
            let measured = i >= self.options.warmup;
            for k in 0..runs.len() {
                let j = (i + k) % runs.len();
                let (run, column) = (&mut runs[j], &mut columns[j]);
                self.prepare(run.entry, &mut run.command)?;
                let (sample, requests) =
                    self.measure(&mut run.command, what, run.tool, run.expect)?;
                if measured {
                    if run.entry == Entry::Warm {
                        self.repeat_requests.push(requests);
                    }
                    column.push(sample);
                }
            }
        }
        Ok(columns)
    }

    fn prepare(&mut self, entry: Entry, atlas: &mut Command) -> Result<(), String> {
        match entry {
            Entry::Untouched => {}
            Entry::Cold => self.forget_challenges(),
            Entry::Warm => {
                if self.primed.is_none_or(|at| at.elapsed() > REPRIME_AFTER) {
                    self.forget_challenges();
                    self.measure(atlas, "priming a challenge", "atlas", Expect::Accepted)?;
                    self.primed = Some(Instant::now());
                }
            }
        }
        Ok(())
    }

    /// Removes every remembered challenge (and its lock file). The folder stays, as it does after a
    /// user's very first run: removing it too would time ext4 creating a folder on every
    /// run, a cost paid once per machine.
    fn forget_challenges(&mut self) {
        if let Ok(entries) = std::fs::read_dir(self.home.join(".cache/atlascli/digest")) {
            for entry in entries.flatten() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        self.primed = None;
    }

    /// Runs one command: its sample and how many requests the stand-in saw.
    fn measure(
        &mut self,
        command: &mut Command,
        what: &str,
        tool: &str,
        expect: Expect,
    ) -> Result<(Sample, usize), String> {
        self.server.reset()?;
        let errors = self.work.join("stderr");
        let stderr = File::create(&errors).map_err(|e| e.to_string())?;
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        reset_peak_rss();
        self.floor_kib.set(self.floor_kib.get().max(own_rss_kib()));
        let started = Instant::now();
        let child = command
            .spawn()
            .map_err(|e| format!("{what}: cannot start {tool}: {e}"))?;
        let (status, rss_kib) = wait(child.id())?;
        let wall = started.elapsed();
        let said = std::fs::read_to_string(&errors).unwrap_or_default();
        if status != 0 {
            return Err(format!(
                "{what}: {tool} exited with {status}: {}",
                said.trim()
            ));
        }
        let (requests, accepted) = self.server.seen()?;
        let answered = match expect {
            Expect::Accepted => accepted,
            Expect::FirstCall => accepted && requests == 2,
            Expect::Nothing => true,
        };
        if !answered {
            return Err(format!(
                "{what}: {tool} made {requests} requests, the last one not accepted: {}",
                said.trim()
            ));
        }
        Ok((Sample { wall, rss_kib }, requests))
    }

    fn scrubbed(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            // No session bus: the figures never depend on (or reach into) the keyring of the
            // machine the benchmark runs on.
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/atlas-bench",
            )
            .current_dir(&self.work);
        command
    }

    fn atlas_create(&self, program: &Path, body: &Path, base: &str) -> Command {
        let mut command = self.scrubbed(program);
        command
            .args(["api", "programmaticApiKeys", "createOrgApiKey", "--file"])
            .arg(body)
            .env("MONGODB_ATLAS_OPS_MANAGER_URL", base);
        command
    }

    /// The equivalent curl: digest, the same headers, the body from the file.
    fn curl_create(&self, body: &Path, base: &str) -> Command {
        let mut command = self.scrubbed(&self.options.curl);
        command
            .args([
                "-s",
                "--digest",
                "-u",
                &format!("{PUBLIC_KEY}:{PRIVATE_KEY}"),
            ])
            .args(["-H", "Expect:"])
            .args(["-H", &format!("Accept: {VERSIONED_JSON}")])
            .args(["-H", &format!("Content-Type: {VERSIONED_JSON}")])
            .arg("--data-binary")
            .arg(format!("@{}", body.display()))
            .arg(format!("{base}/api/atlas/v2/orgs/{ORG_ID}/apiKeys"));
        command
    }

    /// The equivalent curl of a GET: digest, the same Accept header.
    fn curl_get(&self, url: &str) -> Command {
        let mut command = self.scrubbed(&self.options.curl);
        command
            .args(["-s", "--digest", "-u"])
            .arg(format!("{PUBLIC_KEY}:{PRIVATE_KEY}"))
            .args(["-H", &format!("Accept: {VERSIONED_JSON}")])
            .arg(url);
        command
    }

    /// A create body of exactly `mb` × 10^6 bytes (a long unknown field, which both the
    /// check before sending and the stand-in accept).
    /// Written a piece at a time, so that this process stays small (see [`reset_peak_rss`]).
    fn body_file(&self, mb: usize) -> Result<PathBuf, String> {
        use std::io::Write;
        let head = br#"{"desc":"bench","roles":["ORG_READ_ONLY"],"padding":""#;
        let tail = br#""}"#;
        let path = self.work.join(format!("body-{mb}.json"));
        let mut file = std::io::BufWriter::new(File::create(&path).map_err(|e| e.to_string())?);
        let mut left = mb * 1_000_000 - head.len() - tail.len();
        let piece = [b'a'; 64 * 1024];
        let mut write = |bytes: &[u8]| file.write_all(bytes).map_err(|e| e.to_string());
        write(head)?;
        while left > 0 {
            let n = left.min(piece.len());
            write(&piece[..n])?;
            left -= n;
        }
        write(tail)?;
        file.flush().map_err(|e| e.to_string())?;
        Ok(path)
    }

    /// In bytes: each executable stripped, and with its shared libraries.
    fn sizes(&self) -> Sizes {
        let atlas = stripped_size(&self.options.atlas, &self.work);
        let curl_path = which(&self.options.curl);
        let curl = curl_path.as_deref().map(file_size).unwrap_or(0);
        let baseline = self.options.baseline.as_deref();
        let baseline_size = baseline.map(|b| stripped_size(b, &self.work));
        Sizes {
            atlas,
            curl,
            baseline: baseline_size,
            atlas_with_libraries: atlas + libraries_size(&self.options.atlas),
            curl_with_libraries: curl + curl_path.as_deref().map(libraries_size).unwrap_or(0),
            baseline_with_libraries: baseline
                .zip(baseline_size)
                .map(|(b, s)| s + libraries_size(b)),
        }
    }

    fn print(&self, report: Report) {
        let o = &self.options;
        println!(
            "atlas-bench: {} rounds after {} warm-up rounds each, {:.0} s in all",
            o.pairs,
            o.warmup,
            report.took.as_secs_f64()
        );
        println!(
            "  atlas: {} ({}, {} build)",
            o.atlas.display(),
            self.version_line(&o.atlas),
            o.profile
        );
        if let Some(before) = &o.baseline {
            println!(
                "  the build before ({}): {} (release build)",
                o.baseline_name,
                before.display()
            );
        }
        println!("  curl:  {}", self.version_line(&o.curl));
        println!("  {}", machine());
        println!(
            "  a peak RSS figure is never below this driver's own RSS at spawn (at most {:.1} MB)",
            self.floor_kib.get() as f64 * 1024.0 / 1e6
        );
        println!(
            "  figures are medians; a time's ratio is the median of the rounds' ratios, a size's \
             the ratio of the medians"
        );
        println!();
        self.table(&report);
        println!();
        self.budget(&report);
        println!();
        self.catalogue_budget(&report);
    }

    fn table(&self, report: &Report) {
        let before = &self.options.baseline_name;
        println!("| what | atlas | curl | atlas/curl | before ({before}) | atlas/before |");
        println!("|---|---:|---:|---:|---:|---:|");
        let time_row = |what: &str, p: &Paired| {
            let (a, c) = p.wall();
            let before = match p.against_baseline() {
                Some((b, ratio)) => format!("{b:.1} ms | {ratio:.2}"),
                None => " | ".to_string(),
            };
            println!(
                "| {what} | {a:.1} ms | {c:.1} ms | {:.2} | {before} |",
                p.ratio()
            );
        };
        let rss_row = |what: &str, p: &Paired| {
            let (a, c) = p.rss_mb();
            let before = match p.baseline.is_empty() {
                false => format!(
                    "{:.1} MB | {:.2}",
                    rss_mb(&p.baseline),
                    a / rss_mb(&p.baseline)
                ),
                true => " | ".to_string(),
            };
            println!(
                "| {what} | {a:.1} MB | {c:.1} MB | {:.2} | {before} |",
                a / c
            );
        };
        time_row(
            "create, first call (no remembered challenge), loopback",
            &report.first,
        );
        time_row("create, repeat call within 30 s, loopback", &report.repeat);
        time_row("create, first call, 40 ms RTT relay", &report.far_first);
        time_row("create, repeat call, 40 ms RTT relay", &report.far_repeat);
        time_row("`createOrgApiKey --help` / `curl --help`", &report.help);
        time_row("`listOrgApiKeys`, first call, loopback", &report.list);
        time_row(
            "`clusters listClusters`, first call, loopback (before: `listOrgApiKeys`)",
            &report.clusters,
        );
        rss_row("peak RSS, create", &report.first);
        rss_row("peak RSS, `--help`", &report.help);
        for (mb, first, repeat) in &report.bodies {
            time_row(&format!("create, {mb} MB body, first call"), first);
            time_row(&format!("create, {mb} MB body, repeat call"), repeat);
            rss_row(&format!("peak RSS, {mb} MB body, first call"), first);
        }
        let s = &report.sizes;
        let size_row = |what: &str, atlas: u64, curl: u64, before: Option<u64>| {
            let before = match before {
                Some(b) => format!("{:.1} MB | {:.2}", mb(b), atlas as f64 / b as f64),
                None => " | ".to_string(),
            };
            println!(
                "| {what} | {:.1} MB | {:.2} MB | {:.2} | {before} |",
                mb(atlas),
                mb(curl),
                atlas as f64 / curl as f64
            );
        };
        size_row("executable, stripped", s.atlas, s.curl, s.baseline);
        size_row(
            "with its shared libraries (ldd)",
            s.atlas_with_libraries,
            s.curl_with_libraries,
            s.baseline_with_libraries,
        );
        let one = self.repeat_requests.iter().filter(|&&n| n == 1).count();
        println!(
            "| requests per create: first / repeat | 2 / {} | 2 / 2 | | | |",
            if one == self.repeat_requests.len() {
                "1".to_string()
            } else {
                format!("1 in {one} of {} runs", self.repeat_requests.len())
            }
        );
    }

    fn judged(&self) -> bool {
        self.options.profile == "release"
    }

    /// The budget of issue 12 (against curl, and absolute).
    fn budget(&self, report: &Report) {
        match self.judged() {
            true => println!("budget (issue 12):"),
            false => println!(
                "budget (issue 12), for the release build: these figures of a {} build are not judged",
                self.options.profile
            ),
        }
        let ratio = Paired::ratio;
        line(
            format!("first create <= 0.4 x curl: {:.2}", ratio(&report.first)),
            ratio(&report.first) <= 0.4,
        );
        let one = self.repeat_requests.iter().filter(|&&n| n == 1).count();
        line(
            format!(
                "repeat create makes one request: {one} of {} runs",
                self.repeat_requests.len()
            ),
            one == self.repeat_requests.len(),
        );
        line(
            format!(
                "repeat create through the 40 ms relay <= 0.75 x curl: {:.2}",
                ratio(&report.far_repeat)
            ),
            ratio(&report.far_repeat) <= 0.75,
        );
        let help = report.help.wall().0;
        line(format!("--help <= 5 ms: {help:.1} ms"), help <= 5.0);
        let rss = report.first.rss_mb().0;
        line(
            format!("peak RSS of a create <= 12 MB: {rss:.1} MB"),
            rss <= 12.0,
        );
        let size = mb(report.sizes.atlas);
        line(format!("executable <= 8 MB: {size:.1} MB"), size <= 8.0);
        for (n, first, repeat) in &report.bodies {
            let rss = first.rss_mb().0.max(repeat.rss_mb().0);
            let limit = 2.5 * *n as f64 + 12.0;
            line(
                format!("peak RSS, {n} MB body <= {limit:.1} MB: {rss:.1} MB"),
                rss <= limit,
            );
        }
    }

    /// The budget of the whole catalogue: as small and as fast as the build before.
    fn catalogue_budget(&self, report: &Report) {
        let before = match self.options.baseline {
            Some(_) => format!("against the build before ({})", self.options.baseline_name),
            None => "no build before given (--baseline)".to_string(),
        };
        println!(
            "budget of the whole catalogue, {before}{}:",
            if self.judged() { "" } else { ", not judged" }
        );
        println!(
            "  (no slower: the median of the rounds' atlas/before ratios <= {NOISE_RATIO}, or \
             the medians less than {NOISE_MS} ms apart)"
        );
        let size = mb(report.sizes.atlas);
        line(
            format!("executable, stripped <= {CATALOGUE_MB} MB: {size:.1} MB"),
            size <= CATALOGUE_MB,
        );
        let rss = report.first.rss_mb().0;
        line(
            format!("peak RSS of a create <= {CATALOGUE_MB} MB: {rss:.1} MB"),
            rss <= CATALOGUE_MB,
        );
        let slower = |what: &str, p: &Paired| match (p.against_baseline(), p.no_slower()) {
            (Some((b, ratio)), Some(holds)) => line(
                format!(
                    "{what} no slower than before: {:.1} ms against {b:.1} ms, {ratio:.2}",
                    p.wall().0
                ),
                holds,
            ),
            _ => println!("  {what} no slower than before: not measured (no --baseline)"),
        };
        slower("`createOrgApiKey --help`", &report.help);
        slower("first create", &report.first);
        slower(
            "`clusters listClusters` (before: `listOrgApiKeys`)",
            &report.clusters,
        );
    }

    fn version_line(&self, program: &Path) -> String {
        Command::new(program)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|t| t.lines().next().map(str::to_string))
            .unwrap_or_else(|| "version unknown".into())
    }
}

/// The stand-in and the relay, in their own process (`--serve`), asked over a pipe what they
/// saw.
struct Server {
    child: Child,
    ask: ChildStdin,
    answers: BufReader<ChildStdout>,
    /// The stand-in's URL.
    local: String,
    /// The relay's URL (40 ms round trip to the stand-in).
    far: String,
}

impl Server {
    fn start() -> Result<Server, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .arg("--serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the stand-in: {e}"))?;
        let ask = child.stdin.take().expect("piped");
        let mut answers = BufReader::new(child.stdout.take().expect("piped"));
        let mut line = String::new();
        answers.read_line(&mut line).map_err(|e| e.to_string())?;
        let mut urls = line.split_whitespace().map(str::to_string);
        let (Some(local), Some(far)) = (urls.next(), urls.next()) else {
            return Err(format!("the stand-in did not start: {line:?}"));
        };
        Ok(Server {
            child,
            ask,
            answers,
            local,
            far,
        })
    }

    fn ask(&mut self, question: &str) -> Result<String, String> {
        let broke = |e: std::io::Error| format!("the stand-in stopped answering: {e}");
        writeln!(self.ask, "{question}").map_err(broke)?;
        self.ask.flush().map_err(broke)?;
        let mut line = String::new();
        match self.answers.read_line(&mut line).map_err(broke)? {
            0 => Err("the stand-in stopped".into()),
            _ => Ok(line.trim().to_string()),
        }
    }

    /// Forgets the requests seen so far.
    fn reset(&mut self) -> Result<(), String> {
        self.ask("reset").map(drop)
    }

    /// How many requests arrived since the reset, and whether the last one was accepted.
    fn seen(&mut self) -> Result<(usize, bool), String> {
        let answer = self.ask("seen")?;
        let mut parts = answer.split(' ');
        match (parts.next().and_then(|n| n.parse().ok()), parts.next()) {
            (Some(n), Some(accepted)) => Ok((n, accepted == "1")),
            _ => Err(format!("the stand-in said {answer:?}")),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // The child ends when its stdin closes; be sure.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `--serve`: the stand-in (digest auth, bodies up to 256 MiB, not recorded) and the relay in
/// front of it; prints both URLs, then answers `reset` and `seen` on stdin until
/// it closes.
fn serve() {
    let server = match StandIn::start(Config {
        record_bodies: false,
        max_body: 256 << 20,
        ..Config::default()
    }) {
        Ok(server) => server,
        Err(e) => {
            println!("error: cannot start the stand-in: {e}");
            return;
        }
    };
    let relay = match Relay::start(server.addr(), ONE_WAY) {
        Ok(relay) => relay,
        Err(e) => {
            println!("error: cannot start the relay: {e}");
            return;
        }
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{} {}", server.url(), relay.url());
    let _ = out.flush();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let answer = match line.trim() {
            "reset" => {
                server.clear_requests();
                "ok".to_string()
            }
            "seen" => {
                let requests = server.requests();
                let accepted = requests.last().is_some_and(|r| r.authorized);
                format!("{} {}", requests.len(), u8::from(accepted))
            }
            other => format!("unknown question {other:?}"),
        };
        if writeln!(out, "{answer}")
            .and_then(|()| out.flush())
            .is_err()
        {
            break;
        }
    }
}

struct Report {
    list: Paired,
    clusters: Paired,
    first: Paired,
    repeat: Paired,
    help: Paired,
    /// Per size: the first call and the repeat call.
    bodies: Vec<(usize, Paired, Paired)>,
    far_first: Paired,
    far_repeat: Paired,
    sizes: Sizes,
    took: Duration,
}

struct Sizes {
    atlas: u64,
    curl: u64,
    baseline: Option<u64>,
    atlas_with_libraries: u64,
    curl_with_libraries: u64,
    baseline_with_libraries: Option<u64>,
}

/// Resets this process's peak RSS to its current RSS (Linux 4.0+). A child started with
/// `posix_spawn` shares this process's memory until it execs, and the kernel counts that
/// memory's peak as the child's own: without the reset, every child would report at least the
/// largest this process ever was.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// This process's resident memory now, in KiB (the floor of every peak-RSS figure, as
/// GNU time's own memory is the floor of its `%M`).
fn own_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// `nproc`, the CPU model and the date, as the README's table names the machine.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let date = Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|d| d.trim().to_string())
        .unwrap_or_default();
    format!("{date}, nproc {cpus}, {model}")
}

/// One budget line.
fn line(what: String, holds: bool) {
    println!("  {what}: {}", if holds { "holds" } else { "FAILS" });
}

/// Bytes in MB (10^6).
fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// The size of the executable without its symbols: as it is when it has none (release), or
/// of a copy stripped by `strip` (debug builds, for the CI smoke run).
fn stripped_size(path: &Path, work: &Path) -> u64 {
    let copy = work.join("stripped");
    let stripped = Command::new("strip")
        .arg("-o")
        .arg(&copy)
        .arg(path)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let size = if stripped {
        file_size(&copy)
    } else {
        file_size(path)
    };
    let _ = std::fs::remove_file(copy);
    size
}

/// The total size of the shared libraries `ldd` lists for `path`.
fn libraries_size(path: &Path) -> u64 {
    let Ok(output) = Command::new("ldd").arg(path).output() else {
        return 0;
    };
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let target = match line.split_once("=>") {
                Some((_, rest)) => rest.trim(),
                None => line.trim(),
            };
            let file = target.split_whitespace().next()?;
            file.starts_with('/').then(|| file_size(Path::new(file)))
        })
        .sum()
}

/// A program's path, looked up on PATH when it has no slash.
fn which(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return Some(program.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
compile_error!("atlas-bench reads `struct rusage` as 64-bit Linux lays it out");

/// `struct rusage` on 64-bit Linux: two `timeval`s, then 14 `long`s (`ru_maxrss` first, in
/// KiB).
#[repr(C)]
struct Rusage {
    utime: [i64; 2],
    stime: [i64; 2],
    maxrss: i64,
    rest: [i64; 13],
}

unsafe extern "C" {
    fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
}

/// Reaps the child: its exit code (128 + signal when killed) and peak RSS in KiB.
fn wait(pid: u32) -> Result<(i32, u64), String> {
    let mut status = 0;
    let mut usage = Rusage {
        utime: [0; 2],
        stime: [0; 2],
        maxrss: 0,
        rest: [0; 13],
    };
    loop {
        // SAFETY: waiting for our own child, with valid pointers to locals.
        let reaped = unsafe { wait4(pid as i32, &mut status, 0, &mut usage) };
        if reaped == pid as i32 {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4: {error}"));
        }
    }
    let code = match status & 0x7f {
        0 => (status >> 8) & 0xff,
        signal => 128 + signal,
    };
    Ok((code, usage.maxrss.max(0) as u64))
}
