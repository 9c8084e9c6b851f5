//! Argon2id over memory a worker allocates once and reuses for every job: the allocator never
//! sees a 19 MiB request again, so nothing is left behind in its arenas or fragmented.

use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// Most memory a stored hash may ask for (the default asks 19 MiB).
const MAX_KIB: u32 = 64 * 1024;

/// One worker's Argon2 memory.
#[derive(Default)]
pub struct Scratch(Vec<Block>);

impl Scratch {
    fn blocks(&mut self, params: &Params) -> &mut [Block] {
        let n = params.block_count();
        if self.0.len() < n {
            self.0.resize(n, Block::default());
        }
        &mut self.0[..n]
    }

    /// Whether `password` matches a stored PHC string; a malformed hash never verifies.
    pub fn verify(&mut self, password: &str, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
            Algorithm::try_from(parsed.algorithm),
            Params::try_from(&parsed),
            parsed.salt,
            parsed.hash,
        ) else {
            return false;
        };
        let version = match parsed.version.map(Version::try_from) {
            None => Version::default(),
            Some(Ok(v)) => v,
            Some(Err(_)) => return false,
        };
        if params.m_cost() > MAX_KIB {
            return false;
        }
        let mut salt_buf = [0u8; 64];
        let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
            return false;
        };
        let argon = Argon2::new(algorithm, version, params.clone());
        let blocks = self.blocks(&params);
        let computed = Output::init_with(expected.len(), |out| {
            argon
                .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut *blocks)
                .map_err(|_| argon2::password_hash::Error::Password)
        });
        // `Output`'s equality is constant-time.
        computed.is_ok_and(|c| c == expected)
    }

    /// A new Argon2id PHC string for `password`, with the default parameters.
    pub fn hash(&mut self, password: &str) -> Result<String, crate::IdentityError> {
        let fail = |e: &dyn std::fmt::Display| crate::IdentityError::Hash(e.to_string());
        let params = Params::default();
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let salt = SaltString::generate(&mut OsRng);
        let mut salt_buf = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_buf).map_err(|e| fail(&e))?;
        let blocks = self.blocks(&params);
        let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
            argon
                .hash_password_into_with_memory(password.as_bytes(), salt_bytes, out, &mut *blocks)
                .map_err(|_| argon2::password_hash::Error::Password)
        })
        .map_err(|e| fail(&e))?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(|e| fail(&e))?,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        };
        Ok(phc.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reused_memory_agrees_with_the_library() {
        let mut scratch = Scratch::default();
        let ours = scratch.hash("s3cret").unwrap();
        assert!(crate::verify_password("s3cret", &ours));
        let theirs = crate::hash_password("s3cret").unwrap();
        assert!(scratch.verify("s3cret", &theirs));
        assert!(!scratch.verify("s3cret!", &theirs));
        assert!(scratch.verify("s3cret", &ours));
        assert!(!scratch.verify("s3cret", "not a hash"));
        let greedy = theirs.replace("m=19456", "m=1048576");
        assert!(!scratch.verify("s3cret", &greedy), "no 1 GiB check");
        assert_eq!(scratch.0.len(), 19456, "one buffer, kept");
    }
}
