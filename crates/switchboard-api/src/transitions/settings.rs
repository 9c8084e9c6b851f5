//! Settings as the API takes them: checked, given an id, their resource and project resolved,
//! bound to a project (a resource's, the one named, or a project administrator's own), and
//! refused on resources the simulated world does not drive.

use crate::admin_scope::AdminScope;
use switchboard_core::transitions::{SettingError, Transition};
use switchboard_engine::Engine;
use switchboard_store::{Store, StoreError};

/// A setting refused (400, or 403 for another project), or the store failing.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Setting(#[from] SettingError),
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks and completes `given` for a caller administering `scope`.
pub async fn prepare(
    store: &dyn Store,
    engine: &Engine,
    scope: &AdminScope,
    own_project: Option<&str>,
    given: Vec<Transition>,
) -> Result<Vec<Transition>, PrepareError> {
    let projects = store.projects().await?;
    let mut out = Vec::with_capacity(given.len());
    for (i, mut s) in given.into_iter().enumerate() {
        let field = |f: &str| format!("transitions[{i}].{f}");
        s.validate()
            .map_err(|e| SettingError::new(field(&e.field), e.message))?;
        if let Some(name) = &s.resource {
            let Some(r) = engine.resources_named(name).into_iter().next() else {
                return Err(
                    SettingError::new(field("resource"), format!("no resource {name}")).into(),
                );
            };
            if r.spec.driver != "sim" {
                return Err(SettingError::new(
                    field("resource"),
                    format!(
                        "{name} is driven by {}: transitions apply to simulated resources only",
                        r.spec.driver
                    ),
                )
                .into());
            }
            s.resource_id = Some(r.spec.id.clone());
            s.project_id = Some(r.spec.project_id.clone());
        } else if let Some(name) = &s.project {
            let Some(p) = projects.iter().find(|p| p.id == *name || p.name == *name) else {
                return Err(
                    SettingError::new(field("project"), format!("no project {name}")).into(),
                );
            };
            s.project_id = Some(p.id.clone());
        } else if !scope.is_system() {
            // A project administrator's kind or family setting stays in its own project.
            s.project_id = own_project.map(str::to_string);
        } else {
            s.project_id = None;
        }
        match &s.project_id {
            Some(p) if !scope.administers(p) => {
                return Err(PrepareError::Forbidden(format!(
                    "transitions[{i}]: project {p} is not administered by this user"
                )))
            }
            None if !scope.is_system() => {
                return Err(PrepareError::Forbidden(format!(
                "transitions[{i}]: only a system administrator sets transitions for every project"
            )))
            }
            _ => {}
        }
        if s.id.is_none() {
            s.id = Some(format!("transition-{}", uuid::Uuid::new_v4().simple()));
        }
        s.created_at = switchboard_core::now_millis();
        out.push(s);
    }
    Ok(out)
}
