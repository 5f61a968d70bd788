//! The TLS trust roots named by `SSL_CERT_FILE` and `SSL_CERT_DIR`, read here with the bounds of
//! `config.toml` (README "Bounded by design") instead of by the TLS library, which would read a FIFO
//! forever or `/dev/zero` without end: the file must be a regular file of at most 16 MiB (else the
//! run fails before sending); a file of the folders that breaks that rule is skipped.

use std::collections::HashSet;
use std::ffi::OsString;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::Result;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::config::ReadError;

/// The roots the variables name, or `None` when neither is set (the system store is used).
/// An empty list means none could be loaded.
pub fn from_environment(
    var: impl Fn(&str) -> Option<OsString>,
) -> Result<Option<Vec<reqwest::Certificate>>> {
    let file = var("SSL_CERT_FILE").filter(|v| !v.is_empty());
    let dirs: Vec<PathBuf> = var("SSL_CERT_DIR")
        .map(|v| std::env::split_paths(&v).collect())
        .unwrap_or_default();
    let dirs: Vec<PathBuf> = dirs
        .into_iter()
        .filter(|d| !d.as_os_str().is_empty())
        .collect();
    if file.is_none() && dirs.is_empty() {
        return Ok(None);
    }
    let mut seen = HashSet::new();
    let mut ders: Vec<CertificateDer<'static>> = Vec::new();
    if let Some(file) = file {
        let path = PathBuf::from(file);
        match crate::config::read_bytes_or(&path) {
            Ok(bytes) => {
                if let Ok(meta) = std::fs::metadata(&path) {
                    seen.insert((meta.dev(), meta.ino()));
                }
                ders.extend(certificates(&bytes));
            }
            // As the TLS library did: a file that cannot be opened adds nothing.
            Err(ReadError::Os(_)) => {}
            Err(e) => return Err(e.with_path(&path)),
        }
    }
    for dir in &dirs {
        ders.extend(from_folder(dir, &mut seen));
    }
    ders.sort_unstable_by(|a, b| a.as_ref().cmp(b.as_ref()));
    ders.dedup();
    Ok(Some(
        ders.iter()
            .filter(|der| webpki::anchor_from_trusted_cert(der).is_ok())
            .filter_map(|der| reqwest::Certificate::from_der(der).ok())
            .collect(),
    ))
}

/// The certificates of the folder's files (not its sub-folders), each file read once however
/// many links name it; a file that is not regular or is larger than 16 MiB is skipped.
fn from_folder(dir: &Path, seen: &mut HashSet<(u64, u64)>) -> Vec<CertificateDer<'static>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() || !seen.insert((meta.dev(), meta.ino())) {
            continue;
        }
        if let Ok(bytes) = crate::config::read_bytes_or(&path) {
            out.extend(certificates(&bytes));
        }
    }
    out
}

/// The PEM certificates of a file; other PEM sections and broken ones are passed over.
fn certificates(bytes: &[u8]) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(bytes)
        .filter_map(|cert| cert.ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(vars: &[(&str, &Path)]) -> Result<Option<usize>> {
        let vars: Vec<(String, OsString)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_os_str().to_owned()))
            .collect();
        from_environment(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .map(|roots| roots.map(|r| r.len()))
    }

    #[test]
    fn unset_means_the_system_store_and_bad_files_are_refused_or_skipped() {
        assert_eq!(load(&[]).unwrap(), None);
        let zero = Path::new("/dev/zero");
        assert_eq!(
            load(&[("SSL_CERT_FILE", zero)]).unwrap_err().to_string(),
            "cannot read /dev/zero: not a regular file"
        );
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.pem");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(17 << 20)
            .unwrap();
        assert_eq!(
            load(&[("SSL_CERT_FILE", &big)]).unwrap_err().to_string(),
            format!("cannot read {}: larger than 16 MiB", big.display())
        );
        let fifo = dir.path().join("fifo.pem");
        let name = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        // In a folder, the FIFO and the huge file are skipped, not read.
        assert_eq!(load(&[("SSL_CERT_DIR", dir.path())]).unwrap(), Some(0));
        let missing = dir.path().join("missing.pem");
        assert_eq!(load(&[("SSL_CERT_FILE", &missing)]).unwrap(), Some(0));
    }
}
