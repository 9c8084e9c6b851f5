//! Request and response bodies of `POST /v3/auth/tokens`.

use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AuthRequest {
    pub auth: Auth,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Auth {
    pub identity: Identity,
    #[serde(default, deserialize_with = "scope_or_unscoped")]
    pub scope: Option<Scope>,
}

/// `"scope": "unscoped"` (keystoneauth's explicit unscoped request) is no scope; any other word
/// is refused.
fn scope_or_unscoped<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Scope>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Word(String),
        Scope(Scope),
    }
    match Option::<Given>::deserialize(d)? {
        None => Ok(None),
        Some(Given::Word(w)) if w == "unscoped" => Ok(None),
        Some(Given::Word(w)) => Err(serde::de::Error::custom(format!(
            "scope must be an object or \"unscoped\", not \"{w}\""
        ))),
        Some(Given::Scope(s)) => Ok(Some(s)),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Identity {
    pub methods: Vec<String>,
    #[serde(default)]
    pub password: Option<PasswordMethod>,
    #[serde(default)]
    pub token: Option<TokenMethod>,
}

/// The `token` method: an existing token, to be rescoped.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TokenMethod {
    pub id: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordMethod {
    pub user: UserRef,
}

/// A user named by id, or by name within a domain.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct UserRef {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub domain: Option<NameOrId>,
    pub password: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NameOrId {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Scope {
    #[serde(default)]
    pub project: Option<ProjectRef>,
    #[serde(default)]
    pub domain: Option<NameOrId>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ProjectRef {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub domain: Option<NameOrId>,
}
