//! The data directory: private (0700, its files 0600), held by one server at a time, and the
//! place a generated admin password waits until a start has succeeded.

use anyhow::{bail, Context, Result};
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use switchboard_drivers::private;

/// Holds the exclusive lock on a data dir while alive (the OS releases it if the process dies).
pub struct DirLock {
    _file: File,
}

/// Files of the data dir that must not be readable by others.
const PRIVATE_FILES: &[&str] = &[
    "switchboard.db",
    "switchboard.db-wal",
    "switchboard.db-shm",
    "master.key",
    PASSWORD_FILE,
    LOCK_FILE,
];
const LOCK_FILE: &str = "switchboard.lock";
const PASSWORD_FILE: &str = "initial-admin-password";

/// Creates the data dir (0700) or tightens an existing one and the files listed above to
/// 0700/0600, and, when the state is kept there (`sqlite`), creates an empty database file 0600
/// so SQLite gives its `-wal` and `-shm` files the same mode.
pub fn prepare(dir: &Path, sqlite: bool) -> Result<()> {
    private::create_dir(dir)
        .with_context(|| format!("cannot create data dir {}", dir.display()))?;
    tighten(dir, 0o700)?;
    for sub in ["sim", "process"] {
        if dir.join(sub).is_dir() {
            tighten(&dir.join(sub), 0o700)?;
        }
    }
    for name in PRIVATE_FILES {
        let path = dir.join(name);
        if path.exists() {
            tighten(&path, 0o600)?;
        }
    }
    let db = dir.join("switchboard.db");
    if sqlite && !db.exists() {
        private::file_options()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&db)
            .with_context(|| format!("cannot create {}", db.display()))?;
    }
    Ok(())
}

/// Sets `mode` on `path` when group or others have any access, saying so.
fn tighten(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let current = std::fs::metadata(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .permissions()
            .mode()
            & 0o777;
        if current & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                .with_context(|| format!("cannot restrict {}", path.display()))?;
            tracing::warn!(
                path = %path.display(),
                was = format!("{current:o}"),
                now = format!("{mode:o}"),
                "restricted the permissions of the data dir"
            );
        }
    }
    Ok(())
}

/// Takes the exclusive lock on `dir` (creating it) and writes this process's pid into the lock
/// file; fails at once, naming the holder's pid, when another server holds it. `sqlite` as in
/// [`prepare`].
pub fn lock(dir: &Path, sqlite: bool) -> Result<DirLock> {
    prepare(dir, sqlite)?;
    let path = dir.join(LOCK_FILE);
    let mut file = private::file_options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = match holder.trim() {
                "" => "another process".to_string(),
                pid => format!("switchboard pid {pid}"),
            };
            bail!(
                "data dir {} is in use by {holder} (lock {}); one server per data dir",
                dir.display(),
                path.display()
            );
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
    file.set_len(0)?;
    file.rewind()?;
    writeln!(file, "{}", std::process::id())?;
    Ok(DirLock { _file: file })
}

/// Where a generated admin password waits until a start has succeeded.
pub fn password_file(dir: &Path) -> PathBuf {
    dir.join(PASSWORD_FILE)
}

/// Keeps a generated password (0600) until `take_password` hands it out.
pub fn keep_password(dir: &Path, password: &str) -> Result<()> {
    let path = password_file(dir);
    private::write(&path, password.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The kept password, if any.
pub fn kept_password(dir: &Path) -> Option<String> {
    std::fs::read_to_string(password_file(dir))
        .ok()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
}

/// Forgets the kept password.
pub fn forget_password(dir: &Path) -> Result<()> {
    let path = password_file(dir);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}
