//! A server's instance actions read from the store a page at a time: the tasks with a step
//! on it, their steps there, and the ids of the users who asked.

use super::actions_view::ActionRecord;
use super::NovaError;
use crate::AppState;
use std::collections::{BTreeSet, HashMap};
use switchboard_store::{ResourceTask, ResourceTaskPage};

/// One page of the server's actions, each with the id of the user who asked, when known.
pub async fn records(
    state: &AppState,
    server_id: &str,
    page: &ResourceTaskPage,
) -> Result<Vec<ActionRecord>, NovaError> {
    let tasks = state
        .store
        .resource_tasks(server_id, page)
        .await
        .map_err(NovaError::internal)?;
    let users = user_ids(state, tasks.iter().map(|t| t.task.principal.as_str())).await?;
    Ok(tasks
        .into_iter()
        .map(|ResourceTask { task, steps }| ActionRecord {
            user_id: users.get(&task.principal).cloned(),
            task,
            steps,
        })
        .collect())
}

/// Tasks name their submitter `user@domain-id`; Nova shows the user's id. Each submitter of
/// the page is looked up once.
async fn user_ids<'a>(
    state: &AppState,
    principals: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, String>, NovaError> {
    let store = &state.store;
    let mut out = HashMap::new();
    for principal in principals.collect::<BTreeSet<_>>() {
        let Some((name, domain_id)) = principal.rsplit_once('@') else {
            continue;
        };
        let domain = store.domain(domain_id).await.map_err(NovaError::internal)?;
        // `domain` also finds a domain by name: only its id counts here.
        let Some(domain) = domain.filter(|d| d.id == domain_id) else {
            continue;
        };
        let user = store
            .user_by_name(&domain.name, name)
            .await
            .map_err(NovaError::internal)?;
        if let Some(user) = user {
            out.insert(principal.to_string(), user.id);
        }
    }
    Ok(out)
}

/// The action with Nova request id `request_id` (`req-…`) among the server's actions changed
/// within `window`, if any.
pub async fn find_action(
    state: &AppState,
    server_id: &str,
    request_id: &str,
    window: &ResourceTaskPage,
) -> Result<Option<ActionRecord>, NovaError> {
    let page = ResourceTaskPage {
        request_ids: Some(stored_request_ids(request_id)),
        limit: 16,
        ..window.clone()
    };
    Ok(records(state, server_id, &page)
        .await?
        .into_iter()
        .find(|a| a.request_id() == request_id))
}

/// The request ids stored for a task that Nova shows as `request_id`: the raw id after
/// `req-` and, for a uuid, the two spellings the server writes (simple, as it generates
/// them, and hyphenated).
fn stored_request_ids(request_id: &str) -> Vec<String> {
    let Some(raw) = request_id.strip_prefix("req-") else {
        return Vec::new();
    };
    let mut ids = vec![raw.to_string()];
    if let Ok(id) = uuid::Uuid::try_parse(raw) {
        ids.push(id.simple().to_string());
        ids.push(id.hyphenated().to_string());
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}
