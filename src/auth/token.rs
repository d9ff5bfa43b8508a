//! Bearer tokens: `mtfs_<key id>_<secret>`. The key id finds the key; only a SHA-256 hash of the secret is
//! stored, and it is compared in constant time.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const PREFIX: &str = "mtfs_";
const KEY_ID_BYTES: usize = 8;
/// 256 bits of secret.
const SECRET_BYTES: usize = 32;

pub struct NewToken {
    pub key_id: String,
    pub secret_hash: String,
    /// Shown once, never stored.
    pub token: String,
}

pub fn generate() -> NewToken {
    let key_id = random_hex(KEY_ID_BYTES);
    let secret = random_hex(SECRET_BYTES);
    NewToken {
        token: format!("{PREFIX}{key_id}_{secret}"),
        secret_hash: hash(&secret),
        key_id,
    }
}

/// Splits a presented token into its key id and secret.
pub fn parse(token: &str) -> Option<(&str, &str)> {
    let (key_id, secret) = token.strip_prefix(PREFIX)?.split_once('_')?;
    let is_hex =
        |s: &str, bytes: usize| s.len() == bytes * 2 && s.bytes().all(|b| b.is_ascii_hexdigit());
    (is_hex(key_id, KEY_ID_BYTES) && is_hex(secret, SECRET_BYTES)).then_some((key_id, secret))
}

/// Whether `secret` hashes to `stored_hash`, in time that does not depend on where they differ.
pub fn matches(secret: &str, stored_hash: &str) -> bool {
    hash(secret).as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

pub fn hash(text: &str) -> String {
    hash_bytes(text.as_bytes())
}

/// SHA-256, in hex.
pub fn hash_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).expect("the operating system's random source");
    hex(&buffer)
}

/// Bytes as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_matches_only_its_own_hash() {
        let new = generate();
        let (key_id, secret) = parse(&new.token).unwrap();
        assert_eq!(key_id, new.key_id);
        assert_eq!(secret.len(), 64);
        assert!(matches(secret, &new.secret_hash));
        assert!(!matches(
            &secret.replace(|c: char| c != '0', "0"),
            &new.secret_hash
        ));
        assert_ne!(generate().token, new.token);
        for bad in [
            "",
            "mtfs_",
            "Bearer x",
            "mtfs_zz_yy",
            &new.token[..new.token.len() - 1],
        ] {
            assert!(parse(bad).is_none(), "{bad:?}");
        }
    }
}
