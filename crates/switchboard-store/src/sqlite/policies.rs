//! Policy documents and their attachment to users.

use crate::StoreResult;
use sqlx::SqlitePool;

pub(super) async fn upsert_policy(
    pool: &SqlitePool,
    name: &str,
    document: &str,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO policies (name, document) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET document = excluded.document")
        .bind(name)
        .bind(document)
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn set_user_policies(
    pool: &SqlitePool,
    user_id: &str,
    policies: &[String],
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    super::admin::replace_policies(&mut tx, user_id, policies).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn user_policy_documents(
    pool: &SqlitePool,
    user_id: &str,
) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT p.document FROM policies p JOIN user_policies u ON u.policy = p.name WHERE u.user_id = ? ORDER BY p.name",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?)
}

pub(super) async fn policies(pool: &SqlitePool) -> StoreResult<Vec<(String, String)>> {
    Ok(
        sqlx::query_as("SELECT name, document FROM policies ORDER BY name")
            .fetch_all(pool)
            .await?,
    )
}

pub(super) async fn delete_policy(pool: &SqlitePool, name: &str) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM user_policies WHERE policy = ?")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    let done = sqlx::query("DELETE FROM policies WHERE name = ?")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn user_policy_names(
    pool: &SqlitePool,
    user_id: &str,
) -> StoreResult<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT policy FROM user_policies WHERE user_id = ? ORDER BY policy")
            .bind(user_id)
            .fetch_all(pool)
            .await?,
    )
}
