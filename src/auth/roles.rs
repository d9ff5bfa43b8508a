//! Role extractors: a handler that takes `Admin`, `Editor` or `CouncilEditor` before its body is refused 403
//! for a lesser key before the body is read or parsed.
//!
//! actix polls a handler's extractors in argument order and stops at the first error; these resolve on their
//! first poll (the key was found by `require_key`), so the body's extractor never runs for a refused key.
//! `RefEditor` also checks the directorate a path's `{ref}` names. Rules that need the stored object (a new
//! line's directorate is in its body) stay in the services, which check again in any case.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use super::actor::{Actor, Role};
use crate::domain::LineRef;
use crate::error::ApiError;

/// An admin key.
pub struct Admin(pub Actor);

/// An editor key (of some directorates or all) or an admin key: anything but a reader.
pub struct Editor(pub Actor);

/// An editor of the directorate named by the path's `{ref}`, or an admin. A ref always agrees with its line's
/// directorate, so this holds before the line is read. A ref that does not parse passes, for the handler to
/// answer 400 naming it.
pub struct RefEditor(pub Actor);

/// An approver key: approves or rejects changes to approved lines (its directorates are checked against the
/// change set's lines by the service).
pub struct Approver(pub Actor);

impl FromRequest for Approver {
    type Error = ApiError;
    type Future = Ready<Result<Approver, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(known_actor(req).and_then(|actor| match actor.role {
            Role::Approver => Ok(Approver(actor)),
            role => Err(ApiError::Forbidden(format!(
                "key {} is {} key; approving or rejecting a change needs an approver key",
                actor.name,
                role.with_article()
            ))),
        }))
    }
}

/// An approver or an admin key: closes or reopens a year's outturn (the service checks an approver's
/// directorates against the year's approved savings).
pub struct Closer(pub Actor);

impl FromRequest for Closer {
    type Error = ApiError;
    type Future = Ready<Result<Closer, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(known_actor(req).and_then(|actor| match actor.role {
            Role::Approver | Role::Admin => Ok(Closer(actor)),
            role => Err(ApiError::Forbidden(format!(
                "key {} is {} key; closing or reopening a year's outturn needs an approver or admin key",
                actor.name,
                role.with_article()
            ))),
        }))
    }
}

/// A key that may record what a body decided: anything but a reader. Recording a decision changes no figure.
pub struct Recorder(pub Actor);

/// A key that may change council-wide figures (the DSG): an editor of every directorate, or an admin.
pub struct CouncilEditor(pub Actor);

/// The caller `require_key` found; 401 if the handler is reached without it (it is mounted outside `/api/v1`).
fn known_actor(req: &HttpRequest) -> Result<Actor, ApiError> {
    req.extensions().get::<Actor>().cloned().ok_or_else(|| {
        ApiError::Unauthorized("send an API key as `Authorization: Bearer <token>`".to_owned())
    })
}

/// The caller, unless it is a reader.
fn known_editor(req: &HttpRequest) -> Result<Actor, ApiError> {
    known_actor(req).and_then(|actor| match actor.role {
        Role::Reader | Role::Approver => Err(ApiError::Forbidden(format!(
            "key {} is {} key; changing figures needs an editor key",
            actor.name,
            actor.role.with_article()
        ))),
        Role::Editor | Role::Admin => Ok(actor),
    })
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Ready<Result<Admin, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(known_actor(req).and_then(|actor| actor.require_admin().map(|()| Admin(actor))))
    }
}

impl FromRequest for Editor {
    type Error = ApiError;
    type Future = Ready<Result<Editor, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(known_editor(req).map(Editor))
    }
}

impl FromRequest for Recorder {
    type Error = ApiError;
    type Future = Ready<Result<Recorder, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(known_actor(req).and_then(|actor| match actor.role {
            Role::Reader => Err(ApiError::Forbidden(format!(
                "key {} is a reader key; recording a decision needs an editor, approver or admin key",
                actor.name
            ))),
            Role::Editor | Role::Approver | Role::Admin => Ok(Recorder(actor)),
        }))
    }
}

impl FromRequest for CouncilEditor {
    type Error = ApiError;
    type Future = Ready<Result<CouncilEditor, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(known_actor(req).and_then(|actor| {
            actor
                .require_council_editor()
                .map(|()| CouncilEditor(actor))
        }))
    }
}

impl FromRequest for RefEditor {
    type Error = ApiError;
    type Future = Ready<Result<RefEditor, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let named = req
            .match_info()
            .get("ref")
            .and_then(|text| LineRef::parse(text).ok());
        ready(known_editor(req).and_then(|editor| {
            match named {
                Some(line_ref) => editor
                    .require_editor_of(line_ref.directorate())
                    .map(|()| RefEditor(editor)),
                None => Ok(RefEditor(editor)),
            }
        }))
    }
}
