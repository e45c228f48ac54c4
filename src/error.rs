//! The crate's one error type.

use std::error::Error as StdError;
use std::fmt;

/// Everything that can go wrong, flat and matchable.
///
/// Secrets never appear in an error: inputs that carry them are described,
/// not echoed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Input was rejected before any byte was sent.
    InvalidInput {
        /// What was wrong, e.g. `"server id"` or `"endpoint"`.
        field: &'static str,
        /// Why, in words a user can act on.
        reason: String,
    },
    /// Configuration is missing or inconsistent (environment, builder).
    Config(String),
    /// The ECS metadata service could not give what was asked (not inside
    /// an ECS, no agency, an answer that cannot be read, or temporary
    /// credentials that expired and could not be refreshed).
    Metadata(String),
    /// The IAM lookup of the project id did not find exactly one project.
    ProjectLookup {
        /// The region whose project was looked up (the project's name).
        region: String,
        /// The ids of the projects found: none, or several.
        found: Vec<String>,
        /// IAM's request id, for a support ticket.
        request_id: Option<String>,
    },
    /// The service answered with a status that is not 2xx.
    Api(Box<ApiError>),
    /// The request did not complete: DNS, connection, TLS or I/O failure.
    Transport {
        /// What failed, in words.
        message: String,
        /// How many attempts were made, this one included.
        attempts: u32,
        /// The underlying cause.
        source: Option<Box<dyn StdError + Send + Sync>>,
    },
    /// A timeout fired before the response was complete.
    Timeout {
        /// Which phase timed out.
        message: String,
        /// How many attempts were made, this one included.
        attempts: u32,
        /// The underlying cause.
        source: Option<Box<dyn StdError + Send + Sync>>,
    },
    /// Waiting for a server's password ended before one was stored.
    WaitTimedOut {
        /// The server waited for.
        server_id: String,
        /// How long the client waited.
        waited: std::time::Duration,
        /// How many times the password was read (each answered "none stored").
        polls: u32,
        /// The HTTP status of the last of those answers.
        last_status: u16,
    },
    /// The private key could not be read (not PEM, not RSA, encrypted...).
    InvalidKey(String),
    /// The stored password is not base64 RSA ciphertext of the key's size.
    MalformedCiphertext(String),
    /// The ciphertext does not decrypt with this key: it belongs to another key pair.
    WrongKey,
    /// A bulk run stopped before this server's call was sent: the gateway
    /// refused the credentials or the project, or the caller stopped it.
    /// Nothing was sent for this server.
    #[non_exhaustive]
    NotAttempted {
        /// Why the run stopped, in words.
        reason: String,
        /// The last answer the gateway gave this server, when it answered
        /// before the run gave the server up (a throttled answer whose wait
        /// was too long); `None` for a server nothing was sent for.
        last_answer: Option<Box<ApiError>>,
    },
    /// A 2xx response whose body could not be understood.
    InvalidResponse {
        /// HTTP status of the response.
        status: u16,
        /// What was wrong with it.
        reason: String,
        /// The start of the body, cut to a bounded length.
        snippet: String,
    },
}

impl Error {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field,
            reason: reason.into(),
        }
    }

    /// The API error details, when the service answered with an error status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The HTTP status of the service's error answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.api().map(|a| a.status)
    }

    /// The service's error code (`APIGW.0301`, `Ecs.0114`, `itemNotFound`, ...).
    pub fn code(&self) -> Option<&str> {
        self.api().and_then(|a| a.code.as_deref())
    }

    /// The gateway's request id of the error answer, for a support ticket.
    pub fn request_id(&self) -> Option<&str> {
        self.api().and_then(|a| a.request_id.as_deref())
    }

    /// True when the service said the resource does not exist: HTTP 404,
    /// except the gateway's `APIGW.0101` ("the API does not exist"), which
    /// means a wrong project id, region or endpoint, not a missing server.
    pub fn is_not_found(&self) -> bool {
        self.api()
            .is_some_and(|a| a.status == 404 && !a.is_unknown_api())
    }

    /// True when every further call with this configuration would fail
    /// the same way, so a bulk run should stop sending: the gateway refused
    /// the credentials (401, or 403 with a gateway code) or does not know
    /// the API (`APIGW.0101`: wrong project id, region or endpoint). On the
    /// real gateway, repeated signature failures lock the AK.
    pub fn stops_bulk_run(&self) -> bool {
        self.api().is_some_and(|a| {
            let gateway_code = a
                .code
                .as_deref()
                .is_some_and(|c| c.starts_with("APIGW.") || c.starts_with("APIG."));
            a.status == 401 || (a.status == 403 && gateway_code) || a.is_unknown_api()
        })
    }

    /// True for the refusals of [`Self::stops_bulk_run`] that concern every
    /// project of the account: the credentials themselves (401). A 403 or
    /// an unknown API concerns one project's permissions or address.
    pub fn stops_every_project(&self) -> bool {
        self.api().is_some_and(|a| a.status == 401)
    }

    /// How many attempts were made before this error (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Api(api) => api.attempts,
            Error::Transport { attempts, .. } | Error::Timeout { attempts, .. } => *attempts,
            _ => 0,
        }
    }

    /// Records that this error ended attempt number `attempts`.
    pub(crate) fn with_attempts(mut self, count: u32) -> Self {
        match &mut self {
            Error::Api(api) => api.attempts = count,
            Error::Transport { attempts, .. } | Error::Timeout { attempts, .. } => {
                *attempts = count
            }
            _ => {}
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidInput { field, reason } => write!(f, "invalid {field}: {reason}"),
            Error::Config(message) => write!(f, "configuration error: {message}"),
            Error::Metadata(message) => f.write_str(message),
            Error::ProjectLookup {
                region,
                found,
                request_id,
            } => {
                match found.as_slice() {
                    [] => write!(f, "IAM has no project named {region:?} for this account")?,
                    ids => write!(
                        f,
                        "IAM has {} projects named {region:?} ({}), so which one is meant is unclear",
                        ids.len(),
                        ids.join(", ")
                    )?,
                }
                if let Some(id) = request_id {
                    write!(f, " (request id {id})")?;
                }
                f.write_str("; set the project id explicitly: HUAWEICLOUD_SDK_PROJECT_ID, project_id in the credentials file, or ClientBuilder::project_id")
            }
            Error::Api(api) => fmt::Display::fmt(api, f),
            Error::Transport {
                message, attempts, ..
            } => write!(f, "transport error: {message}{}", after(*attempts)),
            Error::Timeout {
                message, attempts, ..
            } => write!(f, "timed out: {message}{}", after(*attempts)),
            Error::WaitTimedOut { server_id, waited, .. } => write!(
                f,
                "no password was stored for server {server_id} within {waited:?}; Windows servers store it 5 to 10 minutes after first boot"
            ),
            Error::InvalidKey(why) => write!(f, "cannot read the private key: {why}"),
            Error::MalformedCiphertext(why) => write!(f, "the stored password is not valid ciphertext: {why}"),
            Error::WrongKey => f.write_str(
                "the password does not decrypt with this private key: use the key pair the server was created with",
            ),
            Error::NotAttempted { reason, .. } => write!(f, "not attempted: {reason}"),
            Error::InvalidResponse {
                status,
                reason,
                snippet,
            } => write!(
                f,
                "unexpected response (HTTP {status}): {reason}; body: {snippet:?}"
            ),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Transport { source, .. } | Error::Timeout { source, .. } => {
                source.as_deref().map(|s| s as &(dyn StdError + 'static))
            }
            _ => None,
        }
    }
}

/// An error answer from the API gateway or ECS.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// Service error code, e.g. `APIGW.0301`, `Ecs.0114`, or a Nova fault
    /// name such as `itemNotFound`.
    pub code: Option<String>,
    /// Service error message.
    pub message: Option<String>,
    /// The request id (`X-Request-Id` header, else the body's `request_id`).
    pub request_id: Option<String>,
    /// The start of a body that did not match a known error shape.
    pub snippet: Option<String>,
    /// How many attempts were made; this answer ended the last one.
    pub attempts: u32,
    /// The wait the server asked for (`Retry-After`) when it reached past
    /// the call's deadline, so that the call ended instead of sleeping.
    pub retry_after: Option<std::time::Duration>,
    /// For a refused signature whose message quotes the gateway's canonical
    /// request: the first line where it differs from ours (or that they
    /// agree, so the key is what differs). Security tokens are never shown.
    pub diagnosis: Option<String>,
}

impl ApiError {
    /// The longest [`ApiError::snippet`] kept, in characters.
    pub const MAX_SNIPPET_CHARS: usize = crate::error_body::SNIPPET_CHARS;

    /// The error an answer with `status` and `body` stands for, read as the
    /// client reads every error body (the gateway's, ECS's and Nova's
    /// shapes; anything else kept as a bounded snippet; a security token in
    /// a quoted canonical request hidden): for a program that
    /// sends with its own HTTP stack and wants the same typed error. The
    /// request id is the body's; the `X-Request-Id` header, when there is
    /// one, is the caller's to set.
    ///
    /// ```
    /// use hwcloud_ecs::ApiError;
    ///
    /// let body = br#"{"error":{"code":"Ecs.0114","message":"Server not found."}}"#;
    /// let error = ApiError::from_body(404, body);
    /// assert_eq!(error.code.as_deref(), Some("Ecs.0114"));
    /// assert_eq!(error.to_string(), "HTTP 404 Ecs.0114: Server not found.");
    /// ```
    pub fn from_body(status: u16, body: &[u8]) -> ApiError {
        let parsed = crate::error_body::parse_error_body(body);
        ApiError {
            status,
            code: parsed.code,
            message: parsed.message.as_deref().map(crate::sign::redact_quoted),
            request_id: parsed.request_id,
            snippet: parsed.snippet,
            attempts: 1,
            retry_after: None,
            diagnosis: None,
        }
    }

    /// True for the gateway's signature failure (`APIGW.0301` / `APIG.0301`).
    pub fn is_signature_failure(&self) -> bool {
        matches!(self.code.as_deref(), Some("APIGW.0301" | "APIG.0301"))
    }

    /// True for the gateway's "the API does not exist" (`APIGW.0101`):
    /// the path names a project or route it does not serve.
    pub fn is_unknown_api(&self) -> bool {
        matches!(self.code.as_deref(), Some("APIGW.0101" | "APIG.0101"))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(snippet) = &self.snippet {
            write!(f, ": body {snippet:?}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        f.write_str(&after(self.attempts))?;
        if let Some(wait) = self.retry_after {
            write!(
                f,
                "; the server asked to retry after {} s, past the call's deadline",
                wait.as_secs()
            )?;
        }
        Ok(())
    }
}

impl StdError for ApiError {}

/// ` after N attempts` when the call was retried, else nothing.
fn after(attempts: u32) -> String {
    if attempts > 1 {
        format!(" after {attempts} attempts")
    } else {
        String::new()
    }
}

/// Credentials the signer refused are invalid input, named by their field.
impl From<hwcloud_sign::InvalidCredentials> for Error {
    fn from(invalid: hwcloud_sign::InvalidCredentials) -> Self {
        Error::InvalidInput {
            field: invalid.field,
            reason: invalid.reason,
        }
    }
}
