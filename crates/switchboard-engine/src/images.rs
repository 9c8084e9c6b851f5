//! The images the servers were built from (a server's `image` attribute, named by its
//! `image_name`), kept by project in the list index: Glance's image list and show read a page
//! of image ids from it, so they cost their page, not the project's servers. A server's image
//! never changes (no edit reaches servers), so, like the rest of the index, this only grows;
//! an image is seen while one of its servers exists.

use crate::pages::UnknownMarker;
use crate::Engine;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use switchboard_core::{ResourceKind, ResourceSpec};

/// Each project's images: their servers by image id, and the ids by the name servers give.
#[derive(Debug, Default)]
pub(crate) struct ImageIndex {
    projects: HashMap<String, ProjectImages>,
}

#[derive(Debug, Default)]
struct ProjectImages {
    /// Image id → the server nodes built from it, ascending.
    servers: BTreeMap<String, Vec<usize>>,
    /// Image name (a server's `image_name`, else the id) → image ids.
    names: BTreeMap<String, BTreeSet<String>>,
}

/// The image and name `spec` gives, when it is a server built from one.
fn image_of(spec: &ResourceSpec) -> Option<(&str, &str)> {
    if spec.kind != ResourceKind::Server {
        return None;
    }
    let text = |k: &str| spec.attrs.get(k).and_then(Value::as_str);
    let id = text("image").filter(|i| !i.is_empty())?;
    Some((id, text("image_name").unwrap_or(id)))
}

impl ImageIndex {
    /// Adds node `n` (greater than every node already indexed).
    pub fn push(&mut self, n: usize, spec: &ResourceSpec) {
        let Some((id, name)) = image_of(spec) else {
            return;
        };
        let project = self.projects.entry(spec.project_id.clone()).or_default();
        project.servers.entry(id.to_string()).or_default().push(n);
        project
            .names
            .entry(name.to_string())
            .or_default()
            .insert(id.to_string());
    }
}

/// An image of a project: its id and name (that of its first existing server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectImage {
    pub id: String,
    pub name: String,
}

/// Which page of a project's images, in id order.
#[derive(Debug, Clone, Copy)]
pub struct ImageQuery<'a> {
    pub project_id: &'a str,
    /// Only images of exactly this name.
    pub name: Option<&'a str>,
    /// After this image of the project (whatever its name).
    pub marker: Option<&'a str>,
    /// At most this many.
    pub limit: usize,
}

/// One page of images; `next_marker` is the last one's id when more follow.
#[derive(Debug, Clone)]
pub struct ImagePage {
    pub items: Vec<ProjectImage>,
    pub next_marker: Option<String>,
}

impl Engine {
    /// Image `id` of `project`, while one of its servers exists.
    pub fn project_image(&self, project: &str, id: &str) -> Option<ProjectImage> {
        let world = self.inner.lock();
        let images = world.index.images.projects.get(project)?;
        let nodes = images.servers.get(id)?;
        resolve(&world, id, nodes)
    }

    /// One page of a project's images.
    pub fn image_page(&self, q: &ImageQuery<'_>) -> Result<ImagePage, UnknownMarker> {
        let world = self.inner.lock();
        let unknown = |m: &str| UnknownMarker(m.to_string());
        let Some(images) = world.index.images.projects.get(q.project_id) else {
            return match q.marker {
                Some(m) => Err(unknown(m)),
                None => Ok(ImagePage {
                    items: vec![],
                    next_marker: None,
                }),
            };
        };
        if let Some(m) = q.marker {
            let nodes = images.servers.get(m).ok_or_else(|| unknown(m))?;
            resolve(&world, m, nodes).ok_or_else(|| unknown(m))?;
        }
        let after = q.marker.map_or(Bound::Unbounded, Bound::Excluded);
        // The ids to look at, in order: all the project's, or those a server names `name`.
        let ids: Box<dyn Iterator<Item = &String>> = match q.name {
            None => Box::new(
                images
                    .servers
                    .range::<str, _>((after, Bound::Unbounded))
                    .map(|(id, _)| id),
            ),
            Some(name) => match images.names.get(name) {
                Some(ids) => Box::new(ids.range::<str, _>((after, Bound::Unbounded))),
                None => Box::new(std::iter::empty()),
            },
        };
        let mut found = ids
            .filter_map(|id| resolve(&world, id, images.servers.get(id.as_str())?))
            .filter(|image| q.name.is_none_or(|n| image.name == n));
        let items: Vec<ProjectImage> = found.by_ref().take(q.limit).collect();
        let next_marker = match items.last() {
            Some(last) if found.next().is_some() => Some(last.id.clone()),
            _ => None,
        };
        Ok(ImagePage { items, next_marker })
    }
}

/// Image `id` as its first existing server (of `nodes`) names it; `None` when none is left.
fn resolve(world: &crate::world::World, id: &str, nodes: &[usize]) -> Option<ProjectImage> {
    nodes
        .iter()
        .filter(|&&n| !world.nodes[n].deleted)
        .find_map(|&n| image_of(&world.specs[n]).filter(|(i, _)| *i == id))
        .map(|(id, name)| ProjectImage {
            id: id.to_string(),
            name: name.to_string(),
        })
}
