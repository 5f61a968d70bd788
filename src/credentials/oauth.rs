//! OAuth for the credentials that are not API keys, with no I/O: the service-account token request
//! (client credentials), the user-login refresh request, reading their answers, the expiry of a JWT
//! access token, and the messages for refused credentials (README "Service accounts").

use std::time::{SystemTime, UNIX_EPOCH};

use gocompat::url::query_escape;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};

use crate::support::secret::Secret;

/// The public client id of the Atlas CLI's user login (commercial and government clouds).
pub const CLOUD_CLIENT_ID: &str = "0oabtxactgS3gHIR0297";
pub const CLOUD_GOV_CLIENT_ID: &str = "0oabtyfelbTBdoucy297";

/// A JWT counts as expired this many seconds before its `exp`.
const EXPIRY_SKEW_SECS: u64 = 10;

/// What a token endpoint handed out.
#[derive(Debug)]
pub struct Token {
    pub access_token: Secret<String>,
    pub refresh_token: Option<Secret<String>>,
    pub expires_in: Option<u64>,
}

/// Which token endpoint answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// The service-account endpoint, `/api/oauth/token`.
    ClientCredentials,
    /// The user-login refresh endpoint.
    Refresh,
}

/// Why a token endpoint said no.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The client credentials are wrong (`invalid_client`, or a 401).
    Unauthorized,
    /// The refresh token is no longer valid (`INVALID_REFRESH_TOKEN`).
    SessionExpired,
    /// Anything else: the status line.
    Other(String),
}

/// `POST <token url>` with `grant_type=client_credentials`, the client in a Basic header.
pub fn client_credentials_request(
    url: &reqwest::Url,
    client_id: &str,
    client_secret: &Secret<String>,
) -> anyhow::Result<reqwest::Request> {
    use base64::Engine;
    let basic = format!(
        "{}:{}",
        query_escape(client_id),
        query_escape(client_secret.expose())
    );
    let encoded = base64::engine::general_purpose::STANDARD.encode(basic);
    let mut authorization = HeaderValue::from_str(&format!("Basic {encoded}"))?;
    authorization.set_sensitive(true);
    Ok(form_request(
        url,
        "grant_type=client_credentials".to_string(),
        Some(authorization),
    ))
}

/// `POST <refresh url>` exchanging a refresh token for new tokens.
pub fn refresh_request(
    url: &reqwest::Url,
    client_id: &str,
    refresh_token: &Secret<String>,
) -> reqwest::Request {
    // Go's url.Values.Encode: keys sorted.
    let body = format!(
        "client_id={}&grant_type=refresh_token&refresh_token={}&scope={}",
        query_escape(client_id),
        query_escape(refresh_token.expose()),
        query_escape("openid profile offline_access")
    );
    form_request(url, body, None)
}

fn form_request(
    url: &reqwest::Url,
    body: String,
    authorization: Option<HeaderValue>,
) -> reqwest::Request {
    let mut request = reqwest::Request::new(reqwest::Method::POST, url.clone());
    let headers = request.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    if let Some(value) = authorization {
        headers.insert(AUTHORIZATION, value);
    }
    *request.body_mut() = Some(body.into());
    request
}

/// Reads a token endpoint's answer. `unauthorized` is kept for refused client credentials
/// (`invalid_client`, or a 401 from the service-account endpoint); an invalid refresh token is
/// an expired session ("Service accounts").
pub fn parse_token_response(
    status: reqwest::StatusCode,
    body: &[u8],
    kind: TokenKind,
) -> Result<Token, Refusal> {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
    if !status.is_success() {
        let error = json["error"].as_str().unwrap_or_default();
        let code = json["errorCode"].as_str().unwrap_or_default();
        let refused_client = error == "invalid_client"
            || (kind == TokenKind::ClientCredentials
                && status == reqwest::StatusCode::UNAUTHORIZED);
        return Err(
            if kind == TokenKind::Refresh && code == "INVALID_REFRESH_TOKEN" {
                Refusal::SessionExpired
            } else if refused_client {
                Refusal::Unauthorized
            } else {
                Refusal::Other(crate::api::response::status_line(status))
            },
        );
    }
    let Some(access) = json["access_token"].as_str().filter(|t| !t.is_empty()) else {
        return Err(Refusal::Other(
            "the answer holds no access_token".to_string(),
        ));
    };
    Ok(Token {
        access_token: Secret::new(access.to_string()),
        refresh_token: json["refresh_token"]
            .as_str()
            .map(|t| Secret::new(t.to_string())),
        expires_in: json["expires_in"].as_u64(),
    })
}

/// True when a JWT access token has expired (or will within the skew); a token without `exp`
/// never expires. A token that is not a JWT is an error, in golang-jwt's words.
pub fn jwt_expired(token: &str) -> Result<bool, String> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims, _signature] = parts.as_slice() else {
        return Err("token is malformed: token contains an invalid number of segments".to_string());
    };
    decode_segment(header, "header")?;
    let claims = decode_segment(claims, "claim")?;
    match &claims["exp"] {
        serde_json::Value::Null => Ok(false),
        serde_json::Value::Number(exp) => {
            let exp = exp.as_f64().unwrap_or(f64::MAX);
            Ok(exp <= now_secs().saturating_add(EXPIRY_SKEW_SECS) as f64)
        }
        _ => {
            Err("token is malformed: could not JSON decode claim: exp is not a number".to_string())
        }
    }
}

/// A JWT segment: unpadded URL-safe base64 of a JSON object.
fn decode_segment(segment: &str, what: &str) -> Result<serde_json::Value, String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .map_err(|e| format!("token is malformed: could not base64 decode {what}: {e}"))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("token is malformed: could not JSON decode {what}: {e}"))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(format!(
            "token is malformed: could not JSON decode {what}: not an object"
        ))
    }
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The hint that follows a refusal: where the credentials come from.
fn hint(profile: &str, config_path: &str) -> String {
    format!(
        "Check client_id/client_secret or public_api_key/private_api_key in profile \"{profile}\" of {config_path}, or the MONGODB_ATLAS_* environment variables."
    )
}

/// `unauthorized`, a blank line, the hint.
pub fn unauthorized_message(profile: &str, config_path: &str) -> String {
    format!("unauthorized\n\n{}", hint(profile, config_path))
}

/// The reference's session-expired text with the hint in place of `atlas auth login`.
pub fn session_expired_message(profile: &str, config_path: &str) -> String {
    format!(
        "session expired\n\nPlease note that your session expires periodically. \nIf you use Atlas CLI for automation, see https://www.mongodb.com/docs/atlas/cli/stable/atlas-cli-automate/ for best practices.\n{}",
        hint(profile, config_path)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use reqwest::StatusCode;

    fn b64url(text: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
    }

    fn jwt(payload: &str) -> String {
        format!("{}.{}.sig", b64url(r#"{"alg":"none"}"#), b64url(payload))
    }

    #[test]
    fn token_requests_carry_the_client_in_a_basic_header() {
        let url = "http://h/api/oauth/token".parse().unwrap();
        let request =
            client_credentials_request(&url, "mdb_sa_id", &Secret::new("s3cr:t+".into())).unwrap();
        assert_eq!(request.method(), reqwest::Method::POST);
        let auth = request.headers()[AUTHORIZATION].clone();
        assert!(auth.is_sensitive());
        let encoded = auth
            .to_str()
            .unwrap()
            .strip_prefix("Basic ")
            .unwrap()
            .to_string();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        assert_eq!(decoded, b"mdb_sa_id:s3cr%3At%2B");
        assert_eq!(
            request.headers()[CONTENT_TYPE],
            "application/x-www-form-urlencoded"
        );
        assert_eq!(
            request.body().and_then(|b| b.as_bytes()),
            Some(&b"grant_type=client_credentials"[..])
        );

        let request = refresh_request(&url, CLOUD_CLIENT_ID, &Secret::new("r/t".into()));
        assert_eq!(
            request.body().and_then(|b| b.as_bytes()),
            Some(&b"client_id=0oabtxactgS3gHIR0297&grant_type=refresh_token&refresh_token=r%2Ft&scope=openid+profile+offline_access"[..])
        );
    }

    #[test]
    fn token_answers_are_read_or_refused_by_endpoint() {
        use TokenKind::{ClientCredentials as Sa, Refresh};
        let ok = parse_token_response(
            StatusCode::OK,
            br#"{"access_token":"a","expires_in":3600,"token_type":"Bearer"}"#,
            Sa,
        )
        .unwrap();
        assert_eq!(ok.access_token.expose(), "a");
        assert_eq!(ok.expires_in, Some(3600));
        let cases: &[(u16, &str, TokenKind, Refusal)] = &[
            (
                400,
                r#"{"error":"invalid_client"}"#,
                Sa,
                Refusal::Unauthorized,
            ),
            (401, "", Sa, Refusal::Unauthorized),
            (
                400,
                r#"{"error":"invalid_grant"}"#,
                Sa,
                Refusal::Other("400 Bad Request".into()),
            ),
            (
                400,
                r#"{"errorCode":"INVALID_REFRESH_TOKEN"}"#,
                Refresh,
                Refusal::SessionExpired,
            ),
            (
                401,
                r#"{"errorCode":"INVALID_REFRESH_TOKEN"}"#,
                Refresh,
                Refusal::SessionExpired,
            ),
            (401, "", Refresh, Refusal::Other("401 Unauthorized".into())),
            (
                500,
                "oops",
                Sa,
                Refusal::Other("500 Internal Server Error".into()),
            ),
            (
                200,
                r#"{"token_type":"Bearer"}"#,
                Sa,
                Refusal::Other("the answer holds no access_token".into()),
            ),
        ];
        for (status, body, kind, want) in cases {
            let status = StatusCode::from_u16(*status).unwrap();
            let got = parse_token_response(status, body.as_bytes(), *kind).unwrap_err();
            assert_eq!(&got, want, "{status} {body} {kind:?}");
        }
    }

    #[test]
    fn jwt_expiry_is_read_without_verification() {
        let later = now_secs() + 3600;
        assert_eq!(jwt_expired(&jwt(r#"{"exp":1}"#)), Ok(true));
        assert_eq!(
            jwt_expired(&jwt(&format!(r#"{{"exp":{}}}"#, now_secs() + 5))),
            Ok(true),
            "within the skew"
        );
        assert_eq!(
            jwt_expired(&jwt(&format!(r#"{{"exp":{later}}}"#))),
            Ok(false)
        );
        assert_eq!(jwt_expired(&jwt(r#"{"sub":"x"}"#)), Ok(false));
        assert_eq!(jwt_expired(&jwt(r#"{"exp":1e300}"#)), Ok(false));
        let malformed = |token: &str| jwt_expired(token).unwrap_err();
        assert_eq!(
            malformed("abc"),
            "token is malformed: token contains an invalid number of segments"
        );
        assert!(
            malformed(&format!("!!!.{}.s", b64url(r#"{"exp":1}"#)))
                .starts_with("token is malformed: could not base64 decode header")
        );
        assert!(
            malformed("e30.!!.c").starts_with("token is malformed: could not base64 decode claim")
        );
        assert!(
            malformed(&jwt("not json"))
                .starts_with("token is malformed: could not JSON decode claim")
        );
        assert!(
            malformed(&jwt(r#"{"exp":"1"}"#))
                .starts_with("token is malformed: could not JSON decode claim")
        );
    }

    #[test]
    fn refusal_messages_name_the_profile_and_file() {
        assert_eq!(
            unauthorized_message("ci", "/h/.config/atlascli/config.toml"),
            "unauthorized\n\nCheck client_id/client_secret or public_api_key/private_api_key in profile \"ci\" of /h/.config/atlascli/config.toml, or the MONGODB_ATLAS_* environment variables."
        );
        assert!(session_expired_message("ci", "/c").starts_with(
            "session expired\n\nPlease note that your session expires periodically. \nIf you use"
        ));
    }
}
