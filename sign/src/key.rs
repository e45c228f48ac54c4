//! The HMAC-SHA256 key derived from a secret key, prepared once.
//!
//! Setting up an HMAC key hashes two blocks (the key XOR `ipad` and XOR
//! `opad`): about a fifth of a whole signature. [`crate::Credentials`]
//! therefore prepares it once, next to the SK, and wipes it on drop like
//! the SK itself.
//!
//! ring's key type has no `Drop` and no way to zero it, and we write no
//! `unsafe` code. Two things make the wipe sound all the same:
//! - The key lives in a `Box`, so it never moves: moving the credentials
//!   moves a pointer and leaves no stray copy of the key state behind.
//! - Wiping assigns, in place, the key of an empty secret. That value has
//!   the same layout and the same state variant, so every byte that held
//!   state derived from the SK is overwritten with a public constant.
//!   `black_box` then makes the compiler treat the memory as read, so the
//!   store is not dropped as dead before the box is freed.
//!
//! Each signature still copies the key's state into a short-lived context
//! on the stack inside ring, as it did when the key was made per call.

use std::fmt;
use std::hint::black_box;

use ring::hmac;

/// An HMAC-SHA256 key, overwritten in place when dropped.
#[derive(Clone)]
pub(crate) struct SigningKey(Box<hmac::Key>);

impl SigningKey {
    /// Prepares the key for `secret`.
    pub(crate) fn new(secret: &[u8]) -> Self {
        SigningKey(Box::new(hmac::Key::new(hmac::HMAC_SHA256, secret)))
    }

    /// The HMAC of `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> hmac::Tag {
        hmac::sign(&self.0, message)
    }

    /// Checks `tag` against the HMAC of `message`, in constant time.
    pub(crate) fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        hmac::verify(&self.0, message, tag).is_ok()
    }

    /// Replaces the key state, where it lies, by that of an empty secret.
    fn wipe(&mut self) {
        *self.0 = hmac::Key::new(hmac::HMAC_SHA256, &[]);
        black_box(&*self.0);
    }
}

impl Drop for SigningKey {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_like_a_fresh_ring_key() {
        let key = SigningKey::new(b"SKsecret");
        let fresh = hmac::Key::new(hmac::HMAC_SHA256, b"SKsecret");
        assert_eq!(
            key.sign(b"message").as_ref(),
            hmac::sign(&fresh, b"message").as_ref()
        );
        let tag = hmac::sign(&fresh, b"message");
        assert!(key.verify(b"message", tag.as_ref()));
        assert!(!key.verify(b"messagE", tag.as_ref()));
    }

    #[test]
    fn wiping_leaves_only_the_empty_secrets_key_in_place() {
        let mut key = SigningKey::new(b"SKsecret");
        let address = std::ptr::from_ref::<hmac::Key>(&key.0);
        let before = key.sign(b"m");
        key.wipe();
        let empty = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &[]), b"m");
        assert_ne!(key.sign(b"m").as_ref(), before.as_ref());
        assert_eq!(key.sign(b"m").as_ref(), empty.as_ref());
        // Overwritten where it lay, not replaced by a new allocation.
        assert_eq!(std::ptr::from_ref::<hmac::Key>(&key.0), address);
    }

    #[test]
    fn debug_shows_nothing_of_the_key() {
        assert_eq!(format!("{:?}", SigningKey::new(b"s")), "<redacted>");
    }
}
