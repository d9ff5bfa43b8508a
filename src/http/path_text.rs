//! Paths whose parameters hide control characters (`/dsg/plans/a%00b`) are refused before any handler runs:
//! a name or ref with a NUL can name nothing, and PostgreSQL fails on NUL in a query.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::error::ApiError;

pub async fn refuse_control_characters(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if has_control_character(req.path()) {
        let refused = ApiError::parameter(
            "path",
            "the path must not contain control characters (such as %00)",
        );
        return Ok(req.error_response(refused).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// Whether the percent-decoded path holds a control character (C0, DEL or C1). One pass over the path.
pub fn has_control_character(path: &str) -> bool {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = |offset: usize| {
            bytes
                .get(at + offset)
                .and_then(|b| char::from(*b).to_digit(16))
        };
        match (bytes[at], hex(1), hex(2)) {
            (b'%', Some(high), Some(low)) => {
                decoded.push((high * 16 + low) as u8);
                at += 3;
            }
            (byte, _, _) => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded)
        .chars()
        .any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::has_control_character;

    #[test]
    fn finds_encoded_controls_only() {
        assert!(has_control_character("/dsg/plans/a%00b"));
        assert!(has_control_character("/lines/CFE%0aSAV05"));
        assert!(has_control_character("/lines/%7F"));
        assert!(has_control_character("/lines/%C2%85"));
        assert!(!has_control_character("/lines/CFE%20SAV05/history"));
        assert!(!has_control_character("/lines/2021%2F22%"));
        assert!(!has_control_character("/dsg/plans/r%C3%A9cup%e9"));
    }
}
