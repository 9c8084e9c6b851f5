//! Secret keys of AK/SK credentials are needed in clear to verify signatures, so they are kept
//! encrypted at rest (ChaCha20-Poly1305) under a master key.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the master key file is not 64 hex characters")]
    BadKeyFile,
    #[error("a stored secret could not be decrypted (wrong master key?)")]
    Undecryptable,
}

/// The key that encrypts stored secrets. Never printed.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// From `SWITCHBOARD_MASTER_KEY`: any passphrase, stretched to 32 bytes with SHA-256.
    pub fn from_passphrase(passphrase: &str) -> MasterKey {
        MasterKey(Sha256::digest(passphrase.as_bytes()).into())
    }

    /// From the contents of a key file written by `generate`.
    pub fn from_file_contents(text: &str) -> Result<MasterKey, SecretError> {
        let bytes = hex::decode(text.trim()).map_err(|_| SecretError::BadKeyFile)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SecretError::BadKeyFile)?;
        Ok(MasterKey(key))
    }

    /// A new random key and the text to store in the key file.
    pub fn generate() -> (MasterKey, String) {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        (MasterKey(key), hex::encode(key))
    }

    /// A one-way check of the key, so that replicas sharing a database can tell they were
    /// given the same key without revealing it.
    pub fn fingerprint(&self) -> String {
        let mut digest = Sha256::new();
        digest.update(b"switchboard master key check\0");
        digest.update(self.0);
        hex::encode(digest.finalize())
    }

    /// `hex(nonce || ciphertext)`.
    pub fn encrypt(&self, plaintext: &str) -> String {
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.0));
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .expect("ChaCha20-Poly1305 encryption of a short secret cannot fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        hex::encode(out)
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, SecretError> {
        let bytes = hex::decode(stored).map_err(|_| SecretError::Undecryptable)?;
        if bytes.len() < 12 {
            return Err(SecretError::Undecryptable);
        }
        let (nonce, sealed) = bytes.split_at(12);
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.0));
        let plain = cipher
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| SecretError::Undecryptable)?;
        String::from_utf8(plain).map_err(|_| SecretError::Undecryptable)
    }
}

/// A new access key id (20 upper-case letters and digits, like Huawei's).
pub fn new_access_key() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// A new secret key (40 characters).
pub fn new_secret_key() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 40];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_only_under_their_key() {
        let (key, text) = MasterKey::generate();
        let stored = key.encrypt("SKEXAMPLEsecret");
        assert!(!stored.contains("SKEXAMPLE"));
        assert_eq!(key.decrypt(&stored).unwrap(), "SKEXAMPLEsecret");
        assert_eq!(
            MasterKey::from_file_contents(&text)
                .unwrap()
                .decrypt(&stored)
                .unwrap(),
            "SKEXAMPLEsecret"
        );
        assert!(MasterKey::from_passphrase("other")
            .decrypt(&stored)
            .is_err());
        assert_ne!(key.encrypt("x"), key.encrypt("x"), "fresh nonce each time");
        assert!(MasterKey::from_file_contents("zz").is_err());
        assert_eq!(format!("{key:?}"), "MasterKey(..)");
    }

    #[test]
    fn access_keys_look_like_huawei_ones() {
        let ak = new_access_key();
        assert_eq!(ak.len(), 20);
        assert!(ak
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
        assert_eq!(new_secret_key().len(), 40);
        assert_ne!(new_secret_key(), new_secret_key());
    }
}
