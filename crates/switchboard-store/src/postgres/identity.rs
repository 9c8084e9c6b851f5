//! The identity seam on PostgreSQL: users, domains, projects, roles, tokens and credentials
//! (a user's whole change and deletion, policies and the system role are in `admin`).

use super::{admin, PgStore};
use crate::{
    CredentialRecord, DomainRecord, IdentityStore, ProjectRecord, StoreResult, TokenRecord,
    UserRecord, UserUpdate,
};
use sqlx::postgres::PgConnection;

/// Writes the domains and projects the inventory declares, keeping those already known.
pub(super) async fn write_scopes(
    conn: &mut PgConnection,
    domains: &[(String, String)],
    projects: &[(String, String, String)],
) -> StoreResult<()> {
    for (id, name) in domains {
        sqlx::query(
            "INSERT INTO domains (id, name) VALUES ($1, $2) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name",
        )
        .bind(id)
        .bind(name)
        .execute(&mut *conn)
        .await?;
    }
    for (id, name, domain_id) in projects {
        sqlx::query(
            "INSERT INTO projects (id, name, domain_id) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, domain_id = excluded.domain_id",
        )
        .bind(id)
        .bind(name)
        .bind(domain_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

type UserRow = (String, String, String, String, i64);
type CredentialRow = (String, String, String, String, i64);

const USER: &str = "SELECT id, domain_id, name, password_hash, created_at FROM users";
const CREDENTIAL: &str =
    "SELECT access_key, user_id, secret_enc, description, created_at FROM credentials";

fn user((id, domain_id, name, password_hash, created_at): UserRow) -> UserRecord {
    UserRecord {
        id,
        domain_id,
        name,
        password_hash,
        created_at,
    }
}

fn project((id, name, domain_id): (String, String, String)) -> ProjectRecord {
    ProjectRecord {
        id,
        name,
        domain_id,
    }
}

fn domain((id, name): (String, String)) -> DomainRecord {
    DomainRecord { id, name }
}

fn credential(
    (access_key, user_id, secret_enc, description, created_at): CredentialRow,
) -> CredentialRecord {
    CredentialRecord {
        access_key,
        user_id,
        secret_enc,
        description,
        created_at,
    }
}

#[async_trait::async_trait]
impl IdentityStore for PgStore {
    async fn user_by_name(
        &self,
        domain_name: &str,
        user_name: &str,
    ) -> StoreResult<Option<UserRecord>> {
        let row: Option<UserRow> = sqlx::query_as(
            "SELECT u.id, u.domain_id, u.name, u.password_hash, u.created_at \
             FROM users u JOIN domains d ON d.id = u.domain_id WHERE d.name = $1 AND u.name = $2",
        )
        .bind(domain_name)
        .bind(user_name)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(user))
    }

    async fn user_by_id(&self, user_id: &str) -> StoreResult<Option<UserRecord>> {
        let row: Option<UserRow> = sqlx::query_as(&format!("{USER} WHERE id = $1"))
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(user))
    }

    async fn upsert_user(&self, u: &UserRecord) -> StoreResult<()> {
        admin::write_user(&mut *self.pool.acquire().await?, u).await
    }

    async fn assign_role(&self, user_id: &str, project_id: &str, role: &str) -> StoreResult<()> {
        admin::insert_roles(
            &mut *self.pool.acquire().await?,
            user_id,
            &[(project_id.to_string(), role.to_string())],
        )
        .await
    }

    async fn roles(&self, user_id: &str, project_id: &str) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT role FROM role_assignments WHERE user_id = $1 AND project_id = $2 ORDER BY role",
        )
        .bind(user_id)
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn set_roles(&self, user_id: &str, roles: &[(String, String)]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        admin::replace_roles(&mut tx, user_id, roles).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn upsert_policy(&self, name: &str, document: &str) -> StoreResult<()> {
        admin::upsert_policy(&self.pool, name, document).await
    }

    async fn policies(&self) -> StoreResult<Vec<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT name, document FROM policies ORDER BY name")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn delete_policy(&self, name: &str) -> StoreResult<bool> {
        admin::delete_policy(&self.pool, name).await
    }

    async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        let rows: Vec<UserRow> = sqlx::query_as(&format!("{USER} ORDER BY name, id"))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(user).collect())
    }

    async fn save_user(&self, update: &UserUpdate) -> StoreResult<bool> {
        admin::save_user(&self.pool, update).await
    }

    async fn is_system_admin(&self, user_id: &str) -> StoreResult<bool> {
        let found: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM system_admins WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    async fn set_system_admin(&self, user_id: &str, system_admin: bool) -> StoreResult<()> {
        admin::write_system_admin(&mut *self.pool.acquire().await?, user_id, system_admin).await
    }

    async fn delete_user(&self, user_id: &str) -> StoreResult<bool> {
        admin::delete_user(&self.pool, user_id).await
    }

    async fn all_roles(&self, user_id: &str) -> StoreResult<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT project_id, role FROM role_assignments WHERE user_id = $1 ORDER BY project_id, role",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn user_policy_names(&self, user_id: &str) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT policy FROM user_policies WHERE user_id = $1 ORDER BY policy",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn set_user_policies(&self, user_id: &str, policies: &[String]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        admin::replace_policies(&mut tx, user_id, policies).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn user_policy_documents(&self, user_id: &str) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT p.document FROM policies p JOIN user_policies u ON u.policy = p.name \
             WHERE u.user_id = $1 ORDER BY p.name",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn domain(&self, id_or_name: &str) -> StoreResult<Option<DomainRecord>> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT id, name FROM domains WHERE id = $1 OR name = $1 ORDER BY id = $1 DESC LIMIT 1",
        )
        .bind(id_or_name)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(domain))
    }

    async fn project(&self, id: &str) -> StoreResult<Option<ProjectRecord>> {
        let row = sqlx::query_as("SELECT id, name, domain_id FROM projects WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(project))
    }

    async fn project_by_name(
        &self,
        name: &str,
        domain_id: Option<&str>,
    ) -> StoreResult<Vec<ProjectRecord>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT id, name, domain_id FROM projects \
             WHERE name = $1 AND ($2::text IS NULL OR domain_id = $2) ORDER BY id",
        )
        .bind(name)
        .bind(domain_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(project).collect())
    }

    async fn insert_token(&self, t: &TokenRecord) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        // Expired tokens are pruned as new ones are issued, so the table stays small.
        sqlx::query("DELETE FROM tokens WHERE expires_at < $1")
            .bind(t.issued_at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO tokens (token_hash, user_id, project_id, issued_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&t.token_hash)
        .bind(&t.user_id)
        .bind(&t.project_id)
        .bind(t.issued_at)
        .bind(t.expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn insert_credential(&self, c: &CredentialRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO credentials (access_key, user_id, secret_enc, description, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&c.access_key)
        .bind(&c.user_id)
        .bind(&c.secret_enc)
        .bind(&c.description)
        .bind(c.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn credential(&self, access_key: &str) -> StoreResult<Option<CredentialRecord>> {
        let row: Option<CredentialRow> =
            sqlx::query_as(&format!("{CREDENTIAL} WHERE access_key = $1"))
                .bind(access_key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(credential))
    }

    async fn credentials_of(&self, user_id: &str) -> StoreResult<Vec<CredentialRecord>> {
        let rows: Vec<CredentialRow> = sqlx::query_as(&format!(
            "{CREDENTIAL} WHERE user_id = $1 ORDER BY created_at, access_key"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(credential).collect())
    }

    async fn delete_credential(&self, access_key: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM credentials WHERE access_key = $1")
            .bind(access_key)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>> {
        let row: Option<(String, String, Option<String>, i64, i64)> = sqlx::query_as(
            "SELECT token_hash, user_id, project_id, issued_at, expires_at FROM tokens \
             WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(
            |(token_hash, user_id, project_id, issued_at, expires_at)| TokenRecord {
                token_hash,
                user_id,
                project_id,
                issued_at,
                expires_at,
            },
        ))
    }

    async fn delete_token(&self, token_hash: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM tokens WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn projects_of_user(&self, user_id: &str) -> StoreResult<Vec<ProjectRecord>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT DISTINCT p.id, p.name, p.domain_id FROM projects p \
             JOIN role_assignments r ON r.project_id = p.id WHERE r.user_id = $1 \
             ORDER BY p.name, p.id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(project).collect())
    }

    async fn domains(&self) -> StoreResult<Vec<DomainRecord>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT id, name FROM domains ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(domain).collect())
    }

    async fn projects(&self) -> StoreResult<Vec<ProjectRecord>> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT id, name, domain_id FROM projects ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(project).collect())
    }
}
