//! Timestamps: UTC, stored without a zone, to the microsecond (PostgreSQL's precision) so a stored time reads
//! back exactly as it was answered.

use time::{OffsetDateTime, PrimitiveDateTime};

pub fn now() -> PrimitiveDateTime {
    let now = OffsetDateTime::now_utc();
    let micros = now.nanosecond() / 1_000 * 1_000;
    let now = now
        .replace_nanosecond(micros)
        .expect("a truncated nanosecond is valid");
    PrimitiveDateTime::new(now.date(), now.time())
}

pub fn utc(stored: PrimitiveDateTime) -> OffsetDateTime {
    stored.assume_utc()
}

/// An instant in any offset, as stored (UTC, no zone, to the microsecond: what both engines keep, and what the
/// audit chain hashes).
pub fn stored(at: OffsetDateTime) -> PrimitiveDateTime {
    let at = at.to_offset(time::UtcOffset::UTC);
    let at = at
        .replace_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .expect("a truncated nanosecond is valid");
    PrimitiveDateTime::new(at.date(), at.time())
}
