//! Properties of the signature over random requests: it verifies as signed, any change to the
//! method, path, query, a signed header or the body breaks it, and canonicalisation never
//! panics, is ASCII, deterministic and idempotent. (The long run is `switchboard-bench
//! fuzz-signing`; this is the small one of the default test run.)

use proptest::prelude::*;
use switchboard_identity::signing::{self, ReceivedRequest, SdkAuthorization};

const SECRET: &str = "SKEXAMPLEsecret0123456789abcdefghij";

/// Text rich in what canonicalisation must survive: escapes whole, cut and invalid, multibyte
/// characters, and the separators of paths and queries.
fn tricky() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("%".to_string()),
        Just("%4".to_string()),
        Just("%FF".to_string()),
        Just("%C3".to_string()),
        Just("%2F".to_string()),
        Just("%20".to_string()),
        Just("/".to_string()),
        Just("&".to_string()),
        Just("=".to_string()),
        Just("+".to_string()),
        Just("\u{e9}".to_string()),
        Just("\u{20ac}".to_string()),
        Just("\u{1f600}".to_string()),
        "[a-zA-Z0-9._~-]{1,4}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Req {
    fn received(&self) -> ReceivedRequest<'_> {
        ReceivedRequest {
            method: &self.method,
            path: &self.path,
            query: self.query.as_deref(),
            headers: &self.headers,
            body: &self.body,
        }
    }
}

fn request() -> impl Strategy<Value = Req> {
    (
        prop::sample::select(vec!["GET", "POST", "PUT", "DELETE"]),
        tricky(),
        prop::option::of(tricky()),
        "[ -~]{0,20}",
        "[ -~]{0,20}",
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(method, path, query, ua, project, body)| Req {
            method: method.into(),
            path: format!("/{path}"),
            query,
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("User-Agent".into(), ua),
                ("X-Project-Id".into(), project),
                ("X-Sdk-Date".into(), "20250101T000000Z".into()),
                ("Host".into(), "localhost:8443".into()),
            ],
            body,
        })
}

fn sign(r: &Req) -> SdkAuthorization {
    let mut names: Vec<String> = r.headers.iter().map(|(k, _)| k.to_lowercase()).collect();
    names.sort();
    let canonical = signing::canonical_request(&r.received(), &names);
    SdkAuthorization {
        access_key: "AK".into(),
        signature: signing::signature(
            SECRET,
            &signing::string_to_sign("20250101T000000Z", &canonical),
        ),
        signed_headers: names,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_change_breaks_the_signature(r in request(), which in 0usize..9, byte in any::<u8>()) {
        let auth = sign(&r);
        prop_assert!(signing::verify(&r.received(), &auth, SECRET));
        let mut t = r.clone();
        match which {
            0 => t.method = if t.method == "GET" { "POST".into() } else { "GET".into() },
            1 => t.path.push('x'),
            2 => t.query = Some(format!("{}&extra=1", t.query.unwrap_or_default())),
            3 => t.body.push(byte),
            4 => t.body = b"{\"os-stop\": null}".to_vec(),
            n => t.headers[n - 5].1.push('0'),
        }
        // X-Sdk-Date has a fixed shape; a changed one is caught both by the signature and by
        // the date check of the verifier.
        prop_assert!(!signing::verify(&t.received(), &auth, SECRET) || t.body == r.body && which == 4);
    }

    #[test]
    fn canonical_forms_are_ascii_deterministic_and_idempotent(path in tricky(), query in tricky()) {
        let uri = signing::canonical_uri(&path);
        prop_assert!(uri.is_ascii());
        prop_assert_eq!(&uri, &signing::canonical_uri(&path));
        prop_assert_eq!(&uri, &signing::canonical_uri(&uri));
        let q = signing::canonical_query(Some(&query));
        prop_assert!(q.is_ascii());
        prop_assert_eq!(&q, &signing::canonical_query(Some(&query)));
        prop_assert_eq!(&q, &signing::canonical_query(Some(&q)));
    }

    #[test]
    fn decoding_undoes_encoding(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let encoded = signing::encode(&bytes);
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
        prop_assert_eq!(signing::decode(&encoded), bytes);
    }
}

#[test]
fn unsigned_payload_needs_its_header_signed() {
    let mut r = Req {
        method: "POST".into(),
        path: "/v2.1/p/servers/s/action".into(),
        query: None,
        headers: vec![
            ("X-Sdk-Date".into(), "20250101T000000Z".into()),
            ("X-Sdk-Content-Sha256".into(), "UNSIGNED-PAYLOAD".into()),
        ],
        body: b"{\"reboot\": {\"type\": \"HARD\"}}".to_vec(),
    };
    let signed = vec!["x-sdk-content-sha256".to_string(), "x-sdk-date".to_string()];
    assert!(signing::canonical_request(&r.received(), &signed).ends_with("\nUNSIGNED-PAYLOAD"));
    let unsigned = vec!["x-sdk-date".to_string()];
    let hash = signing::payload_hash(&r.received(), &unsigned);
    assert_eq!(hash.len(), 64);
    assert_ne!(hash, "UNSIGNED-PAYLOAD");
    // A declared hash is never taken on trust.
    r.headers[1].1 = signing::EMPTY_SHA256.into();
    assert_ne!(
        signing::payload_hash(&r.received(), &signed),
        signing::EMPTY_SHA256
    );
}

#[test]
fn an_escape_cut_by_a_multibyte_character_does_not_panic() {
    for text in [
        "%4\u{e9}",
        "%\u{e9}",
        "a%4\u{1f600}b",
        "%",
        "%%",
        "%F",
        "%FF%C3",
    ] {
        let _ = signing::canonical_uri(text);
        let _ = signing::canonical_query(Some(text));
        let _ = signing::decode(text);
    }
    assert_eq!(signing::decode("%4\u{e9}"), "%4\u{e9}".as_bytes());
    assert_eq!(signing::canonical_uri("/a%4\u{e9}"), "/a%254%C3%A9/");
}
