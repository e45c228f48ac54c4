//! Decrypting a Windows password with the key pair's private key
//! (base64 RSA PKCS#1 v1.5 ciphertext; key in PEM, PKCS#1 or PKCS#8).

use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey};
use zeroize::Zeroizing;

use crate::error::Error;

/// Decrypts `ciphertext_base64` (as [`crate::EncryptedPassword`] holds it)
/// with the PEM private key of the server's key pair.
///
/// The result is the plain password: it is wiped from memory when dropped.
///
/// # Errors
/// [`Error::InvalidKey`] when the PEM is not an unencrypted RSA key,
/// [`Error::MalformedCiphertext`] when the text is not base64 of the key's
/// size, [`Error::WrongKey`] when it does not decrypt with this key.
pub fn decrypt_password(
    ciphertext_base64: &str,
    private_key_pem: &str,
) -> Result<Zeroizing<String>, Error> {
    use base64::Engine;
    let key = RsaPrivateKey::from_pkcs1_pem(private_key_pem)
        .or_else(|_| RsaPrivateKey::from_pkcs8_pem(private_key_pem))
        .map_err(|e| {
            Error::InvalidKey(format!(
                "not an unencrypted RSA private key in PEM (PKCS#1 or PKCS#8): {e}"
            ))
        })?;
    let compact: String = ciphertext_base64
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| Error::MalformedCiphertext(format!("not base64: {e}")))?;
    if bytes.len() != key.size() {
        return Err(Error::MalformedCiphertext(format!(
            "{} bytes, but a {}-bit key's ciphertext has {}",
            bytes.len(),
            key.size() * 8,
            key.size()
        )));
    }
    let plain = Zeroizing::new(
        key.decrypt(Pkcs1v15Encrypt, &bytes)
            .map_err(|_| Error::WrongKey)?,
    );
    String::from_utf8(plain.to_vec())
        .map(Zeroizing::new)
        .map_err(|_| Error::WrongKey)
}
