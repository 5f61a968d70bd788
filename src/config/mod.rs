//! The configuration the Go CLI users already have: `<config dir>/atlascli/config.toml`
//! (top-level keys plus one table per profile) and the `MONGODB_ATLAS_*` / `MCLI_*`
//! environment variables.
//!
//! A property is looked up as the reference does: environment variable, then (for the six
//! secrets) the OS keyring's value that the credentials layer laid over the profile, then a
//! top-level key, then the key in the chosen profile. The file is only read, never written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};

/// Profile properties: every top-level key that is none of these (nor a global) is a profile.
const PROFILE_PROPERTIES: &[&str] = &[
    "access_token",
    "account_url",
    "api_version",
    "auth_type",
    "base_url",
    "client_id",
    "client_secret",
    "http_timeout",
    "ops_manager_url",
    "org_id",
    "output",
    "private_api_key",
    "project_id",
    "public_api_key",
    "refresh_token",
    "service",
];

/// The properties read from `MONGODB_ATLAS_<KEY>` (or `MCLI_<KEY>`) variables: the profile's
/// that this project uses, and the profile's name.
const ENV_PROPERTIES: &[&str] = &[
    "access_token",
    "account_url",
    "api_version",
    "auth_type",
    "client_id",
    "client_secret",
    "http_timeout",
    "ops_manager_url",
    "org_id",
    "private_api_key",
    "profile",
    "project_id",
    "public_api_key",
    "refresh_token",
    "service",
];

/// The properties the Go CLI keeps in the OS keyring when it has one (behavior §c).
pub const SECRET_PROPERTIES: [&str; 6] = [
    "public_api_key",
    "private_api_key",
    "access_token",
    "refresh_token",
    "client_id",
    "client_secret",
];

const GLOBAL_PROPERTIES: &[&str] = &[
    "local_deployment_image",
    "mongosh_path",
    "silence_storage_warning",
    "skip_update_check",
    "telemetry_enabled",
    "version",
];

const CLOUD_URL: &str = "https://cloud.mongodb.com/";
const CLOUD_GOV_URL: &str = "https://cloud.mongodbgov.com/";
const DEFAULT_HTTP_TIMEOUT_SECS: u64 = 120;
const MAX_HTTP_TIMEOUT_SECS: u64 = 100 * 365 * 86_400;

/// A snapshot of the environment, so lookups are testable without touching the process.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    pub fn from_process() -> Env {
        Env {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    #[cfg(test)]
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Env {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The variable prefix: `MCLI_` as soon as any variable's name starts with `MCLI`.
    pub fn prefix(&self) -> &'static str {
        if self.vars.keys().any(|k| k.starts_with("MCLI")) {
            "MCLI_"
        } else {
            "MONGODB_ATLAS_"
        }
    }

    /// The warning for `MONGODB_ATLAS_*` variables that an `MCLI*` variable hides (the Go CLI
    /// reads only one family, and switches without a word): `Some` when such a variable is set
    /// and a non-empty `MONGODB_ATLAS_<KEY>` names a key this project reads. It names the
    /// byte-wise smallest variable starting with `MCLI`.
    pub fn ignored_variables_warning(&self) -> Option<String> {
        let mcli = self.vars.keys().find(|k| k.starts_with("MCLI"))?;
        let hidden = ENV_PROPERTIES.iter().any(|key| {
            self.get(&format!("MONGODB_ATLAS_{}", key.to_uppercase()))
                .is_some_and(|v| !v.is_empty())
        });
        hidden.then(|| {
            format!("warning: MONGODB_ATLAS_* variables are ignored because {mcli} is set")
        })
    }

    /// The environment's value for a property, if set and non-empty.
    pub fn property(&self, key: &str) -> Option<&str> {
        let name = format!("{}{}", self.prefix(), key.to_uppercase());
        self.get(&name).filter(|v| !v.is_empty())
    }
}

/// Debug output names the variables, never their values (they may hold keys).
impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("names", &self.vars.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Where the config file lives: `<UserConfigDir>/atlascli/config.toml`, as Go finds it.
pub fn config_path(env: &Env) -> Result<PathBuf> {
    let base = if cfg!(any(target_os = "macos", windows)) {
        dirs::config_dir()
    } else {
        match env.get("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
            Some(dir) if !Path::new(dir).is_absolute() => {
                bail!("path in $XDG_CONFIG_HOME is relative")
            }
            Some(dir) => Some(PathBuf::from(dir)),
            None => env
                .get("HOME")
                .filter(|h| !h.is_empty())
                .map(|home| Path::new(home).join(".config"))
                .or_else(dirs::config_dir),
        }
    };
    let base = base.ok_or_else(|| anyhow!("neither $XDG_CONFIG_HOME nor $HOME are defined"))?;
    Ok(base.join("atlascli").join("config.toml"))
}

/// The parsed config file (empty when the file does not exist).
pub struct ConfigFile {
    path: PathBuf,
    table: toml::Table,
    /// The warnings about who else can change the file (README "Other users on the same
    /// host"), in the order they are printed.
    trust_warnings: Vec<String>,
}

impl ConfigFile {
    /// Reads and parses the file; a missing file is an empty configuration.
    pub fn load(path: &Path) -> Result<ConfigFile> {
        let (bytes, trust_warnings) = match read_bounded(path) {
            Ok((bytes, meta)) => (bytes, trust_warnings(path, &meta)),
            Err(ReadError::Os(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                (Vec::new(), Vec::new())
            }
            Err(ReadError::Os(e)) => bail!(
                "cannot read {}: {}",
                path.display(),
                crate::support::error::os_error_text(&e)
            ),
            Err(ReadError::NotRegular) => {
                bail!("cannot read {}: not a regular file", path.display())
            }
            Err(ReadError::TooLarge) => bail!("cannot read {}: larger than 16 MiB", path.display()),
        };
        let table = parse_toml(&bytes)
            .map(lower_case_keys)
            .map_err(|e| anyhow!("cannot parse {}: {e}", path.display()))?;
        Ok(ConfigFile {
            path: path.to_path_buf(),
            table,
            trust_warnings,
        })
    }

    /// The profile tables, in file order.
    /// Every top-level key that is not a known property names a profile, as in the reference.
    fn profile_names(&self) -> Vec<&str> {
        self.table
            .keys()
            .filter(|k| !is_property(k))
            .map(String::as_str)
            .collect()
    }

    /// The names of the profile tables, sorted (what `-P` completes to).
    pub fn profile_tables(&self) -> Vec<&str> {
        self.table
            .iter()
            .filter(|(k, v)| v.is_table() && !is_property(k))
            .map(|(k, _)| k.as_str())
            .collect()
    }

    /// Chooses the profile: `-P`, else `MONGODB_ATLAS_PROFILE`, else the only profile, else
    /// `default`; the name is lower-cased and may not contain a dot. A profile named by the
    /// user (flag, environment or top-level `profile` key) that the file does not have still
    /// runs, as in the reference, after a warning on `warnings`.
    pub fn profile(
        self,
        flag: Option<&str>,
        env: &Env,
        warnings: &mut dyn std::io::Write,
    ) -> Result<Profile> {
        for line in &self.trust_warnings {
            let _ = writeln!(warnings, "{line}");
        }
        let named = flag.filter(|f| !f.is_empty()).or_else(|| {
            // The `profile` property: the environment, else a top-level `profile` string.
            env.property("profile").or_else(|| {
                self.table
                    .get("profile")
                    .and_then(toml::Value::as_str)
                    .filter(|s| !s.is_empty())
            })
        });
        let chosen = match named {
            Some(name) => name.to_string(),
            None => match self.profile_names().as_slice() {
                [only] => only.to_string(),
                _ => "default".to_string(),
            },
        };
        if chosen.contains('.') {
            bail!(
                "profile should not contain '.': {}",
                crate::support::quote::go_quote(&chosen)
            );
        }
        let name = chosen.to_lowercase();
        let section = match self.table.get(&name) {
            Some(toml::Value::Table(t)) if !is_property(&name) => t.clone(),
            Some(_) if !is_property(&name) => {
                bail!("invalid {name} in {}: expected table", self.path.display())
            }
            _ => {
                if named.is_some() {
                    let _ = writeln!(
                        warnings,
                        "warning: profile {} not found in {}",
                        crate::support::quote::go_quote(&crate::support::quote::shorten(&chosen)),
                        self.path.display()
                    );
                }
                toml::Table::new()
            }
        };
        check_types(&self.table, &self.path)?;
        check_types(&section, &self.path)?;
        Ok(Profile {
            name,
            path: self.path,
            top: self.table,
            section,
            keyring: BTreeMap::new(),
            env: env.clone(),
        })
    }
}

/// The largest `config.toml` read.
const CONFIG_MAX_BYTES: u64 = 16 << 20;

pub(crate) enum ReadError {
    Os(std::io::Error),
    NotRegular,
    TooLarge,
}

/// Reads the file the path names after following links, if it is a regular file of at most
/// 16 MiB. It is opened without blocking, so a FIFO in its place is refused instead of
/// waiting for a writer, and read through a bound, so a link to `/dev/zero` cannot fill
/// memory.
/// The file's text, read as `config.toml` always is: a regular file of at most 16 MiB (after
/// following links), opened without blocking; errors in the words `ConfigFile::load` uses.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = read_bytes(path)?;
    String::from_utf8(bytes).map_err(|_| anyhow!("cannot read {}: not UTF-8", path.display()))
}

/// Who else can change `config.toml`, and so point the credentials at their server: the
/// file's owner (neither the user nor root), the folder holding the real file after links
/// and the folder holding the name as found (group or others may write it, no sticky bit),
/// then the file's own permission bits; each line once, in that order.
fn trust_warnings(path: &Path, meta: &std::fs::Metadata) -> Vec<String> {
    use std::os::unix::fs::MetadataExt;
    let shown = path.display();
    let mut lines = Vec::new();
    let owner = meta.uid();
    if owner != crate::support::atomic_file::effective_uid() && owner != 0 {
        lines.push(format!(
            "warning: {shown} is owned by another user; anyone who can change it can redirect your credentials"
        ));
    }
    let name_folder = crate::support::atomic_file::folder_of(path);
    let real_folder = std::fs::canonicalize(path)
        .ok()
        .and_then(|real| real.parent().map(Path::to_path_buf));
    let stat = |folder: &Path| std::fs::metadata(folder).ok();
    let name_meta = stat(&name_folder);
    let mut folders = Vec::new();
    if let Some((real, real_meta)) = real_folder.and_then(|f| stat(&f).map(|m| (f, m))) {
        let same = name_meta
            .as_ref()
            .is_some_and(|n| (n.dev(), n.ino()) == (real_meta.dev(), real_meta.ino()));
        if !same {
            folders.push((real, real_meta));
        }
    }
    folders.extend(name_meta.map(|m| (name_folder, m)));
    for (folder, folder_meta) in folders {
        if folder_meta.mode() & 0o022 != 0 && folder_meta.mode() & 0o1000 == 0 {
            lines.push(format!(
                "warning: {} is writable by other users; anyone who can change {shown} can redirect your credentials",
                folder.display()
            ));
        }
    }
    if meta.mode() & 0o022 != 0 {
        lines.push(format!(
            "warning: {shown} is writable by other users; anyone who can change it can redirect your credentials"
        ));
    }
    lines
}

/// The bytes of a file named by the user or the environment, bounded as `config.toml` is ("Bounded
/// by design"): a regular file after following links, of at most 16 MiB; errors read
/// `cannot read <path>: <reason>`.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    read_bytes_or(path).map_err(|e| e.with_path(path))
}

/// As [`read_bytes`], the failure not yet worded.
pub(crate) fn read_bytes_or(path: &Path) -> std::result::Result<Vec<u8>, ReadError> {
    read_bounded(path).map(|(bytes, _)| bytes)
}

impl ReadError {
    /// `cannot read <path>: <reason>`.
    pub(crate) fn with_path(self, path: &Path) -> anyhow::Error {
        match self {
            ReadError::Os(e) => anyhow!(
                "cannot read {}: {}",
                path.display(),
                crate::support::error::os_error_text(&e)
            ),
            ReadError::NotRegular => anyhow!("cannot read {}: not a regular file", path.display()),
            ReadError::TooLarge => anyhow!("cannot read {}: larger than 16 MiB", path.display()),
        }
    }
}

/// Also gives the file's metadata (from the descriptor read).
fn read_bounded(path: &Path) -> std::result::Result<(Vec<u8>, std::fs::Metadata), ReadError> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(ReadError::Os)?;
    let meta = file.metadata().map_err(ReadError::Os)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    let mut bytes = Vec::new();
    file.take(CONFIG_MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Os)?;
    if bytes.len() as u64 > CONFIG_MAX_BYTES {
        return Err(ReadError::TooLarge);
    }
    Ok((bytes, meta))
}

/// Debug output names the file, never its values (they may hold keys).
impl std::fmt::Debug for ConfigFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Debug output names the profile and file, never its values.
impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("name", &self.name)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Keys are case-insensitive, as viper reads them: `[Prod]` is profile `prod`, `Org_Id` is
/// `org_id`.
fn lower_case_keys(table: toml::Table) -> toml::Table {
    table
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                toml::Value::Table(inner) => toml::Value::Table(lower_case_keys(inner)),
                other => other,
            };
            (key.to_lowercase(), value)
        })
        .collect()
}

fn is_property(key: &str) -> bool {
    PROFILE_PROPERTIES.contains(&key) || GLOBAL_PROPERTIES.contains(&key)
}

/// "Config errors": a known property holding a value of the wrong type is an error, naming only the
/// key.
fn check_types(table: &toml::Table, path: &Path) -> Result<()> {
    for (key, value) in table {
        let expected = if key == "http_timeout" {
            (!value.is_integer() && !value.is_str()).then_some("integer")
        } else if PROFILE_PROPERTIES.contains(&key.as_str()) {
            (!value.is_str()).then_some("string")
        } else {
            None
        };
        if let Some(expected) = expected {
            bail!("invalid {key} in {}: expected {expected}", path.display());
        }
    }
    Ok(())
}

/// Parses TOML; the error names the reason and position, never the file's content.
fn parse_toml(bytes: &[u8]) -> std::result::Result<toml::Table, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_and_column(bytes, e.valid_up_to());
        format!("invalid UTF-8 at line {line}, column {column}")
    })?;
    text.parse::<toml::Table>().map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let (line, column) = line_and_column(bytes, offset);
        let reason = e.message().trim_end_matches('\n').replace('\n', "; ");
        format!("{reason} at line {line}, column {column}")
    })
}

/// 1-based line and column (in characters) of a byte offset.
fn line_and_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Where a property was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Environment,
    /// The OS keyring's item for the profile and property (README "Where credentials are looked
    /// for").
    Keyring,
    /// A top-level key of the config file.
    TopLevel,
    /// The named profile's table (name lower-cased).
    Profile(String),
}

/// The chosen profile, with the file's top level and the environment layered over it.
pub struct Profile {
    pub name: String,
    path: PathBuf,
    top: toml::Table,
    section: toml::Table,
    /// Secret properties read from the OS keyring (between the environment and the file).
    keyring: BTreeMap<String, String>,
    env: Env,
}

impl Profile {
    /// A property by the reference's lookup order; empty values count as unset.
    pub fn get(&self, key: &str) -> Option<String> {
        self.lookup(key).map(|(value, _)| value)
    }

    /// A property and where it was found.
    pub fn lookup(&self, key: &str) -> Option<(String, Source)> {
        if let Some(v) = self.env.property(key) {
            return Some((v.to_string(), Source::Environment));
        }
        if let Some(v) = self.keyring.get(key).filter(|v| !v.is_empty()) {
            return Some((v.clone(), Source::Keyring));
        }
        let value = |table: &toml::Table| match table.get(key) {
            Some(toml::Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(toml::Value::Integer(i)) => Some(i.to_string()),
            _ => None,
        };
        value(&self.top)
            .map(|v| (v, Source::TopLevel))
            .or_else(|| value(&self.section).map(|v| (v, Source::Profile(self.name.clone()))))
    }

    /// The secret properties worth asking the keyring for: those no environment variable gives.
    pub fn secrets_to_look_up(&self) -> Vec<&'static str> {
        SECRET_PROPERTIES
            .into_iter()
            .filter(|key| self.env.property(key).is_none())
            .collect()
    }

    /// Lays a value read from the keyring over the file's (the environment still wins).
    pub fn set_from_keyring(&mut self, key: &str, value: String) {
        if SECRET_PROPERTIES.contains(&key) {
            self.keyring.insert(key.to_string(), value);
        }
    }

    /// The environment variables' prefix in force (`MONGODB_ATLAS_` or `MCLI_`).
    pub fn env_prefix(&self) -> &'static str {
        self.env.prefix()
    }

    /// The config file this profile was read from (named in credential hints).
    pub fn config_path(&self) -> &Path {
        &self.path
    }

    /// Rejects a `service` other than cloud or cloudgov.
    pub fn check_service(&self) -> Result<()> {
        match self.get("service").as_deref() {
            None | Some("cloud") | Some("cloudgov") => Ok(()),
            Some(other) => bail!("unsupported service: {other}"),
        }
    }

    /// The API's base URL: `ops_manager_url`, else the service's cloud.
    pub fn base_url(&self) -> String {
        if let Some(url) = self.get("ops_manager_url") {
            return url;
        }
        match self.get("service").as_deref() {
            Some("cloudgov") => CLOUD_GOV_URL.to_string(),
            _ => CLOUD_URL.to_string(),
        }
    }

    /// "Timeouts": seconds one HTTP request may take, from `http_timeout` (default 120).
    pub fn http_timeout_secs(&self) -> Result<u64> {
        match self.get("http_timeout") {
            None => Ok(DEFAULT_HTTP_TIMEOUT_SECS),
            Some(v) => match v.trim().parse::<u64>() {
                // Any positive number is accepted; past a century it is a century, so no
                // deadline computed from it can overflow.
                Ok(n) if n > 0 => Ok(n.min(MAX_HTTP_TIMEOUT_SECS)),
                _ => bail!(
                    "invalid http_timeout {}",
                    crate::support::quote::go_quote(&crate::support::quote::shorten(&v))
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::type_complexity)]

    use super::*;

    fn profile(toml: &str, flag: Option<&str>, env: &[(&str, &str)]) -> Result<Profile> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, toml).unwrap();
        ConfigFile::load(&path)
            .and_then(|c| c.profile(flag, &Env::from_pairs(env.iter().copied()), &mut Vec::new()))
    }

    const TWO: &str = "org_id = 'top'\n[default]\norg_id = 'def'\nproject_id = 'pdef'\n[ci]\norg_id = 'ci'\nservice = 'cloudgov'\n";

    #[test]
    fn chooses_the_profile_like_the_reference() {
        let cases: &[(&str, Option<&str>, &[(&str, &str)], &str)] = &[
            (TWO, None, &[], "default"),
            (TWO, Some("CI"), &[], "ci"),
            (TWO, None, &[("MONGODB_ATLAS_PROFILE", "ci")], "ci"),
            (
                TWO,
                Some("default"),
                &[("MONGODB_ATLAS_PROFILE", "ci")],
                "default",
            ),
            (TWO, None, &[("MCLI_PROFILE", "ci")], "ci"),
            ("[only]\norg_id = 'x'\n", None, &[], "only"),
            (
                "skip_update_check = true\n[only]\norg_id = 'x'\n",
                None,
                &[],
                "only",
            ),
            ("stray = 'x'\n[only]\norg_id = 'x'\n", None, &[], "default"),
            ("profile = 'ci'\n[ci]\n[default]\n", None, &[], "ci"),
            (
                "profile = 'ci'\n[ci]\n",
                None,
                &[("MONGODB_ATLAS_PROFILE", "default")],
                "default",
            ),
            ("", None, &[], "default"),
            (TWO, Some("absent"), &[], "absent"),
        ];
        for (toml, flag, env, want) in cases {
            assert_eq!(
                profile(toml, *flag, env).unwrap().name,
                *want,
                "{flag:?} {env:?}"
            );
        }
    }

    #[test]
    fn the_keyring_sits_between_the_environment_and_the_file() {
        let toml = "public_api_key = 'top'\n[default]\nprivate_api_key = 'file'\nclient_id = 'file-id'\norg_id = 'o'\n";
        let env = [("MONGODB_ATLAS_CLIENT_ID", "env-id")];
        let mut p = profile(toml, None, &env).unwrap();
        assert_eq!(
            p.secrets_to_look_up(),
            [
                "public_api_key",
                "private_api_key",
                "access_token",
                "refresh_token",
                "client_secret"
            ],
            "only what the environment does not give"
        );
        p.set_from_keyring("public_api_key", "ring-pub".into());
        p.set_from_keyring("private_api_key", "ring-priv".into());
        p.set_from_keyring("client_id", "ring-id".into());
        p.set_from_keyring("access_token", String::new());
        p.set_from_keyring("org_id", "not-a-secret".into());
        let got = |key: &str| p.lookup(key);
        assert_eq!(
            got("public_api_key"),
            Some(("ring-pub".into(), Source::Keyring))
        );
        assert_eq!(
            got("private_api_key"),
            Some(("ring-priv".into(), Source::Keyring))
        );
        assert_eq!(
            got("client_id"),
            Some(("env-id".into(), Source::Environment))
        );
        assert_eq!(got("access_token"), None, "an empty item counts as unset");
        assert_eq!(
            got("org_id"),
            Some(("o".into(), Source::Profile("default".into())))
        );
        let all_env: Vec<(String, String)> = SECRET_PROPERTIES
            .iter()
            .map(|k| (format!("MCLI_{}", k.to_uppercase()), "v".to_string()))
            .collect();
        let pairs: Vec<(&str, &str)> = all_env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert!(
            profile(toml, None, &pairs)
                .unwrap()
                .secrets_to_look_up()
                .is_empty()
        );
    }

    #[test]
    fn looks_up_env_then_top_level_then_profile() {
        let p = profile(TWO, Some("ci"), &[]).unwrap();
        assert_eq!(p.get("org_id").as_deref(), Some("top"));
        assert_eq!(p.get("service").as_deref(), Some("cloudgov"));
        assert_eq!(p.get("project_id"), None);
        let p = profile(TWO, None, &[("MONGODB_ATLAS_ORG_ID", "env")]).unwrap();
        assert_eq!(p.get("org_id").as_deref(), Some("env"));
        assert_eq!(p.get("project_id").as_deref(), Some("pdef"));
        let p = profile(TWO, None, &[("MONGODB_ATLAS_PROJECT_ID", "")]).unwrap();
        assert_eq!(p.get("project_id").as_deref(), Some("pdef"));
        // Any MCLI variable switches the prefix: MONGODB_ATLAS_ variables are then ignored.
        let p = profile(
            TWO,
            None,
            &[("MONGODB_ATLAS_PROJECT_ID", "m"), ("MCLI_X", "1")],
        )
        .unwrap();
        assert_eq!(p.get("project_id").as_deref(), Some("pdef"));
        let p = profile(TWO, None, &[("MCLI_PROJECT_ID", "mcli")]).unwrap();
        assert_eq!(p.get("project_id").as_deref(), Some("mcli"));
    }

    #[test]
    fn hidden_mongodb_atlas_variables_are_named() {
        let warning = |pairs: &[(&str, &str)]| {
            Env::from_pairs(pairs.iter().copied()).ignored_variables_warning()
        };
        let expected = "warning: MONGODB_ATLAS_* variables are ignored because MCLIX is set";
        let pairs = [
            ("MCLI_TELEMETRY_ENABLED", "false"),
            ("MCLIX", ""),
            ("MONGODB_ATLAS_PUBLIC_API_KEY", "k"),
        ];
        assert_eq!(warning(&pairs).as_deref(), Some(expected));
        assert_eq!(
            warning(&[("MCLI_X", "1"), ("MONGODB_ATLAS_PROFILE", "p")]).as_deref(),
            Some("warning: MONGODB_ATLAS_* variables are ignored because MCLI_X is set")
        );
        // Nothing hidden: no MCLI variable, an empty value, or a key this project never reads.
        assert_eq!(warning(&[("MONGODB_ATLAS_ORG_ID", "o")]), None);
        assert_eq!(
            warning(&[("MCLI_X", "1"), ("MONGODB_ATLAS_ORG_ID", "")]),
            None
        );
        assert_eq!(
            warning(&[("MCLI_X", "1"), ("MONGODB_ATLAS_BASE_URL", "u")]),
            None
        );
        assert_eq!(
            warning(&[("MCLI_X", "1"), ("MONGODB_ATLAS_OUTPUT", "json")]),
            None
        );
    }

    #[test]
    fn profile_names_and_keys_are_case_insensitive() {
        let toml = "[Prod]\nOrg_Id = 'p'\nAPI_VERSION = '2023-01-01'\n";
        for flag in [None, Some("PROD"), Some("prod"), Some("Prod")] {
            let p = profile(toml, flag, &[]).unwrap();
            assert_eq!(p.name, "prod");
            assert_eq!(p.get("org_id").as_deref(), Some("p"), "{flag:?}");
            assert_eq!(p.get("api_version").as_deref(), Some("2023-01-01"));
        }
    }

    #[test]
    fn base_url_follows_ops_manager_url_then_service() {
        let p = profile(TWO, Some("ci"), &[]).unwrap();
        assert_eq!(p.base_url(), CLOUD_GOV_URL);
        let p = profile(TWO, None, &[]).unwrap();
        assert_eq!(p.base_url(), CLOUD_URL);
        let p = profile(
            TWO,
            None,
            &[("MONGODB_ATLAS_OPS_MANAGER_URL", "http://127.0.0.1:1/")],
        )
        .unwrap();
        assert_eq!(p.base_url(), "http://127.0.0.1:1/");
    }

    #[test]
    fn rejects_bad_names_services_and_types() {
        let err =
            |toml: &str, flag: Option<&str>| profile(toml, flag, &[]).unwrap_err().to_string();
        assert_eq!(
            err(TWO, Some("my.prof")),
            "profile should not contain '.': \"my.prof\""
        );
        assert!(err("[default]\norg_id = 5\n", None).ends_with("config.toml: expected string"));
        assert!(err("[default]\norg_id = 5\n", None).starts_with("invalid org_id in "));
        assert!(err("default = 'x'\n", None).starts_with("invalid default in "));
        let p = profile("[default]\nservice = 'other'\n", None, &[]).unwrap();
        assert_eq!(
            p.check_service().unwrap_err().to_string(),
            "unsupported service: other"
        );
    }

    #[test]
    fn parse_errors_give_position_but_never_content() {
        let secret = "[default]\nprivate_api_key = 'super-secret\n";
        let err = profile(secret, None, &[]).unwrap_err().to_string();
        assert!(err.starts_with("cannot parse "), "{err}");
        assert!(err.contains(" at line 2, column "), "{err}");
        assert!(!err.contains("super-secret"), "{err}");
        let err = parse_toml(b"a = 1\nb = \xff\n").unwrap_err();
        assert_eq!(err, "invalid UTF-8 at line 2, column 5");
    }

    #[test]
    fn http_timeout_must_be_a_positive_integer() {
        let p = profile("", None, &[]).unwrap();
        assert_eq!(p.http_timeout_secs().unwrap(), 120);
        let p = profile("http_timeout = 7\n", None, &[]).unwrap();
        assert_eq!(p.http_timeout_secs().unwrap(), 7);
        let p = profile("", None, &[("MONGODB_ATLAS_HTTP_TIMEOUT", "0")]).unwrap();
        assert_eq!(
            p.http_timeout_secs().unwrap_err().to_string(),
            "invalid http_timeout \"0\""
        );
    }

    #[test]
    fn random_configs_never_panic() {
        let pieces = [
            "[default]",
            "[ci]",
            "[a.b]",
            "\n",
            "org_id",
            "service",
            "http_timeout",
            " = ",
            "'x'",
            "\"y\"",
            "5",
            "-1",
            "true",
            "[1, 2]",
            "{ a = 1 }",
            "ops_manager_url",
            "private_api_key",
            "default",
            "'",
            "#",
            ".",
            "=",
            "[",
            "]",
            "\"",
            "\\",
            "1979-05-27T07:32:00Z",
            "inf",
        ];
        let mut rng = crate::support::fuzzing::Rng::new(7);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        for _ in 0..crate::support::fuzzing::iterations(2_000) {
            let text = rng.text(&pieces, 30);
            let _ = parse_toml(text.as_bytes());
            let _ = parse_toml(&rng.bytes(64));
            std::fs::write(&path, &text).unwrap();
            let env = Env::from_pairs([("MONGODB_ATLAS_HTTP_TIMEOUT", "9")]);
            if let Ok(profile) =
                ConfigFile::load(&path).and_then(|c| c.profile(None, &env, &mut Vec::new()))
            {
                let _ = (
                    profile.base_url(),
                    profile.check_service(),
                    profile.http_timeout_secs(),
                );
                let _ = crate::credentials::Credentials::from_profile(
                    &profile,
                    crate::credentials::keyring::Keyring::none(),
                );
            }
        }
    }

    #[test]
    fn relative_xdg_config_home_is_an_error() {
        let env = Env::from_pairs([("XDG_CONFIG_HOME", "rel/dir")]);
        if !cfg!(any(target_os = "macos", windows)) {
            assert_eq!(
                config_path(&env).unwrap_err().to_string(),
                "path in $XDG_CONFIG_HOME is relative"
            );
            let env = Env::from_pairs([("XDG_CONFIG_HOME", "/x")]);
            assert_eq!(
                config_path(&env).unwrap(),
                PathBuf::from("/x/atlascli/config.toml")
            );
            let env = Env::from_pairs([("HOME", "/h")]);
            assert_eq!(
                config_path(&env).unwrap(),
                PathBuf::from("/h/.config/atlascli/config.toml")
            );
        }
    }
}
