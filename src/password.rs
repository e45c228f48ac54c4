//! The ECS password operations: clear the generated password record, read
//! the encrypted password.

use crate::client::{ApiVersion, Client, OnThrottle};
use crate::error::Error;

/// The answer to a successful clear.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasswordCleared {
    /// HTTP status (204 from ECS; any 2xx is success).
    pub status: u16,
    /// The gateway's request id, for audit trails.
    pub request_id: Option<String>,
}

/// The stored, encrypted password of a Windows server.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EncryptedPassword {
    /// Base64 RSA ciphertext, or `None` when no password is stored (never
    /// generated yet, or cleared).
    pub ciphertext: Option<String>,
    /// HTTP status of the answer (200 from ECS; any 2xx is success).
    pub status: u16,
    /// The gateway's request id.
    pub request_id: Option<String>,
}

/// The password path of `server_id`, checked first: an id that could change
/// the path is an error before anything is built or sent.
fn password_path(client: &Client, server_id: &str) -> Result<String, Error> {
    crate::ids::validate("server id", server_id)?;
    let project = client.project_id().as_str();
    let (head, middle) = match client.api() {
        ApiVersion::V2_1 => ("/v2.1/", "/servers/"),
        ApiVersion::V1 => ("/v1/", "/cloudservers/"),
    };
    let tail = "/os-server-password";
    let mut path = String::with_capacity(
        head.len() + project.len() + middle.len() + server_id.len() + tail.len(),
    );
    for piece in [head, project, middle, server_id, tail] {
        path.push_str(piece);
    }
    Ok(path)
}

impl Client {
    /// Deletes the password record that ECS generated when the Windows
    /// server was first installed. Logging in with the password keeps
    /// working; only [`Client::get_password`] can no longer return it.
    ///
    /// Uses `DELETE` on the client's [`ApiVersion`] path.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] before sending when `server_id` is not a valid
    /// id; [`Error::Api`] when ECS refuses (e.g. 404 for an unknown server:
    /// see [`Error::is_not_found`]); transport errors as in [`Client::send`].
    pub fn clear_password(&self, server_id: impl AsRef<str>) -> Result<PasswordCleared, Error> {
        self.clear_password_with(server_id.as_ref(), OnThrottle::Wait)
    }

    /// [`Client::clear_password`], with a throttled answer waited out or
    /// returned at once (for a bulk run, which puts the server back).
    pub(crate) fn clear_password_with(
        &self,
        server_id: &str,
        on_throttle: OnThrottle,
    ) -> Result<PasswordCleared, Error> {
        let target = password_path(self, server_id)?;
        let response = self.send_bodiless("DELETE", target, on_throttle)?;
        Ok(PasswordCleared {
            status: response.status,
            request_id: response.request_id,
        })
    }

    /// Reads the encrypted password (`GET` on the same path).
    ///
    /// # Errors
    /// As [`Client::clear_password`], plus [`Error::InvalidResponse`] when
    /// the answer has no `password` string.
    pub fn get_password(&self, server_id: impl AsRef<str>) -> Result<EncryptedPassword, Error> {
        self.get_password_with(server_id.as_ref(), OnThrottle::Wait)
    }

    /// [`Client::get_password`], with a throttled answer waited out or
    /// returned at once.
    pub(crate) fn get_password_with(
        &self,
        server_id: &str,
        on_throttle: OnThrottle,
    ) -> Result<EncryptedPassword, Error> {
        let target = password_path(self, server_id)?;
        let response = self.send_bodiless("GET", target, on_throttle)?;
        let json = response.json()?;
        let password = json
            .get("password")
            .and_then(|p| p.as_str())
            .ok_or_else(|| response.invalid("no \"password\" string in the answer"))?;
        Ok(EncryptedPassword {
            ciphertext: (!password.is_empty()).then(|| password.to_owned()),
            status: response.status,
            request_id: response.request_id,
        })
    }
}
