//! A line's JSON, stored beside it (`body` and `body_format` on `lines` and on `line_states`): written in the
//! transaction of the change that made the state, and served as it is by reads of a line and of a page, which
//! then neither decode the row and its profile nor write JSON afresh. A body of another format, or none (rows
//! written before bodies were kept), is never served: the read decodes the row as before, and start-up rewrites
//! such bodies (`repo::refresh_bodies`, `states::refresh_bodies`). A change to `Line`'s JSON puts `FORMAT` up.

use diesel::QueryResult;

use super::model::Line;

/// The shape of `Line`'s JSON that stored bodies are written in: put up by one whenever that JSON changes.
pub const FORMAT: i32 = 1;

/// A line's JSON, as stored and served.
pub fn render(line: &Line) -> QueryResult<String> {
    serde_json::to_string(line)
        .map_err(|error| diesel::result::Error::SerializationError(Box::new(error)))
}

/// The columns a read of stored lines selects: ref (as stored text), version, body format and body.
pub type Columns = (String, i64, i32, Option<String>);

/// A line as a read of its stored JSON finds it.
#[derive(Debug)]
pub struct StoredLine {
    /// The ref as stored (its normal form), read as text: only a page's last is parsed, for its cursor.
    pub line_ref: String,
    pub version: i64,
    /// `Line`'s JSON, in the current `FORMAT`.
    pub body: String,
}

impl StoredLine {
    /// The line, when its body is there and in the current format.
    pub fn from_columns((line_ref, version, format, body): Columns) -> Option<StoredLine> {
        let body = body.filter(|_| format == FORMAT)?;
        Some(StoredLine {
            line_ref,
            version,
            body,
        })
    }

    /// Every row's line, or `None` when any row's body cannot be served (the caller reads them decoded).
    pub fn all(rows: Vec<Columns>) -> Option<Vec<StoredLine>> {
        rows.into_iter().map(StoredLine::from_columns).collect()
    }
}

/// How a JSON object whose first member is an empty `lines` array begins, as serde_json writes it.
const EMPTY_LINES: &[u8] = b"{\"lines\":[]";

/// The JSON of a page whose first member is `lines`: `without_lines` (the page written with no lines) with
/// each stored body inside its `"lines":[]`, in order. `None` when `without_lines` does not begin that way.
pub fn with_lines(without_lines: &[u8], lines: &[StoredLine]) -> Option<Vec<u8>> {
    let rest = without_lines.strip_prefix(EMPTY_LINES)?;
    let bodies: usize = lines.iter().map(|line| line.body.len() + 1).sum();
    let mut json = Vec::with_capacity(without_lines.len() + bodies);
    json.extend_from_slice(&EMPTY_LINES[..EMPTY_LINES.len() - 1]);
    for (n, line) in lines.iter().enumerate() {
        if n > 0 {
            json.push(b',');
        }
        json.extend_from_slice(line.body.as_bytes());
    }
    json.push(b']');
    json.extend_from_slice(rest);
    Some(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(body: &str) -> StoredLine {
        StoredLine {
            line_ref: "CFE SAV05".to_owned(),
            version: 1,
            body: body.to_owned(),
        }
    }

    #[test]
    fn bodies_go_inside_the_empty_lines_array() {
        let page = br#"{"lines":[],"view":"incremental","next":null}"#;
        assert_eq!(
            with_lines(page, &[stored(r#"{"a":1}"#), stored(r#"{"b":2}"#)]).as_deref(),
            Some(&br#"{"lines":[{"a":1},{"b":2}],"view":"incremental","next":null}"#[..])
        );
        assert_eq!(
            with_lines(page, &[]).as_deref(),
            Some(&page[..]),
            "no lines leave the page as it was"
        );
    }

    #[test]
    fn a_page_that_does_not_begin_with_lines_is_refused() {
        assert_eq!(
            with_lines(br#"{"view":"incremental","lines":[]}"#, &[stored("{}")]),
            None
        );
        assert_eq!(with_lines(br#"{"lines":[1]}"#, &[stored("{}")]), None);
    }

    #[test]
    fn a_body_of_another_format_is_not_served() {
        let line_ref = "CFE SAV05".to_owned();
        assert!(
            StoredLine::from_columns((line_ref.clone(), 3, FORMAT, Some("{}".into()))).is_some()
        );
        assert!(
            StoredLine::from_columns((line_ref.clone(), 3, FORMAT - 1, Some("{}".into())))
                .is_none()
        );
        assert!(StoredLine::from_columns((line_ref, 3, FORMAT, None)).is_none());
    }
}
