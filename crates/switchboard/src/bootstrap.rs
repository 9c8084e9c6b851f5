//! The administrator account: created on first start, password from `SWITCHBOARD_ADMIN_PASSWORD`
//! or generated; the system role, and admin on every project of the inventory. A generated
//! password is kept in the data dir (0600) until a start has succeeded and printed it
//! (`serve::run`), so a start that fails after generating it does not lose it.

use anyhow::{Context, Result};
use switchboard_core::now_millis;
use switchboard_identity::{hash_password, new_password, verify_password};
use switchboard_store::{Store, UserRecord};

/// `env_password` is the value of `SWITCHBOARD_ADMIN_PASSWORD`, if set; a generated password is
/// kept in `data_dir` (see `data_dir::keep_password`).
pub async fn admin(
    store: &dyn Store,
    data_dir: &std::path::Path,
    user: &str,
    domain: &str,
    project_ids: &[String],
    env_password: Option<String>,
) -> Result<()> {
    let env_password = env_password.filter(|p| !p.is_empty());
    let domain_record = store
        .domain(domain)
        .await?
        .with_context(|| format!("domain {domain} missing"))?;
    let existing = store.user_by_name(&domain_record.name, user).await?;
    let record = match (existing, env_password) {
        (Some(u), None) => {
            // A kept password no longer valid (changed since) must not be printed.
            if let Some(kept) = crate::data_dir::kept_password(data_dir) {
                let hash = u.password_hash.clone();
                if !tokio::task::spawn_blocking(move || verify_password(&kept, &hash)).await? {
                    crate::data_dir::forget_password(data_dir)?;
                }
            }
            u
        }
        (Some(mut u), Some(pw)) => {
            crate::data_dir::forget_password(data_dir)?;
            let (candidate, hash) = (pw.clone(), u.password_hash.clone());
            if !tokio::task::spawn_blocking(move || verify_password(&candidate, &hash)).await? {
                u.password_hash = hash_blocking(pw).await?;
                store.upsert_user(&u).await?;
                tracing::info!(
                    user,
                    "admin password updated from SWITCHBOARD_ADMIN_PASSWORD"
                );
            }
            u
        }
        (None, supplied) => {
            let generated = supplied.is_none();
            let password = supplied.unwrap_or_else(new_password);
            if generated {
                // Kept before the account exists, so no start can create it and lose the password.
                crate::data_dir::keep_password(data_dir, &password)?;
            } else {
                crate::data_dir::forget_password(data_dir)?;
            }
            let u = UserRecord {
                id: uuid_like(),
                domain_id: domain_record.id.clone(),
                name: user.to_string(),
                password_hash: hash_blocking(password.clone()).await?,
                created_at: now_millis(),
            };
            store.upsert_user(&u).await?;
            u
        }
    };
    store.set_system_admin(&record.id, true).await?;
    for project in project_ids {
        store.assign_role(&record.id, project, "admin").await?;
    }
    Ok(())
}

async fn hash_blocking(password: String) -> Result<String> {
    Ok(tokio::task::spawn_blocking(move || hash_password(&password)).await??)
}

fn uuid_like() -> String {
    switchboard_identity::random_hex(16)
}

/// The master key that encrypts stored secret keys: `SWITCHBOARD_MASTER_KEY` if set, else the
/// key file in the data dir, created (mode 0600) on first start.
pub fn master_key(
    data_dir: &std::path::Path,
    env_value: Option<String>,
) -> Result<switchboard_identity::secrets::MasterKey> {
    use switchboard_identity::secrets::MasterKey;
    if let Some(passphrase) = env_value.filter(|v| !v.is_empty()) {
        return Ok(MasterKey::from_passphrase(&passphrase));
    }
    let path = data_dir.join("master.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            Ok(MasterKey::from_file_contents(&text)
                .with_context(|| format!("{}", path.display()))?)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let (key, text) = MasterKey::generate();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(&path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            std::io::Write::write_all(&mut file, text.as_bytes())?;
            file.sync_all()?;
            tracing::info!(path = %path.display(), "generated a master key for stored secrets");
            Ok(key)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Makes the stored policies and users match `[[policies]]` and `[[users]]`: users are created
/// when missing, their password follows the configuration, and their roles and policies are
/// replaced by the configured ones.
pub async fn users(
    store: &dyn Store,
    config: &crate::config::Config,
    master_key: &switchboard_identity::secrets::MasterKey,
) -> Result<()> {
    for p in &config.policies {
        store
            .upsert_policy(&p.name, &serde_json::to_string(&p.document)?)
            .await?;
    }
    for u in &config.users {
        let domain_name = u
            .domain
            .clone()
            .unwrap_or_else(|| config.admin.domain.clone());
        let domain = store
            .domain(&domain_name)
            .await?
            .with_context(|| format!("domain {domain_name} missing"))?;
        let password = u
            .password()
            .with_context(|| format!("user {}: no password available", u.name))?;
        let record = match store.user_by_name(&domain.name, &u.name).await? {
            Some(mut existing) => {
                let (candidate, hash) = (password.clone(), existing.password_hash.clone());
                if !tokio::task::spawn_blocking(move || verify_password(&candidate, &hash)).await? {
                    existing.password_hash = hash_blocking(password).await?;
                    store.upsert_user(&existing).await?;
                }
                existing
            }
            None => {
                let record = UserRecord {
                    id: uuid_like(),
                    domain_id: domain.id.clone(),
                    name: u.name.clone(),
                    password_hash: hash_blocking(password).await?,
                    created_at: now_millis(),
                };
                store.upsert_user(&record).await?;
                record
            }
        };
        let roles: Vec<(String, String)> = u
            .roles
            .iter()
            .filter_map(|(project, role)| {
                let p = config
                    .projects
                    .iter()
                    .find(|p| &p.id == project || &p.name == project)?;
                Some((p.id.clone(), role.clone()))
            })
            .collect();
        store.set_roles(&record.id, &roles).await?;
        store.set_user_policies(&record.id, &u.policies).await?;
        store.set_system_admin(&record.id, u.system_admin).await?;
        for k in &u.keys {
            let secret = k
                .secret()
                .with_context(|| format!("key {}: no secret available", k.access))?;
            let current = store.credential(&k.access).await?;
            let same = current.as_ref().is_some_and(|c| {
                c.user_id == record.id
                    && master_key.decrypt(&c.secret_enc).is_ok_and(|s| s == secret)
            });
            if !same {
                if current.is_some() {
                    store.delete_credential(&k.access).await?;
                }
                store
                    .insert_credential(&switchboard_store::CredentialRecord {
                        access_key: k.access.clone(),
                        user_id: record.id.clone(),
                        secret_enc: master_key.encrypt(&secret),
                        description: "from the configuration".into(),
                        created_at: now_millis(),
                    })
                    .await?;
            }
        }
    }
    Ok(())
}
