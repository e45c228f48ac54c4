//! Access key, secret key and optional security token.
//!
//! The secret key and the token never leave this module in printable form:
//! `Debug` redacts them, no `Display` exists, and their memory is wiped on drop.
//! The secret key is kept only as the HMAC key prepared from it (its text is
//! wiped as soon as that key is made), since signing needs nothing else.

use std::fmt;

use zeroize::Zeroize;

use super::key::SigningKey;

/// Credentials that cannot be used: which part, and why. The message never
/// repeats a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidCredentials {
    /// What was wrong: `"access key"`, `"secret key"` or `"security token"`.
    pub field: &'static str,
    /// Why, in words a user can act on.
    pub reason: String,
}

impl InvalidCredentials {
    fn new(field: &'static str, reason: impl Into<String>) -> Self {
        InvalidCredentials {
            field,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for InvalidCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.field, self.reason)
    }
}

impl std::error::Error for InvalidCredentials {}

/// A secret string: redacted in `Debug`, zeroed when dropped.
#[derive(Clone)]
struct Secret(String);

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// AK/SK credentials, optionally temporary (with a security token).
///
/// ```
/// use hwcloud_sign::Credentials;
///
/// let creds = Credentials::new("AKEXAMPLE", "sk-secret")?.with_security_token("token-secret")?;
/// let shown = format!("{creds:?}");
/// assert!(shown.contains("AKEXAMPLE"));
/// assert!(!shown.contains("sk-secret") && !shown.contains("token-secret"));
/// # Ok::<(), hwcloud_sign::InvalidCredentials>(())
/// ```
#[derive(Clone)]
pub struct Credentials {
    access_key: String,
    /// The HMAC key of the SK, prepared once and wiped on drop. The SK
    /// itself is not kept: signing needs only this.
    signing_key: SigningKey,
    security_token: Option<Secret>,
}

impl Credentials {
    /// Permanent credentials from an access key (AK) and secret key (SK).
    ///
    /// # Errors
    /// [`InvalidCredentials`] when the AK is empty or is not printable ASCII
    /// without spaces, or when the SK is empty or holds a control character.
    /// The message never repeats the secret.
    pub fn new(
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Result<Self, InvalidCredentials> {
        let access_key = access_key.into();
        let secret_key = Secret(secret_key.into());
        // `Secret` wipes the SK's text when it goes out of scope here.
        if access_key.is_empty() {
            return Err(InvalidCredentials::new("access key", "is empty"));
        }
        if let Some(c) = access_key.chars().find(|c| !c.is_ascii_graphic()) {
            return Err(InvalidCredentials::new(
                "access key",
                format!("contains {c:?}; only printable ASCII without spaces is allowed"),
            ));
        }
        check_secret("secret key", &secret_key.0)?;
        Ok(Credentials {
            access_key,
            signing_key: SigningKey::new(secret_key.0.as_bytes()),
            security_token: None,
        })
    }

    /// Adds the security token of temporary credentials; it is sent and
    /// signed as `X-Security-Token`.
    ///
    /// # Errors
    /// [`InvalidCredentials`] when the token is empty or is not printable
    /// ASCII (it travels in a header). The message never repeats the token.
    pub fn with_security_token(
        mut self,
        token: impl Into<String>,
    ) -> Result<Self, InvalidCredentials> {
        let token = Secret(token.into());
        check_secret("security token", &token.0)?;
        if token.0.chars().any(|c| !c.is_ascii_graphic()) {
            return Err(InvalidCredentials::new(
                "security token",
                "contains a character that is not printable ASCII",
            ));
        }
        self.security_token = Some(token);
        Ok(self)
    }

    /// The access key (AK); it is not secret and appears in `Authorization`.
    pub fn access_key(&self) -> &str {
        &self.access_key
    }

    /// Whether these are temporary credentials carrying a security token.
    pub fn has_security_token(&self) -> bool {
        self.security_token.is_some()
    }

    /// Whether the SK is `secret` (tests only: compares the HMAC keys).
    #[cfg(test)]
    pub(crate) fn has_secret_key(&self, secret: &str) -> bool {
        let probe = b"probe";
        let tag = SigningKey::new(secret.as_bytes()).sign(probe);
        self.signing_key.verify(probe, tag.as_ref())
    }

    /// The HMAC key of the SK, prepared when the credentials were made.
    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.signing_key
    }

    pub(crate) fn security_token(&self) -> Option<&str> {
        self.security_token.as_ref().map(|t| t.0.as_str())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &self.access_key)
            .field("secret_key", &self.signing_key)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

fn check_secret(field: &'static str, value: &str) -> Result<(), InvalidCredentials> {
    if value.is_empty() {
        return Err(InvalidCredentials::new(field, "is empty"));
    }
    if value.chars().any(char::is_control) {
        return Err(InvalidCredentials::new(
            field,
            "contains a control character (CR, LF, NUL, ...)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_and_control_characters_without_echoing_secrets() {
        assert!(Credentials::new("", "sk").is_err());
        assert!(Credentials::new("AK", "").is_err());
        assert!(Credentials::new("A K", "sk").is_err());
        assert!(Credentials::new("AK\r\n", "sk").is_err());
        let err = Credentials::new("AK", "SKtopSECRET\n").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("SKtop"), "{err}");
        let err = Credentials::new("AK", "sk")
            .unwrap()
            .with_security_token("TOKsecretVALUE\rX-Evil: 1")
            .unwrap_err();
        assert!(!format!("{err} {err:?}").contains("TOKsecret"), "{err:?}");
        assert!(Credentials::new("AK", "sk")
            .unwrap()
            .with_security_token("tok en")
            .is_err());
    }

    #[test]
    fn accepts_percent_and_unicode_in_the_secret_key() {
        let creds = Credentials::new("AK", "a%b\u{e9}").unwrap();
        assert!(creds.has_secret_key("a%b\u{e9}"));
        assert!(!creds.has_secret_key("a%b"));
        assert!(!creds.has_security_token());
    }
}
