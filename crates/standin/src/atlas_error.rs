//! Atlas-style JSON error bodies (`{"detail","error","errorCode","parameters","reason"}`) and
//! the fixed pretty-printed 401 body of the digest layer.

use serde_json::{Value, json};

use crate::http::reason_phrase;

/// The digest 401 body exactly as recorded (Jackson pretty print, Atlas' own key order).
pub const UNAUTHORIZED_BODY: &str = "{\n  \"error\" : 401,\n  \"reason\" : \"Unauthorized\",\n  \"detail\" : \"You are not authorized for this resource.\"\n}";

/// One Atlas API error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtlasError {
    pub status: u16,
    pub code: &'static str,
    pub detail: String,
    pub parameters: Vec<String>,
}

impl AtlasError {
    pub fn new(status: u16, code: &'static str, detail: impl Into<String>) -> Self {
        AtlasError {
            status,
            code,
            detail: detail.into(),
            parameters: Vec::new(),
        }
    }

    pub fn with_parameters(mut self, parameters: &[&str]) -> Self {
        self.parameters = parameters.iter().map(|p| p.to_string()).collect();
        self
    }

    /// The body, keys in alphabetical order like the recordings.
    pub fn to_json(&self) -> Value {
        json!({
            "detail": self.detail,
            "error": self.status,
            "errorCode": self.code,
            "parameters": self.parameters,
            "reason": reason_phrase(self.status),
        })
    }

    pub fn invalid_json() -> Self {
        AtlasError::new(400, "INVALID_JSON", "Received JSON is malformed.")
    }

    pub fn resource_not_found(path: &str) -> Self {
        AtlasError::new(
            404,
            "RESOURCE_NOT_FOUND",
            format!("Cannot find resource {path}."),
        )
        .with_parameters(&[path])
    }

    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        AtlasError::new(
            405,
            "METHOD_NOT_ALLOWED",
            format!("Method {method} is not allowed for resource {path}."),
        )
        .with_parameters(&[method, path])
    }

    pub fn org_not_found(org_id: &str) -> Self {
        AtlasError::new(
            404,
            "ORG_NOT_FOUND",
            format!("No organization with ID {org_id} exists."),
        )
        .with_parameters(&[org_id])
    }

    pub fn invalid_org_id(org_id: &str) -> Self {
        AtlasError::new(
            400,
            "INVALID_ORG_ID",
            format!("An invalid organization ID {org_id} was specified."),
        )
        .with_parameters(&[org_id])
    }

    pub fn group_not_found(group_id: &str) -> Self {
        AtlasError::new(
            404,
            "GROUP_NOT_FOUND",
            format!("No group with ID {group_id} exists."),
        )
        .with_parameters(&[group_id])
    }

    pub fn invalid_group_id(group_id: &str) -> Self {
        AtlasError::new(
            400,
            "INVALID_GROUP_ID",
            format!("An invalid group ID {group_id} was specified."),
        )
        .with_parameters(&[group_id])
    }

    pub fn api_key_not_found(id: &str) -> Self {
        AtlasError::new(
            404,
            "API_KEY_NOT_FOUND",
            format!("No API key with ID {id} exists."),
        )
        .with_parameters(&[id])
    }

    pub fn access_list_entry_not_found(id: &str, entry: &str) -> Self {
        AtlasError::new(
            404,
            "ACCESS_LIST_ENTRY_NOT_FOUND",
            format!("IP address {entry} not on access list for API key {id}."),
        )
        .with_parameters(&[entry, id])
    }

    pub fn invalid_ip(value: &str) -> Self {
        AtlasError::new(
            400,
            "INVALID_IP_ADDRESS_OR_CIDR_NOTATION",
            format!("The address {value} must be in valid IP address or CIDR notation."),
        )
        .with_parameters(&[value])
    }

    pub fn missing_attribute(name: &str) -> Self {
        AtlasError::new(
            400,
            "MISSING_ATTRIBUTE",
            format!("The required attribute {name} was not specified."),
        )
        .with_parameters(&[name])
    }

    pub fn invalid_attribute(name: &str) -> Self {
        AtlasError::new(
            400,
            "INVALID_ATTRIBUTE",
            format!("Invalid attribute {name} specified."),
        )
        .with_parameters(&[name])
    }

    pub fn invalid_enum_value(value: &str) -> Self {
        AtlasError::new(
            400,
            "INVALID_ENUM_VALUE",
            format!("An invalid enumeration value {value} was specified."),
        )
        .with_parameters(&[value])
    }

    pub fn invalid_query_parameter(name: &str, value: &str) -> Self {
        AtlasError::new(
            400,
            "INVALID_QUERY_PARAMETER",
            format!("Invalid value {value} for query parameter {name}."),
        )
        .with_parameters(&[name, value])
    }

    pub fn invalid_version() -> Self {
        AtlasError::new(
            406,
            "INVALID_VERSION_DATE",
            "Invalid accept header or version date.",
        )
    }

    pub fn unsupported_media_type(content_type: &str) -> Self {
        AtlasError::new(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            format!("Invalid Content-Type header: {content_type}."),
        )
        .with_parameters(&[content_type])
    }

    pub fn bad_request(detail: &str) -> Self {
        AtlasError::new(400, "BAD_REQUEST", detail)
    }

    pub fn unauthorized() -> Self {
        AtlasError::new(
            401,
            "UNAUTHORIZED",
            "You are not authorized for this resource.",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_shape_matches_recordings() {
        let cases = [
            (
                AtlasError::group_not_found("111111111111111111111111"),
                r#"{"detail":"No group with ID 111111111111111111111111 exists.","error":404,"errorCode":"GROUP_NOT_FOUND","parameters":["111111111111111111111111"],"reason":"Not Found"}"#,
            ),
            (
                AtlasError::invalid_json(),
                r#"{"detail":"Received JSON is malformed.","error":400,"errorCode":"INVALID_JSON","parameters":[],"reason":"Bad Request"}"#,
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(error.to_json().to_string(), expected);
        }
    }

    #[test]
    fn unauthorized_body_is_the_recorded_one() {
        assert_eq!(UNAUTHORIZED_BODY.len(), 106);
    }
}
