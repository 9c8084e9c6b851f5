//! Users, projects, domains and tokens.

use crate::{CredentialRecord, DomainRecord, ProjectRecord, StoreResult, TokenRecord, UserRecord};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

fn user(row: &SqliteRow) -> StoreResult<UserRecord> {
    Ok(UserRecord {
        id: row.try_get("id")?,
        domain_id: row.try_get("domain_id")?,
        name: row.try_get("name")?,
        password_hash: row.try_get("password_hash")?,
        created_at: row.try_get("created_at")?,
    })
}

fn project_row(row: &SqliteRow) -> StoreResult<ProjectRecord> {
    Ok(ProjectRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        domain_id: row.try_get("domain_id")?,
    })
}

pub(super) async fn user_by_name(
    pool: &SqlitePool,
    domain_name: &str,
    name: &str,
) -> StoreResult<Option<UserRecord>> {
    sqlx::query(
        "SELECT u.* FROM users u JOIN domains d ON d.id = u.domain_id WHERE d.name = ? AND u.name = ?",
    )
    .bind(domain_name)
    .bind(name)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(user)
    .transpose()
}

pub(super) async fn user_by_id(pool: &SqlitePool, id: &str) -> StoreResult<Option<UserRecord>> {
    sqlx::query("SELECT * FROM users WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(user)
        .transpose()
}

pub(super) async fn upsert_user(pool: &SqlitePool, u: &UserRecord) -> StoreResult<()> {
    super::admin::write_user(&mut *pool.acquire().await?, u).await
}

pub(super) async fn assign_role(
    pool: &SqlitePool,
    user_id: &str,
    project_id: &str,
    role: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT OR IGNORE INTO role_assignments (user_id, project_id, role) VALUES (?, ?, ?)",
    )
    .bind(user_id)
    .bind(project_id)
    .bind(role)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn roles(
    pool: &SqlitePool,
    user_id: &str,
    project_id: &str,
) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT role FROM role_assignments WHERE user_id = ? AND project_id = ? ORDER BY role",
    )
    .bind(user_id)
    .bind(project_id)
    .fetch_all(pool)
    .await?)
}

pub(super) async fn domain(
    pool: &SqlitePool,
    id_or_name: &str,
) -> StoreResult<Option<DomainRecord>> {
    let row = sqlx::query(
        "SELECT id, name FROM domains WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1",
    )
    .bind(id_or_name)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(DomainRecord {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
        })
    })
    .transpose()
}

pub(super) async fn domains(pool: &SqlitePool) -> StoreResult<Vec<DomainRecord>> {
    sqlx::query("SELECT id, name FROM domains ORDER BY id")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(DomainRecord {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
            })
        })
        .collect()
}

pub(super) async fn projects(pool: &SqlitePool) -> StoreResult<Vec<ProjectRecord>> {
    sqlx::query("SELECT * FROM projects ORDER BY id")
        .fetch_all(pool)
        .await?
        .iter()
        .map(project_row)
        .collect()
}

pub(super) async fn project(pool: &SqlitePool, id: &str) -> StoreResult<Option<ProjectRecord>> {
    sqlx::query("SELECT * FROM projects WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(project_row)
        .transpose()
}

pub(super) async fn project_by_name(
    pool: &SqlitePool,
    name: &str,
    domain_id: Option<&str>,
) -> StoreResult<Vec<ProjectRecord>> {
    sqlx::query(
        "SELECT * FROM projects WHERE name = ?1 AND (?2 IS NULL OR domain_id = ?2) ORDER BY id",
    )
    .bind(name)
    .bind(domain_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(project_row)
    .collect()
}

pub(super) async fn insert_token(pool: &SqlitePool, t: &TokenRecord) -> StoreResult<()> {
    // Expired tokens are pruned as new ones are issued, so the table stays small.
    sqlx::query("DELETE FROM tokens WHERE expires_at < ?")
        .bind(t.issued_at)
        .execute(pool)
        .await?;
    sqlx::query("INSERT INTO tokens (token_hash, user_id, project_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)")
        .bind(&t.token_hash)
        .bind(&t.user_id)
        .bind(&t.project_id)
        .bind(t.issued_at)
        .bind(t.expires_at)
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn token(pool: &SqlitePool, hash: &str) -> StoreResult<Option<TokenRecord>> {
    let row = sqlx::query("SELECT * FROM tokens WHERE token_hash = ?")
        .bind(hash)
        .fetch_optional(pool)
        .await?;
    row.map(|r| {
        Ok(TokenRecord {
            token_hash: r.try_get("token_hash")?,
            user_id: r.try_get("user_id")?,
            project_id: r.try_get("project_id")?,
            issued_at: r.try_get("issued_at")?,
            expires_at: r.try_get("expires_at")?,
        })
    })
    .transpose()
}

fn credential_row(row: &SqliteRow) -> StoreResult<CredentialRecord> {
    Ok(CredentialRecord {
        access_key: row.try_get("access_key")?,
        user_id: row.try_get("user_id")?,
        secret_enc: row.try_get("secret_enc")?,
        description: row.try_get("description")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(super) async fn insert_credential(pool: &SqlitePool, c: &CredentialRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO credentials (access_key, user_id, secret_enc, description, created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&c.access_key)
    .bind(&c.user_id)
    .bind(&c.secret_enc)
    .bind(&c.description)
    .bind(c.created_at)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn credential(
    pool: &SqlitePool,
    access_key: &str,
) -> StoreResult<Option<CredentialRecord>> {
    sqlx::query("SELECT * FROM credentials WHERE access_key = ?")
        .bind(access_key)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(credential_row)
        .transpose()
}

pub(super) async fn credentials_of(
    pool: &SqlitePool,
    user_id: &str,
) -> StoreResult<Vec<CredentialRecord>> {
    sqlx::query("SELECT * FROM credentials WHERE user_id = ? ORDER BY created_at, access_key")
        .bind(user_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(credential_row)
        .collect()
}

pub(super) async fn delete_credential(pool: &SqlitePool, access_key: &str) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM credentials WHERE access_key = ?")
        .bind(access_key)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn delete_token(pool: &SqlitePool, hash: &str) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM tokens WHERE token_hash = ?")
        .bind(hash)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn projects_of_user(
    pool: &SqlitePool,
    user_id: &str,
) -> StoreResult<Vec<ProjectRecord>> {
    sqlx::query(
        "SELECT DISTINCT p.* FROM projects p JOIN role_assignments r ON r.project_id = p.id
         WHERE r.user_id = ? ORDER BY p.name, p.id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(project_row)
    .collect()
}

pub(super) async fn set_roles(
    pool: &SqlitePool,
    user_id: &str,
    roles: &[(String, String)],
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    super::admin::replace_roles(&mut tx, user_id, roles).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn users(pool: &SqlitePool) -> StoreResult<Vec<UserRecord>> {
    sqlx::query("SELECT * FROM users ORDER BY name, id")
        .fetch_all(pool)
        .await?
        .iter()
        .map(user)
        .collect()
}

pub(super) async fn delete_user(pool: &SqlitePool, user_id: &str) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    for table in [
        "role_assignments",
        "user_policies",
        "tokens",
        "credentials",
        "system_admins",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE user_id = ?"))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    let done = sqlx::query("DELETE FROM users WHERE id = ?")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn all_roles(
    pool: &SqlitePool,
    user_id: &str,
) -> StoreResult<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT project_id, role FROM role_assignments WHERE user_id = ? ORDER BY project_id, role",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?)
}
