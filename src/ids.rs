//! Validated identifiers that become path segments.
//!
//! An id that could change the path (`/`, `?`, `#`, `%`, whitespace, `..`, or
//! anything outside `A-Z a-z 0-9 - _`) is a type error here, so the path we
//! sign is the path we send, and no id can reach another resource.

use std::fmt;

use crate::error::Error;

/// Longest id accepted; real ids are 32 (project) or 36 (server) characters.
const MAX_ID_LEN: usize = 128;

pub(crate) fn validate(field: &'static str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::invalid(field, "is empty"));
    }
    if value.len() > MAX_ID_LEN {
        return Err(Error::invalid(
            field,
            format!(
                "is {} bytes long; at most {MAX_ID_LEN} are allowed",
                value.len()
            ),
        ));
    }
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(Error::invalid(
            field,
            format!("{value:?} contains {c:?}; only letters, digits, '-' and '_' are allowed"),
        ));
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Validates `value` as a single, inert path segment.
            ///
            /// # Errors
            /// [`Error::InvalidInput`] when it is empty, longer than 128 bytes,
            /// or holds anything but ASCII letters, digits, `-` and `_`.
            pub fn new(value: impl Into<String>) -> Result<Self, Error> {
                let value = value.into();
                validate($field, &value)?;
                Ok($name(value))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                $name::new(s)
            }
        }
    };
}

id_type!(
    /// A Huawei Cloud project id (the `{project_id}` path segment).
    ///
    /// ```
    /// use hwcloud_ecs::ProjectId;
    /// assert!(ProjectId::new("0123456789abcdef0123456789abcdef").is_ok());
    /// assert!(ProjectId::new("../other").is_err());
    /// ```
    ProjectId,
    "project id"
);

id_type!(
    /// An ECS server id (the `{server_id}` path segment).
    ///
    /// ```
    /// use hwcloud_ecs::ServerId;
    /// assert!(ServerId::new("8c7a1f0e-0d3c-4b9e-9a57-0e5e7c2d1f00").is_ok());
    /// assert!(ServerId::new("srv 1/x").is_err());
    /// ```
    ServerId,
    "server id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_changing_ids_are_rejected() {
        for bad in [
            "", "a/b", "a?b", "a#b", "a%2Fb", "a b", "a\tb", "..", "a..b", ".", "a\nb", "é", "a;b",
            "a\\b",
        ] {
            assert!(ServerId::new(bad).is_err(), "{bad:?} must be rejected");
            assert!(ProjectId::new(bad).is_err(), "{bad:?} must be rejected");
        }
        assert!(ServerId::new("x".repeat(129)).is_err());
        assert!(ServerId::new("x".repeat(128)).is_ok());
    }

    #[test]
    fn error_names_the_field_and_the_character() {
        let err = ServerId::new("srv 1").unwrap_err().to_string();
        assert!(err.contains("server id") && err.contains("' '"), "{err}");
    }
}
