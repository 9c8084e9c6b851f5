//! Fuzzing the canonicalisation of AK/SK signatures: random paths, queries and headers (with
//! `%`, cut and invalid escapes, multibyte and arbitrary characters) must never panic, and
//! must give canonical forms that are ASCII, deterministic and idempotent; percent-decoding
//! must undo encoding; and a signed request must verify, and stop verifying once its body or
//! path changes. Not a timed test: it prints the executions and the time they took.

use anyhow::{bail, Result};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;
use switchboard_identity::signing::{self, ReceivedRequest, SdkAuthorization};

const SECRET: &str = "SKEXAMPLEsecret0123456789abcdefghij";
const PIECES: &[&str] = &[
    "%",
    "%4",
    "%FF",
    "%C3",
    "%c3%a9",
    "%2F",
    "%20",
    "%%",
    "/",
    "//",
    "&",
    "=",
    "+",
    "?",
    "#",
    "\u{e9}",
    "\u{20ac}",
    "\u{1f600}",
    "a",
    "Z",
    "09",
    "-_.~",
    " ",
    "\t",
];

/// One random text built from the pieces above, random characters and lossy random bytes.
fn text(rng: &mut StdRng) -> String {
    let mut out = String::new();
    for _ in 0..rng.gen_range(0..16) {
        match rng.gen_range(0..4) {
            0 | 1 => out.push_str(PIECES[rng.gen_range(0..PIECES.len())]),
            2 => out.push(rng.gen::<char>()),
            _ => {
                let bytes: Vec<u8> = (0..rng.gen_range(1..4)).map(|_| rng.gen()).collect();
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    out
}

struct Case {
    method: &'static str,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Case {
    fn received(&self) -> ReceivedRequest<'_> {
        ReceivedRequest {
            method: self.method,
            path: &self.path,
            query: self.query.as_deref(),
            headers: &self.headers,
            body: &self.body,
        }
    }
}

fn case(rng: &mut StdRng) -> Case {
    let header_value = |rng: &mut StdRng| text(rng).replace(['\r', '\n'], "");
    let mut headers = vec![("X-Sdk-Date".to_string(), "20250101T000000Z".to_string())];
    for name in ["Content-Type", "X-Project-Id", "User-Agent"] {
        headers.push((name.to_string(), header_value(rng)));
    }
    if rng.gen_bool(0.2) {
        headers.push(("X-Sdk-Content-Sha256".into(), "UNSIGNED-PAYLOAD".into()));
    }
    Case {
        method: ["GET", "POST", "PUT", "DELETE"][rng.gen_range(0..4)],
        path: format!("/{}", text(rng)),
        query: rng.gen_bool(0.8).then(|| text(rng)),
        headers,
        body: (0..rng.gen_range(0..32)).map(|_| rng.gen()).collect(),
    }
}

/// The first broken invariant of `c`, if any.
fn check(c: &Case, rng: &mut StdRng, sign: bool) -> Option<&'static str> {
    let uri = signing::canonical_uri(&c.path);
    if !uri.is_ascii() || !uri.ends_with('/') {
        return Some("canonical uri is not ASCII ending in /");
    }
    if uri != signing::canonical_uri(&c.path) || uri != signing::canonical_uri(&uri) {
        return Some("canonical uri is not deterministic and idempotent");
    }
    let query = signing::canonical_query(c.query.as_deref());
    if !query.is_ascii() {
        return Some("canonical query is not ASCII");
    }
    if query != signing::canonical_query(c.query.as_deref())
        || query != signing::canonical_query(Some(&query))
    {
        return Some("canonical query is not deterministic and idempotent");
    }
    let mut names: Vec<String> = c.headers.iter().map(|(k, _)| k.to_lowercase()).collect();
    names.sort();
    let headers = signing::canonical_headers(&c.received(), &names);
    if headers.lines().count() != names.len()
        || headers != signing::canonical_headers(&c.received(), &names)
    {
        return Some("canonical headers are not one line per signed header, deterministically");
    }
    let bytes: Vec<u8> = c.path.bytes().chain(c.body.iter().copied()).collect();
    if signing::decode(&signing::encode(&bytes)) != bytes {
        return Some("decode(encode(bytes)) != bytes");
    }
    if sign {
        let canonical = signing::canonical_request(&c.received(), &names);
        let auth = SdkAuthorization {
            access_key: "AK".into(),
            signature: signing::signature(
                SECRET,
                &signing::string_to_sign("20250101T000000Z", &canonical),
            ),
            signed_headers: names,
        };
        if !signing::verify(&c.received(), &auth, SECRET) {
            return Some("a signed request does not verify");
        }
        let mut changed = Case {
            method: c.method,
            path: c.path.clone(),
            query: c.query.clone(),
            headers: c.headers.clone(),
            body: c.body.clone(),
        };
        let unsigned_payload = c.headers.len() == 5;
        if rng.gen_bool(0.5) || unsigned_payload {
            changed.path.push('x');
        } else {
            changed.body.push(rng.gen());
        }
        if signing::verify(&changed.received(), &auth, SECRET) {
            return Some("a changed request still verifies");
        }
    }
    None
}

pub fn run(cases: u64, seed: u64) -> Result<()> {
    println!(
        "fuzz-signing: {cases} cases, seed {seed}; every 8th also signed, verified and changed"
    );
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();
    for i in 0..cases {
        let c = case(&mut rng);
        let outcome = catch_unwind(AssertUnwindSafe(|| check(&c, &mut rng, i % 8 == 0)));
        let failure = match outcome {
            Ok(None) => continue,
            Ok(Some(broken)) => broken,
            Err(_) => "panic",
        };
        bail!(
            "case {i}: {failure}: method {:?} path {:?} query {:?} headers {:?} body {:?}",
            c.method,
            c.path,
            c.query,
            c.headers,
            c.body
        );
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "fuzz-signing: {cases} executions, 0 failures, {secs:.1} s ({:.0} executions/s)",
        cases as f64 / secs
    );
    Ok(())
}
