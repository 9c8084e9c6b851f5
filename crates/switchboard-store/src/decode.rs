//! Decoding stored text into records, the same for every backend: enums stored by name, and a
//! resource's spec (JSON) with its API edits laid over it.

use crate::{ResourceRecord, StoreError, StoreResult};
use switchboard_core::{Action, Lifecycle, Millis, TaskId};

pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value:?}"))
}

pub(crate) fn action(s: &str) -> StoreResult<Action> {
    Action::parse(s).ok_or_else(|| corrupt("action", s))
}

pub(crate) fn lifecycle(s: &str) -> StoreResult<Lifecycle> {
    Lifecycle::parse(s).ok_or_else(|| corrupt("lifecycle", s))
}

/// The columns of a stored resource, with its API edits (`edited_name`, `edited_attrs`).
pub(crate) struct StoredResource<'a> {
    pub spec: &'a str,
    pub edited_name: Option<String>,
    pub edited_attrs: Option<&'a str>,
    pub state: &'a str,
    pub active_task: Option<TaskId>,
    pub deleted: bool,
    pub configured: bool,
    pub last_error: Option<String>,
    pub updated_at: Millis,
}

impl StoredResource<'_> {
    /// The record, its edits laid over the spec.
    pub(crate) fn record(self) -> StoreResult<ResourceRecord> {
        let mut spec: switchboard_core::ResourceSpec = serde_json::from_str(self.spec)
            .map_err(|e| corrupt("resource spec", &e.to_string()))?;
        if let Some(name) = self.edited_name {
            spec.name = name;
        }
        if let Some(attrs) = self.edited_attrs {
            let edits: serde_json::Map<String, serde_json::Value> = serde_json::from_str(attrs)
                .map_err(|e| corrupt("resource edits", &e.to_string()))?;
            if !edits.is_empty() && !spec.attrs.is_object() {
                spec.attrs = serde_json::Value::Object(Default::default());
            }
            if let Some(map) = spec.attrs.as_object_mut() {
                map.extend(edits);
            }
        }
        Ok(ResourceRecord {
            spec,
            state: lifecycle(self.state)?,
            active_task: self.active_task,
            deleted: self.deleted,
            configured: self.configured,
            last_error: self.last_error,
            updated_at: self.updated_at,
        })
    }
}
