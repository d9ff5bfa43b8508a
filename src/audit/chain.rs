//! The audit trail's hash chain, as pure functions: an event's content hash over its fields as stored, the link
//! that joins it to the event before it, and the check that walks the trail and names the first break.
//!
//! Each event carries `content_hash` = SHA-256 of its fields (each length-prefixed, so no two contents frame the
//! same bytes) and `chain_hash` = SHA-256 of the previous event's `chain_hash` and its own `content_hash`. An
//! event changed in place no longer matches its content hash; one removed, or one inserted out of order, leaves
//! the next event's link pointing at the wrong predecessor. Rewriting the whole chain from the broken event on is
//! possible for whoever can write to the database; a head kept elsewhere (`Verifier::expect_head`) catches that.

use std::fmt;

use sha2::{Digest, Sha256};
use time::macros::format_description;
use time::PrimitiveDateTime;

use crate::auth::token::hex;

/// An event's fields exactly as the database keeps them.
pub struct Content<'a> {
    pub occurred_at: PrimitiveDateTime,
    pub actor: &'a str,
    pub entity: &'a str,
    pub entity_ref: &'a str,
    pub action: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub reason: Option<&'a str>,
}

/// Written before every hash, so a hash of this chain is never mistaken for one of another purpose.
const DOMAIN: &[u8] = b"mtfs audit event v1";

/// The SHA-256 of an event's content, in hex. The instant is written to the microsecond, the precision both
/// databases keep (`db::time`).
pub fn content_hash(content: &Content) -> String {
    let instant = content
        .occurred_at
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]"
        ))
        .expect("a stored instant formats");
    let mut hasher = Sha256::new();
    hasher.update(DOMAIN);
    for field in [
        Some(instant.as_str()),
        Some(content.actor),
        Some(content.entity),
        Some(content.entity_ref),
        Some(content.action),
        content.before,
        content.after,
        content.reason,
    ] {
        match field {
            // NULL and "" must differ: a NULL is a length no text can have.
            None => hasher.update(u64::MAX.to_be_bytes()),
            Some(text) => {
                hasher.update((text.len() as u64).to_be_bytes());
                hasher.update(text.as_bytes());
            }
        }
    }
    hex(&hasher.finalize())
}

/// The chain hash of an event whose content hash is `content`, after the event whose chain hash is `previous`
/// (`None` for the first event).
pub fn link(previous: Option<&str>, content: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"mtfs audit chain v1");
    hasher.update(previous.unwrap_or("").as_bytes());
    hasher.update(b"\n");
    hasher.update(content.as_bytes());
    hex(&hasher.finalize())
}

/// One stored event, as the check reads it.
pub struct Stored<'a> {
    pub id: i64,
    pub content: Content<'a>,
    pub content_hash: Option<&'a str>,
    pub chain_hash: Option<&'a str>,
}

/// The first thing wrong with the trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The event's fields no longer hash to its content hash: it was changed after it was written.
    Changed { id: i64 },
    /// The event does not follow the one before it in the chain: an event between them was removed, or this
    /// one was inserted (or rewritten) out of order.
    Unlinked { id: i64, after: Option<i64> },
    /// The event was never chained (written by a release without the chain, and no write since chained it).
    Unsealed { id: i64 },
    /// The head kept elsewhere is not in this database's chain.
    HeadMissing { head: String },
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Break::Changed { id } => write!(
                f,
                "event {id} was changed: its stored content does not match its hash"
            ),
            Break::Unlinked { id, after: None } => write!(
                f,
                "event {id} does not start the chain: an event before it was removed, or it was inserted out of order"
            ),
            Break::Unlinked {
                id,
                after: Some(after),
            } => {
                let missing = match id - after {
                    ..=1 => String::new(),
                    2 => format!(" (id {} is missing)", after + 1),
                    _ => format!(" (ids {} to {} are missing)", after + 1, id - 1),
                };
                write!(
                    f,
                    "event {id} does not follow event {after}: an event between them was removed{missing}, or \
                     event {id} was inserted out of order"
                )
            }
            Break::Unsealed { id } => write!(f, "event {id} has no hash: it was never chained"),
            Break::HeadMissing { head } => write!(
                f,
                "the head {head} is not in this database's chain: the trail was rewritten, or this database is \
                 older than that head"
            ),
        }
    }
}

/// Walks the trail in id order, one event at a time, and stops at the first break.
#[derive(Default)]
pub struct Verifier {
    previous: Option<(i64, String)>,
    events: u64,
    expected_head: Option<String>,
    head_seen: bool,
}

/// What a whole trail that verified holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub events: u64,
    /// The last event's chain hash: publish it, keep it, and check a later copy against it.
    pub head: Option<String>,
    pub last_id: Option<i64>,
}

impl Verifier {
    /// Requires `head`, a chain hash kept outside the database, to be somewhere in the chain.
    pub fn expect_head(head: &str) -> Verifier {
        Verifier {
            expected_head: Some(head.to_ascii_lowercase()),
            ..Verifier::default()
        }
    }

    pub fn check(&mut self, event: &Stored) -> Result<(), Break> {
        let id = event.id;
        let (Some(content_hash), Some(chain_hash)) = (event.content_hash, event.chain_hash) else {
            return Err(Break::Unsealed { id });
        };
        if self::content_hash(&event.content) != content_hash {
            return Err(Break::Changed { id });
        }
        let previous = self.previous.as_ref().map(|(_, hash)| hash.as_str());
        if link(previous, content_hash) != chain_hash {
            return Err(Break::Unlinked {
                id,
                after: self.previous.as_ref().map(|(id, _)| *id),
            });
        }
        if self.expected_head.as_deref() == Some(chain_hash) {
            self.head_seen = true;
        }
        self.previous = Some((id, chain_hash.to_owned()));
        self.events += 1;
        Ok(())
    }

    pub fn finish(self) -> Result<Verified, Break> {
        if let Some(head) = self.expected_head.filter(|_| !self.head_seen) {
            return Err(Break::HeadMissing { head });
        }
        Ok(Verified {
            events: self.events,
            last_id: self.previous.as_ref().map(|(id, _)| *id),
            head: self.previous.map(|(_, hash)| hash),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn content(reason: Option<&str>) -> Content<'_> {
        Content {
            occurred_at: datetime!(2021-06-30 16:05:00.123456),
            actor: "cfe-finance",
            entity: "line",
            entity_ref: "CFE SAV13",
            action: "withdrawn",
            before: Some(r#"{"status":"agreed"}"#),
            after: Some(r#"{"status":"withdrawn"}"#),
            reason,
        }
    }

    /// An event's id and hashes as a correct writer would have stored them.
    struct Sealed {
        id: i64,
        content_hash: String,
        chain_hash: String,
    }

    impl Sealed {
        fn new(id: i64, content: &Content, previous: Option<&Sealed>) -> Sealed {
            let content_hash = content_hash(content);
            let chain_hash = link(previous.map(|p| p.chain_hash.as_str()), &content_hash);
            Sealed {
                id,
                content_hash,
                chain_hash,
            }
        }

        fn stored<'a>(&'a self, content: Content<'a>) -> Stored<'a> {
            Stored {
                id: self.id,
                content,
                content_hash: Some(&self.content_hash),
                chain_hash: Some(&self.chain_hash),
            }
        }
    }

    #[test]
    fn a_null_and_an_empty_text_hash_apart() {
        assert_ne!(
            content_hash(&content(None)),
            content_hash(&content(Some("")))
        );
    }

    #[test]
    fn fields_are_framed_so_text_cannot_move_between_them() {
        let mut moved = content(None);
        moved.actor = "cfe-financel";
        moved.entity = "ine";
        assert_ne!(content_hash(&moved), content_hash(&content(None)));
    }

    #[test]
    fn an_intact_chain_verifies_and_names_its_head() {
        let first = Sealed::new(1, &content(None), None);
        let second = Sealed::new(2, &content(Some("Service transferred")), Some(&first));
        let mut verifier = Verifier::expect_head(&first.chain_hash);
        verifier.check(&first.stored(content(None))).unwrap();
        verifier
            .check(&second.stored(content(Some("Service transferred"))))
            .unwrap();
        let verified = verifier.finish().unwrap();
        assert_eq!(verified.events, 2);
        assert_eq!(verified.head.as_deref(), Some(second.chain_hash.as_str()));
        assert_eq!(verified.last_id, Some(2));
    }

    #[test]
    fn a_changed_removed_or_foreign_event_is_named() {
        let first = Sealed::new(1, &content(None), None);
        let second = Sealed::new(2, &content(Some("a")), Some(&first));
        let third = Sealed::new(3, &content(Some("b")), Some(&second));

        let mut changed = Verifier::default();
        changed.check(&first.stored(content(None))).unwrap();
        let mut tampered = content(Some("a"));
        tampered.action = "updated";
        assert_eq!(
            changed.check(&second.stored(tampered)),
            Err(Break::Changed { id: 2 })
        );

        let mut removed = Verifier::default();
        removed.check(&first.stored(content(None))).unwrap();
        let gap = removed
            .check(&third.stored(content(Some("b"))))
            .unwrap_err();
        assert_eq!(
            gap,
            Break::Unlinked {
                id: 3,
                after: Some(1)
            }
        );
        assert!(gap.to_string().contains("(id 2 is missing)"), "{gap}");

        let mut first_removed = Verifier::default();
        assert_eq!(
            first_removed.check(&second.stored(content(Some("a")))),
            Err(Break::Unlinked { id: 2, after: None })
        );

        let mut rewritten = Verifier::expect_head("00ff");
        rewritten.check(&first.stored(content(None))).unwrap();
        assert_eq!(
            rewritten.finish(),
            Err(Break::HeadMissing {
                head: "00ff".into()
            })
        );
    }
}
