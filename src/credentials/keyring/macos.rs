//! The macOS keychains (the user's search list) through `/usr/bin/security`, as go-keyring
//! reads and writes them.
//! No library: the items the Go CLI created trust `/usr/bin/security`, and any other reader
//! would make macOS ask the user for access. A non-zero exit is a miss; the child is killed
//! when the keyring's time is up.

use std::process::Stdio;

use anyhow::{Result, bail};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::Backend;
use super::decode;
use crate::support::secret::Secret;

const SECURITY: &str = "/usr/bin/security";

pub struct Keychain;

impl Backend for Keychain {
    async fn open() -> Option<Keychain> {
        std::path::Path::new(SECURITY).exists().then_some(Keychain)
    }

    async fn get(&mut self, service: &str, accounts: &[&str]) -> Vec<Option<Secret<String>>> {
        let mut values = Vec::new();
        for account in accounts {
            values.push(find(service, account).await);
        }
        values
    }

    async fn set(&mut self, service: &str, account: &str, value: &Secret<String>) -> Result<()> {
        let Some(command) = decode::macos_update_command(service, account, value.expose()) else {
            bail!("the keychain item's name holds a control character");
        };
        if command.len() > decode::MACOS_COMMAND_MAX {
            bail!("the new {account} is too long for the keychain");
        }
        let mut child = Command::new(SECURITY)
            .arg("-i")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        stdin.write_all(command.as_bytes()).await?;
        drop(stdin);
        let status = child.wait().await?;
        if !status.success() {
            bail!("security add-generic-password failed ({status})");
        }
        Ok(())
    }
}

/// `security find-generic-password -s <service> -a <account> -w`, decoded.
async fn find(service: &str, account: &str) -> Option<Secret<String>> {
    let output = Command::new(SECURITY)
        .args(["find-generic-password", "-s", service, "-a", account, "-w"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .ok()?;
    if !output.status.success() {
        return None;
    }
    decode::macos_password(&output.stdout).map(Secret::new)
}
