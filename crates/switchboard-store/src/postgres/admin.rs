//! A user's changes that touch several tables, each in one transaction: its whole change
//! (record, roles, policies, system role, tokens), its deletion, and policies.

use crate::{StoreResult, UserRecord, UserUpdate};
use sqlx::postgres::{PgConnection, PgPool};

/// Inserts the user, or updates its password hash.
pub(super) async fn write_user(conn: &mut PgConnection, u: &UserRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO users (id, domain_id, name, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET password_hash = excluded.password_hash",
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

pub(super) async fn insert_roles(
    conn: &mut PgConnection,
    user_id: &str,
    roles: &[(String, String)],
) -> StoreResult<()> {
    let (projects, names): (Vec<&str>, Vec<&str>) =
        roles.iter().map(|(p, r)| (p.as_str(), r.as_str())).unzip();
    sqlx::query(
        "INSERT INTO role_assignments (user_id, project_id, role) \
         SELECT $1, p, r FROM UNNEST($2::text[], $3::text[]) AS t(p, r) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(projects)
    .bind(names)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces every role of the user with `roles` (project id, role).
pub(super) async fn replace_roles(
    conn: &mut PgConnection,
    user_id: &str,
    roles: &[(String, String)],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM role_assignments WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    insert_roles(conn, user_id, roles).await
}

pub(super) async fn replace_policies(
    conn: &mut PgConnection,
    user_id: &str,
    policies: &[String],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM user_policies WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO user_policies (user_id, policy) SELECT $1, UNNEST($2::text[]) \
         ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(policies)
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn write_system_admin(
    conn: &mut PgConnection,
    user_id: &str,
    system_admin: bool,
) -> StoreResult<()> {
    let sql = if system_admin {
        "INSERT INTO system_admins (user_id) VALUES ($1) ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM system_admins WHERE user_id = $1"
    };
    sqlx::query(sql).bind(user_id).execute(conn).await?;
    Ok(())
}

pub(super) async fn save_user(pool: &PgPool, update: &UserUpdate) -> StoreResult<bool> {
    let u = &update.user;
    let mut tx = pool.begin().await?;
    if update.create {
        write_user(&mut tx, u).await?;
    } else {
        // The row is locked until the commit: a concurrent deletion waits, then finds the
        // change whole, or this finds the user gone and writes nothing.
        let exists = if update.set_password {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(&u.password_hash)
                .bind(&u.id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0
        } else {
            sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
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
                sqlx::query(
                    "DELETE FROM role_assignments WHERE user_id = $1 AND project_id = ANY($2)",
                )
                .bind(&u.id)
                .bind(projects)
                .execute(&mut *tx)
                .await?;
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
        sqlx::query("DELETE FROM tokens WHERE user_id = $1")
            .bind(&u.id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Deletes a user with everything that hangs on it; whether it existed.
pub(super) async fn delete_user(pool: &PgPool, user_id: &str) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    for table in [
        "role_assignments",
        "user_policies",
        "tokens",
        "credentials",
        "system_admins",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    let done = sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn upsert_policy(pool: &PgPool, name: &str, document: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO policies (name, document) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET document = excluded.document",
    )
    .bind(name)
    .bind(document)
    .execute(pool)
    .await?;
    Ok(())
}

/// Deletes a policy and detaches it from every user; whether it existed.
pub(super) async fn delete_policy(pool: &PgPool, name: &str) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM user_policies WHERE policy = $1")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    let done = sqlx::query("DELETE FROM policies WHERE name = $1")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}
