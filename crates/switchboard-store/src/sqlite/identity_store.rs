//! The identity seam of the SQLite store: users, domains, projects, roles, policies, tokens and
//! credentials, each delegating to the module that holds its SQL.

use super::{admin, identity, policies, SqliteStore};
use crate::{IdentityStore, StoreResult};

#[async_trait::async_trait]
impl IdentityStore for SqliteStore {
    async fn user_by_name(
        &self,
        domain_name: &str,
        user_name: &str,
    ) -> StoreResult<Option<crate::UserRecord>> {
        identity::user_by_name(&self.pool, domain_name, user_name).await
    }

    async fn user_by_id(&self, user_id: &str) -> StoreResult<Option<crate::UserRecord>> {
        identity::user_by_id(&self.pool, user_id).await
    }

    async fn upsert_user(&self, user: &crate::UserRecord) -> StoreResult<()> {
        identity::upsert_user(&self.pool, user).await
    }

    async fn assign_role(&self, user_id: &str, project_id: &str, role: &str) -> StoreResult<()> {
        identity::assign_role(&self.pool, user_id, project_id, role).await
    }

    async fn roles(&self, user_id: &str, project_id: &str) -> StoreResult<Vec<String>> {
        identity::roles(&self.pool, user_id, project_id).await
    }

    async fn set_roles(&self, user_id: &str, roles: &[(String, String)]) -> StoreResult<()> {
        identity::set_roles(&self.pool, user_id, roles).await
    }

    async fn upsert_policy(&self, name: &str, document: &str) -> StoreResult<()> {
        policies::upsert_policy(&self.pool, name, document).await
    }

    async fn policies(&self) -> StoreResult<Vec<(String, String)>> {
        policies::policies(&self.pool).await
    }

    async fn delete_policy(&self, name: &str) -> StoreResult<bool> {
        policies::delete_policy(&self.pool, name).await
    }

    async fn users(&self) -> StoreResult<Vec<crate::UserRecord>> {
        identity::users(&self.pool).await
    }

    async fn save_user(&self, update: &crate::UserUpdate) -> StoreResult<bool> {
        admin::save_user(&self.pool, update).await
    }

    async fn is_system_admin(&self, user_id: &str) -> StoreResult<bool> {
        admin::is_system_admin(&self.pool, user_id).await
    }

    async fn set_system_admin(&self, user_id: &str, system_admin: bool) -> StoreResult<()> {
        admin::set_system_admin(&self.pool, user_id, system_admin).await
    }

    async fn delete_user(&self, user_id: &str) -> StoreResult<bool> {
        identity::delete_user(&self.pool, user_id).await
    }

    async fn all_roles(&self, user_id: &str) -> StoreResult<Vec<(String, String)>> {
        identity::all_roles(&self.pool, user_id).await
    }

    async fn user_policy_names(&self, user_id: &str) -> StoreResult<Vec<String>> {
        policies::user_policy_names(&self.pool, user_id).await
    }

    async fn set_user_policies(&self, user_id: &str, policies: &[String]) -> StoreResult<()> {
        policies::set_user_policies(&self.pool, user_id, policies).await
    }

    async fn user_policy_documents(&self, user_id: &str) -> StoreResult<Vec<String>> {
        policies::user_policy_documents(&self.pool, user_id).await
    }

    async fn domain(&self, id_or_name: &str) -> StoreResult<Option<crate::DomainRecord>> {
        identity::domain(&self.pool, id_or_name).await
    }

    async fn project(&self, id: &str) -> StoreResult<Option<crate::ProjectRecord>> {
        identity::project(&self.pool, id).await
    }

    async fn project_by_name(
        &self,
        name: &str,
        domain_id: Option<&str>,
    ) -> StoreResult<Vec<crate::ProjectRecord>> {
        identity::project_by_name(&self.pool, name, domain_id).await
    }

    async fn insert_token(&self, token: &crate::TokenRecord) -> StoreResult<()> {
        identity::insert_token(&self.pool, token).await
    }

    async fn insert_credential(&self, credential: &crate::CredentialRecord) -> StoreResult<()> {
        identity::insert_credential(&self.pool, credential).await
    }

    async fn credential(&self, access_key: &str) -> StoreResult<Option<crate::CredentialRecord>> {
        identity::credential(&self.pool, access_key).await
    }

    async fn credentials_of(&self, user_id: &str) -> StoreResult<Vec<crate::CredentialRecord>> {
        identity::credentials_of(&self.pool, user_id).await
    }

    async fn delete_credential(&self, access_key: &str) -> StoreResult<bool> {
        identity::delete_credential(&self.pool, access_key).await
    }

    async fn token(&self, token_hash: &str) -> StoreResult<Option<crate::TokenRecord>> {
        identity::token(&self.pool, token_hash).await
    }

    async fn delete_token(&self, token_hash: &str) -> StoreResult<bool> {
        identity::delete_token(&self.pool, token_hash).await
    }

    async fn projects_of_user(&self, user_id: &str) -> StoreResult<Vec<crate::ProjectRecord>> {
        identity::projects_of_user(&self.pool, user_id).await
    }

    async fn domains(&self) -> StoreResult<Vec<crate::DomainRecord>> {
        identity::domains(&self.pool).await
    }

    async fn projects(&self) -> StoreResult<Vec<crate::ProjectRecord>> {
        identity::projects(&self.pool).await
    }
}
