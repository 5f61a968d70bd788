//! The Windows Credential Manager, as go-keyring uses it: generic credentials named
//! `<service>:<account>` whose blob is the value's UTF-8 bytes. The calls block, so they run
//! on tokio's blocking pool, within the keyring's time.

use anyhow::{Result, anyhow, bail};
use windows_sys::Win32::Security::Credentials::{
    CRED_TYPE_GENERIC, CREDENTIALW, CredFree, CredReadW, CredWriteW,
};

use super::Backend;
use super::decode;
use crate::support::secret::Secret;

pub struct CredentialManager;

impl Backend for CredentialManager {
    async fn open() -> Option<CredentialManager> {
        Some(CredentialManager)
    }

    async fn get(&mut self, service: &str, accounts: &[&str]) -> Vec<Option<Secret<String>>> {
        let targets: Vec<Vec<u16>> = accounts
            .iter()
            .map(|account| decode::windows_target(service, account))
            .collect();
        let read_all = move || targets.iter().map(|t| read(t)).collect::<Vec<_>>();
        match tokio::task::spawn_blocking(read_all).await {
            Ok(values) => values
                .into_iter()
                .map(|value| value.map(Secret::new))
                .collect(),
            Err(_) => accounts.iter().map(|_| None).collect(),
        }
    }

    async fn set(&mut self, service: &str, account: &str, value: &Secret<String>) -> Result<()> {
        let target = decode::windows_target(service, account);
        let blob = value.expose().as_bytes().to_vec();
        if blob.len() > 2560 {
            bail!("the new {account} is too long for the Credential Manager");
        }
        tokio::task::spawn_blocking(move || write(&target, &blob))
            .await
            .map_err(|e| anyhow!("{e}"))?
    }
}

/// The credential's blob as text, if it exists and is UTF-8.
fn read(target: &[u16]) -> Option<String> {
    let mut found: *mut CREDENTIALW = std::ptr::null_mut();
    // SAFETY: `target` ends with a zero; on success `found` points to a credential that
    // CredFree releases, and its blob is `CredentialBlobSize` bytes long.
    unsafe {
        if CredReadW(target.as_ptr(), CRED_TYPE_GENERIC, 0, &mut found) == 0 {
            return None;
        }
        let credential = &*found;
        let blob = if credential.CredentialBlob.is_null() {
            &[][..]
        } else {
            std::slice::from_raw_parts(
                credential.CredentialBlob,
                credential.CredentialBlobSize as usize,
            )
        };
        let text = decode::windows_blob(blob);
        CredFree(found as *const core::ffi::c_void);
        text
    }
}

/// Replaces the blob of the existing credential, keeping everything else it has.
fn write(target: &[u16], blob: &[u8]) -> Result<()> {
    let mut found: *mut CREDENTIALW = std::ptr::null_mut();
    // SAFETY: as in `read`; the credential is copied, its blob pointed at `blob` (alive
    // until CredWriteW returns), written, and the original released.
    unsafe {
        if CredReadW(target.as_ptr(), CRED_TYPE_GENERIC, 0, &mut found) == 0 {
            bail!("the credential is no longer in the Credential Manager");
        }
        let mut updated: CREDENTIALW = *found;
        updated.CredentialBlob = blob.as_ptr() as *mut u8;
        updated.CredentialBlobSize = blob.len() as u32;
        let written = CredWriteW(&updated, 0);
        CredFree(found as *const core::ffi::c_void);
        if written == 0 {
            bail!("the Credential Manager refused the new value");
        }
    }
    Ok(())
}
