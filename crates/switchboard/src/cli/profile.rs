//! Profiles: a token per profile in `$XDG_CONFIG_HOME/switchboard/<profile>.json` (else
//! `~/.config/switchboard/`), readable by its owner only.

use super::exit::{CliResult, Failure};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::PathBuf;

/// What `login` keeps.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Profile {
    pub url: String,
    pub token: String,
    pub user: String,
    pub user_id: String,
    pub domain: String,
    pub project_id: String,
    pub project_name: String,
    pub expires_at: String,
}

impl std::fmt::Debug for Profile {
    // The token stays out of Debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("url", &self.url)
            .field("user", &self.user)
            .field("project_id", &self.project_id)
            .finish_non_exhaustive()
    }
}

/// The directory profiles live in.
pub fn dir() -> CliResult<PathBuf> {
    dirs::config_dir()
        .map(|d| d.join("switchboard"))
        .ok_or_else(|| Failure::other("no configuration directory: set XDG_CONFIG_HOME or HOME"))
}

/// The file of profile `name`.
pub fn path(name: &str) -> CliResult<PathBuf> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        return Err(Failure::usage(format!(
            "profile name {name:?}: use letters, digits, '-' and '_'"
        )));
    }
    Ok(dir()?.join(format!("{name}.json")))
}

/// Profile `name`, `None` when there is none.
pub fn load(name: &str) -> CliResult<Option<Profile>> {
    let path = path(name)?;
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Failure::other(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::other(format!("{}: {e}", path.display()))),
    }
}

/// Writes profile `name` (0600, directory 0700), replacing it whole.
pub fn save(name: &str, profile: &Profile) -> CliResult<PathBuf> {
    let path = path(name)?;
    let fail = |e: std::io::Error| Failure::other(format!("{}: {e}", path.display()));
    let dir = dir()?;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(fail)?;
    // Written beside and renamed over, created 0600: never readable by others, never torn.
    let tmp = dir.join(format!(".{name}.json.tmp"));
    let _ = std::fs::remove_file(&tmp);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(fail)?;
    let text = serde_json::to_vec_pretty(profile).map_err(|e| Failure::other(e.to_string()))?;
    file.write_all(&text).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    std::fs::rename(&tmp, &path).map_err(fail)?;
    Ok(path)
}

/// Removes profile `name`; whether there was one.
pub fn remove(name: &str) -> CliResult<bool> {
    let path = path(name)?;
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Failure::other(format!("{}: {e}", path.display()))),
    }
}
