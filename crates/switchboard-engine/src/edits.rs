//! Changes to a resource's name or attributes made through the API (a DB O&M rename, a Live
//! flow's sources and outputs): durable before they are seen, one at a time.

use crate::resources::{commit_then, ResourceError};
use crate::{Engine, ResourceSnapshot};
use serde_json::{Map, Value};
use std::sync::Arc;
use switchboard_core::now_millis;
use switchboard_store::{AuditRecord, Write};

/// What an edit changes: the name when set, and each top-level attribute given (replaced whole).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceEdit {
    pub name: Option<String>,
    pub attrs: Map<String, Value>,
}

impl Engine {
    /// Applies the edit that `decide` makes of the resource as it is now, and answers the
    /// resource as edited. Edits are serialised from `decide` until the change is visible, so
    /// each one sees the last one before it whole: the last writer wins and nothing is lost
    /// or half-applied, even when a caller goes away mid-commit. `decide` may refuse (`Err`),
    /// and then nothing is written.
    pub async fn edit_resource<E: From<ResourceError>>(
        &self,
        id: &str,
        audit: AuditRecord,
        decide: impl FnOnce(&ResourceSnapshot) -> Result<ResourceEdit, E>,
    ) -> Result<ResourceSnapshot, E> {
        let inner = &self.inner;
        let turn = inner.edits.clone().lock_owned().await;
        let _gate = inner.gate.read().await;
        let current = self
            .resource(id)
            .ok_or_else(|| ResourceError::Unknown(id.to_string()))?;
        let edit = decide(&current)?;
        let mut spec = (*current.spec).clone();
        if let Some(name) = &edit.name {
            spec.name = name.clone();
        }
        if !spec.attrs.is_object() {
            spec.attrs = Value::Object(Map::new());
        }
        if let Some(attrs) = spec.attrs.as_object_mut() {
            attrs.extend(edit.attrs.clone());
        }
        let spec = Arc::new(spec);
        let changed = crate::events::resource_event(
            "resource.changed",
            &spec,
            current.state,
            current.last_error.as_deref(),
        );
        let writes = vec![
            Write::EditResource {
                id: id.to_string(),
                name: edit.name,
                attrs: edit.attrs,
                at: now_millis(),
            },
            changed,
            Write::Audit(audit),
        ];
        let applied = spec.clone();
        let key = id.to_string();
        commit_then(inner, writes, move |inner, committed| {
            if committed {
                let mut world = inner.lock();
                if let Some(node) = world.graph.index_of(&key) {
                    world.specs[node] = applied;
                }
            }
            // The next edit may start only once this one is visible.
            drop(turn);
        })
        .await?;
        Ok(ResourceSnapshot { spec, ..current })
    }
}
