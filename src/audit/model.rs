//! An event as the trail keeps it, and a change as a write describes it.

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::entity::Entity;
use super::snapshot::{self, Audited};

/// A change about to be recorded.
pub struct Change {
    /// When it happened: the changed entity's own update time, so `as_at` that time shows the change.
    pub at: OffsetDateTime,
    pub entity: Entity,
    pub entity_ref: String,
    pub action: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub reason: Option<String>,
}

impl Change {
    /// `after` is stored as its snapshot (see [`snapshot`]), never as an API type.
    pub fn created<T: Audited>(
        at: OffsetDateTime,
        entity: Entity,
        entity_ref: &str,
        after: &T,
    ) -> Change {
        Change {
            at,
            entity,
            entity_ref: entity_ref.to_owned(),
            action: "created".to_owned(),
            before: None,
            after: Some(state(after)),
            reason: None,
        }
    }

    pub fn updated<T: Audited>(
        at: OffsetDateTime,
        entity: Entity,
        entity_ref: &str,
        action: &str,
        before: &T,
        after: &T,
        reason: Option<&str>,
    ) -> Change {
        Change {
            at,
            entity,
            entity_ref: entity_ref.to_owned(),
            action: action.to_owned(),
            before: Some(state(before)),
            after: Some(state(after)),
            reason: reason.map(str::to_owned),
        }
    }
}

fn state<T: Audited>(value: &T) -> Value {
    snapshot::stored(&value.snapshot())
}

/// One recorded write.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "42", "occurred_at": "2021-06-30T16:05:00Z", "actor": "cfe-finance", "entity": "line", "ref": "CFE SAV13",
    "action": "withdrawn", "before": {"status": "agreed"}, "after": {"status": "withdrawn"},
    "reason": "Service transferred to a trust",
    "hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
}))]
pub struct Event {
    /// The event's position in commit order; also a cursor for `GET /changes`.
    pub id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// The name of the key that made the change (or of the command-line operation).
    pub actor: String,
    pub entity: Entity,
    #[serde(rename = "ref")]
    pub entity_ref: String,
    /// `created`, `updated`, `withdrawn`, `reinstated`, `revoked` or `closed`.
    pub action: String,
    /// The entity before the change, as the API shows it (DSG balances: the figures as entered); absent on
    /// creation.
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// The entity after the change, in the same form.
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    pub reason: Option<String>,
    /// The event's chain hash: the SHA-256 of its content as stored and of the event before it. Keep the newest
    /// one you have read; `mtfs verify --head` checks a database against it. Absent only on an event written by
    /// an older release and not yet chained.
    pub hash: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entity_reads_back_from_its_name() {
        for entity in Entity::ALL {
            assert_eq!(Entity::from_name(entity.as_str()), Some(entity));
        }
    }
}
