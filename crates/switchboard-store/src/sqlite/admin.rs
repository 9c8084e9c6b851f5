//! Identity administration: system administrators, and changes to a user applied whole.

use crate::{StoreResult, UserRecord, UserUpdate};
use sqlx::{SqliteConnection, SqlitePool};

pub(super) async fn is_system_admin(pool: &SqlitePool, user_id: &str) -> StoreResult<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM system_admins WHERE user_id = ?")
        .bind(user_id)
        .fetch_optional(pool)
        .await?;
    Ok(found.is_some())
}

pub(super) async fn set_system_admin(
    pool: &SqlitePool,
    user_id: &str,
    system_admin: bool,
) -> StoreResult<()> {
    write_system_admin(&mut *pool.acquire().await?, user_id, system_admin).await
}

/// Ids of the users a policy is attached to.
pub(super) async fn policy_users(pool: &SqlitePool, policy: &str) -> StoreResult<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT user_id FROM user_policies WHERE policy = ? ORDER BY user_id")
            .bind(policy)
            .fetch_all(pool)
            .await?,
    )
}

/// Applies every part of `update` in one transaction, so that a refused or failed part leaves
/// the user exactly as it was.
pub(super) async fn save_user(pool: &SqlitePool, update: &UserUpdate) -> StoreResult<()> {
    let id = &update.user.id;
    let mut tx = pool.begin().await?;
    write_user(&mut tx, &update.user).await?;
    if let Some(roles) = &update.roles {
        replace_roles(&mut tx, id, roles).await?;
    }
    if let Some(policies) = &update.policies {
        replace_policies(&mut tx, id, policies).await?;
    }
    if let Some(system_admin) = update.system_admin {
        write_system_admin(&mut tx, id, system_admin).await?;
    }
    if update.revoke_tokens {
        sqlx::query("DELETE FROM tokens WHERE user_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Inserts the user, or updates its password hash.
pub(super) async fn write_user(conn: &mut SqliteConnection, u: &UserRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO users (id, domain_id, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET password_hash = excluded.password_hash",
    )
    .bind(&u.id)
    .bind(&u.domain_id)
    .bind(&u.name)
    .bind(&u.password_hash)
    .bind(u.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces every role of the user with `roles` (project id, role).
pub(super) async fn replace_roles(
    conn: &mut SqliteConnection,
    user_id: &str,
    roles: &[(String, String)],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM role_assignments WHERE user_id = ?")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    for (project, role) in roles {
        sqlx::query(
            "INSERT OR IGNORE INTO role_assignments (user_id, project_id, role) VALUES (?, ?, ?)",
        )
        .bind(user_id)
        .bind(project)
        .bind(role)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Replaces the policies attached to the user.
pub(super) async fn replace_policies(
    conn: &mut SqliteConnection,
    user_id: &str,
    policies: &[String],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM user_policies WHERE user_id = ?")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    for p in policies {
        sqlx::query("INSERT OR IGNORE INTO user_policies (user_id, policy) VALUES (?, ?)")
            .bind(user_id)
            .bind(p)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub(super) async fn write_system_admin(
    conn: &mut SqliteConnection,
    user_id: &str,
    system_admin: bool,
) -> StoreResult<()> {
    let sql = if system_admin {
        "INSERT OR IGNORE INTO system_admins (user_id) VALUES (?)"
    } else {
        "DELETE FROM system_admins WHERE user_id = ?"
    };
    sqlx::query(sql).bind(user_id).execute(conn).await?;
    Ok(())
}
