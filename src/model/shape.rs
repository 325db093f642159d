//! Recognising a document's shape and folding it into the one model.

use std::ffi::CString;

use super::raw::{self, Doc, OneOrMany, Text};
use super::{Detail, Job, JobError, Output, Rendition, State};
use crate::json::Node;

/// The shapes of API.md §3, decided from the body alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// v1 psdService: top-level `outputs`.
    PsdService,
    /// Lightroom v1: `outputs` whose elements have `_links.self`.
    Lightroom,
    /// v2: top-level `status` with `result`, `errorDetails`, `createdTime`
    /// or `modifiedTime`.
    V2,
    /// Sensei v1: top-level `status` with `output`, `errors` or `input`.
    Sensei,
    /// Masking v1: any other document with a top-level `status`.
    Masking,
    /// A submit response: none of the above, so the job is pending.
    Submit,
}

impl Shape {
    pub(super) fn recognise(doc: &Doc) -> Shape {
        if let Some(outputs) = &doc.outputs {
            let elements = || outputs.0.iter().flatten();
            let lightroom = elements()
                .any(|o| o.links.as_ref().is_some_and(|l| l.self_link.is_some()))
                && !elements().any(|o| o.links.as_ref().is_some_and(|l| l.renditions.is_some()));
            return if lightroom {
                Shape::Lightroom
            } else {
                Shape::PsdService
            };
        }
        if doc.status.is_none() {
            return Shape::Submit;
        }
        if doc.result.is_some()
            || doc.error_details.is_some()
            || doc.created_time.is_some()
            || doc.modified_time.is_some()
        {
            Shape::V2
        } else if doc.output.is_some() || doc.errors.is_some() || doc.input.is_some() {
            Shape::Sensei
        } else {
            Shape::Masking
        }
    }
}

fn text(t: Option<Text>) -> Option<CString> {
    t.map(|t| t.0)
}

/// Folds a raw document into the model. `tree` is the document's tree,
/// needed (and given) only for masking.
pub(super) fn fold(doc: Doc, shape: Shape, tree: Option<&Node>) -> Job {
    let self_href = doc
        .links
        .as_ref()
        .and_then(|l| l.self_link.as_ref())
        .and_then(|s| s.href.clone())
        .or_else(|| doc.status_url.clone());
    let job_id = text(doc.job_id.clone());
    let self_href = text(self_href);
    let job_status = doc
        .status
        .as_ref()
        .map(|s| State::from_status(&s.0.to_string_lossy()));

    let outputs = match shape {
        Shape::PsdService | Shape::Lightroom => outputs_list(doc),
        Shape::V2 => vec![v2_output(doc)],
        Shape::Sensei => vec![sensei_output(doc)],
        Shape::Masking => vec![masking_output(doc, tree)],
        Shape::Submit => Vec::new(),
    };
    let state = job_status.unwrap_or_else(|| State::fold(outputs.iter().map(|o| o.state)));
    Job {
        job_id,
        self_href,
        state,
        outputs,
    }
}

fn state_of(status: &Option<Text>) -> State {
    status.as_ref().map_or(State::Unknown, |s| {
        State::from_status(&s.0.to_string_lossy())
    })
}

fn outputs_list(doc: Doc) -> Vec<Output> {
    let (top_created, top_modified) = (text(doc.created), text(doc.modified));
    let outputs = doc.outputs.map(|o| o.0).unwrap_or_default();
    outputs
        .into_iter()
        .map(|raw| {
            let raw = raw.unwrap_or_default();
            let state = state_of(&raw.status);
            let mut renditions = Vec::new();
            if let Some(links) = raw.links {
                for r in links.renditions.map(|l| l.0).unwrap_or_default() {
                    renditions.push(rendition(r.unwrap_or_default()));
                }
                // Lightroom names its one file `_links.self`.
                if renditions.is_empty() {
                    renditions.extend(links.self_link.map(rendition));
                }
            }
            let mut errors: Vec<JobError> = raw
                .errors
                .into_iter()
                .chain(raw.error)
                .flat_map(|e| e.0)
                .map(job_error)
                .collect();
            // Lightroom: a `details` / `errorDetails` string is the error.
            if let Some(title) = raw.details.or(raw.error_details) {
                errors.push(JobError {
                    title: Some(title.0),
                    ..JobError::default()
                });
            }
            Output {
                input: text(raw.input),
                status: text(raw.status),
                state,
                created: text(raw.created).or_else(|| top_created.clone()),
                modified: text(raw.modified).or_else(|| top_modified.clone()),
                renditions,
                errors,
            }
        })
        .collect()
}

fn rendition(r: raw::Rendition) -> Rendition {
    Rendition {
        href: text(r.href),
        storage: text(r.storage),
        media_type: text(r.media_type),
        width: r.width.map(|w| w.0),
    }
}

fn job_error(e: raw::Error) -> JobError {
    // Legacy form: `{code, error: {type, title}}`.
    let nested = e.nested.map(|n| *n).unwrap_or_default();
    let details = e
        .details
        .or(nested.details)
        .map(|d| d.0)
        .unwrap_or_default();
    JobError {
        code: e.code.or(nested.code).map(|c| c.0),
        error_type: text(e.error_type.or(nested.error_type)),
        title: text(e.title.or(e.message).or(nested.title).or(nested.message)),
        details: details
            .into_iter()
            .map(|d| Detail {
                name: text(d.name),
                reason: text(d.reason),
            })
            .collect(),
    }
}

fn errors_of(list: Option<OneOrMany<raw::Error>>) -> impl Iterator<Item = JobError> {
    list.into_iter().flat_map(|l| l.0).map(job_error)
}

fn v2_output(doc: Doc) -> Output {
    let renditions = doc
        .result
        .and_then(|r| r.outputs)
        .map(|l| l.0)
        .unwrap_or_default()
        .into_iter()
        .map(|o| {
            let o = o.unwrap_or_default();
            Rendition {
                href: text(o.destination.and_then(|d| d.url).or(o.url)),
                media_type: text(o.media_type),
                ..Rendition::default()
            }
        })
        .collect();
    Output {
        state: state_of(&doc.status),
        status: text(doc.status),
        created: text(doc.created_time.or(doc.created)),
        modified: text(doc.modified_time.or(doc.modified)),
        renditions,
        errors: errors_of(doc.error_details)
            .chain(errors_of(doc.errors))
            .collect(),
        input: text(doc.input),
    }
}

fn sensei_output(doc: Doc) -> Output {
    Output {
        state: state_of(&doc.status),
        status: text(doc.status),
        input: text(doc.input),
        created: text(doc.created.or(doc.created_time)),
        modified: text(doc.modified.or(doc.modified_time)),
        renditions: doc.output.map(rendition).into_iter().collect(),
        errors: errors_of(doc.errors)
            .chain(errors_of(doc.error_details))
            .collect(),
    }
}

fn masking_output(doc: Doc, tree: Option<&Node>) -> Output {
    let mut renditions = Vec::new();
    if let Some(tree) = tree {
        collect_destinations(tree, &mut renditions);
    }
    let mut errors: Vec<JobError> = errors_of(doc.errors).collect();
    if doc.error_code.is_some() || doc.message.is_some() {
        errors.push(JobError {
            code: doc.error_code.map(|c| c.0),
            title: text(doc.message),
            ..JobError::default()
        });
    }
    Output {
        state: state_of(&doc.status),
        status: text(doc.status),
        input: text(doc.input),
        created: text(doc.created.or(doc.created_time)),
        modified: text(doc.modified.or(doc.modified_time)),
        renditions,
        errors,
    }
}

/// Every `destination.url` outside `_links`, in document order, with the
/// `mediaType` beside it. Walks with a list, not recursion.
fn collect_destinations(root: &Node, out: &mut Vec<Rendition>) {
    let mut pending = vec![root];
    while let Some(node) = pending.pop() {
        match node {
            Node::Object(members) => {
                if let Some(url) = node.get("destination").and_then(|d| d.get("url")) {
                    if let Some(href) = url.as_c_str() {
                        out.push(Rendition {
                            href: Some(href.to_owned()),
                            media_type: node
                                .get("mediaType")
                                .and_then(Node::as_c_str)
                                .map(ToOwned::to_owned),
                            ..Rendition::default()
                        });
                    }
                }
                // Reversed onto the list, so they come off in order.
                for (key, value) in members.iter().rev() {
                    if &**key != "_links" && &**key != "destination" {
                        pending.push(value);
                    }
                }
            }
            Node::Array(items) => pending.extend(items.iter().rev()),
            _ => {}
        }
    }
}
