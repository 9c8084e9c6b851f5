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

/// Applies every part of `update` in one transaction, so that a refused or failed part leaves
/// the user exactly as it was.
pub(super) async fn save_user(pool: &SqlitePool, update: &UserUpdate) -> StoreResult<bool> {
    let u = &update.user;
    let mut tx = pool.begin().await?;
    if update.create {
        write_user(&mut tx, u).await?;
    } else {
        // Only what changed is written: a role change must not put back an older password,
        // nor bring back a user deleted meanwhile.
        let exists = if update.set_password {
            sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
                .bind(&u.password_hash)
                .bind(&u.id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0
        } else {
            sqlx::query("SELECT 1 FROM users WHERE id = ?")
                .bind(&u.id)
                .fetch_optional(&mut *tx)
                .await?
                .is_some()
        };
        if !exists {
            return Ok(false);
        }
    }
    if let Some(roles) = &update.roles {
        match &update.roles_within {
            None => replace_roles(&mut tx, &u.id, roles).await?,
            Some(projects) => {
                for project in projects {
                    sqlx::query(
                        "DELETE FROM role_assignments WHERE user_id = ? AND project_id = ?",
                    )
                    .bind(&u.id)
                    .bind(project)
                    .execute(&mut *tx)
                    .await?;
                }
                insert_roles(&mut tx, &u.id, roles).await?;
            }
        }
    }
    if let Some(policies) = &update.policies {
        replace_policies(&mut tx, &u.id, policies).await?;
    }
    if let Some(system_admin) = update.system_admin {
        write_system_admin(&mut tx, &u.id, system_admin).await?;
    }
    if update.revoke_tokens {
        sqlx::query("DELETE FROM tokens WHERE user_id = ?")
            .bind(&u.id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(true)
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
    insert_roles(conn, user_id, roles).await
}

async fn insert_roles(
    conn: &mut SqliteConnection,
    user_id: &str,
    roles: &[(String, String)],
) -> StoreResult<()> {
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
