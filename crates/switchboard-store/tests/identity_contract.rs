//! The identity seam's contract, written against `dyn Store` only so that every backend runs
//! the same checks: users, roles, policies, tokens, credentials, and a user's deletion taking
//! everything of it along.

mod common;

use switchboard_store::{
    CredentialRecord, IdentityStore, InventoryStore, TokenRecord, UserRecord, UserUpdate,
};

/// The backends under contract, each opened empty with domains `d1` (`default`) and `d2`
/// (`other`), and projects `p1` (`local-1`, in `d1`) and `p2` (`local-1`, in `d2`): SQLite in
/// `dir`, and PostgreSQL on a database of its own when the test cluster is there.
async fn backends(dir: &std::path::Path) -> Vec<Box<dyn IdentityStore>> {
    let domains = [("d1", "default"), ("d2", "other")].map(|(i, n)| (i.into(), n.into()));
    let projects = [("p1", "local-1", "d1"), ("p2", "local-1", "d2")]
        .map(|(i, n, d)| (i.into(), n.into(), d.into()));
    let sqlite = common::open(dir, &[]).await;
    sqlite
        .sync_inventory(&domains, &projects, &[])
        .await
        .unwrap();
    let mut stores: Vec<Box<dyn IdentityStore>> = vec![Box::new(sqlite)];
    if let Some(postgres) = common::postgres().await {
        postgres
            .sync_inventory(&domains, &projects, &[])
            .await
            .unwrap();
        stores.push(Box::new(postgres));
    }
    stores
}

fn user(id: &str, name: &str, hash: &str) -> UserRecord {
    UserRecord {
        id: id.into(),
        domain_id: "d1".into(),
        name: name.into(),
        password_hash: hash.into(),
        created_at: 1_000,
    }
}

fn update(user: UserRecord) -> UserUpdate {
    UserUpdate {
        user,
        create: false,
        set_password: false,
        roles: None,
        roles_within: None,
        policies: None,
        system_admin: None,
        revoke_tokens: false,
    }
}

fn token(hash: &str, user_id: &str, issued_at: i64, expires_at: i64) -> TokenRecord {
    TokenRecord {
        token_hash: hash.into(),
        user_id: user_id.into(),
        project_id: Some("p1".into()),
        issued_at,
        expires_at,
    }
}

fn roles(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(p, r)| (p.to_string(), r.to_string()))
        .collect()
}

#[tokio::test]
async fn users_domains_and_projects_read_back() {
    let dir = tempfile::tempdir().unwrap();
    for store in backends(dir.path()).await {
        store.upsert_user(&user("u1", "zoe", "h1")).await.unwrap();
        store.upsert_user(&user("u2", "adam", "h2")).await.unwrap();
        // A second upsert changes the password hash only.
        store
            .upsert_user(&user("u1", "renamed", "h1b"))
            .await
            .unwrap();
        let zoe = store.user_by_name("default", "zoe").await.unwrap().unwrap();
        assert_eq!(zoe, user("u1", "zoe", "h1b"));
        assert_eq!(store.user_by_id("u1").await.unwrap(), Some(zoe));
        assert_eq!(store.user_by_name("other", "zoe").await.unwrap(), None);
        assert_eq!(store.user_by_id("nobody").await.unwrap(), None);
        let names: Vec<String> = store
            .users()
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.name)
            .collect();
        assert_eq!(names, ["adam", "zoe"]);

        assert_eq!(store.domain("d2").await.unwrap().unwrap().name, "other");
        assert_eq!(store.domain("other").await.unwrap().unwrap().id, "d2");
        assert_eq!(store.domain("nowhere").await.unwrap(), None);
        assert_eq!(store.domains().await.unwrap().len(), 2);
        assert_eq!(store.project("p2").await.unwrap().unwrap().domain_id, "d2");
        let both = store.project_by_name("local-1", None).await.unwrap();
        assert_eq!(
            both.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
            ["p1", "p2"]
        );
        let one = store.project_by_name("local-1", Some("d2")).await.unwrap();
        assert_eq!(
            one.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
            ["p2"]
        );
        assert_eq!(store.projects().await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn roles_are_replaced_whole_or_within_the_named_projects() {
    let dir = tempfile::tempdir().unwrap();
    for store in backends(dir.path()).await {
        store.upsert_user(&user("u1", "zoe", "h1")).await.unwrap();
        store.assign_role("u1", "p1", "member").await.unwrap();
        store.assign_role("u1", "p1", "admin").await.unwrap();
        store.assign_role("u1", "p2", "reader").await.unwrap();
        assert_eq!(store.roles("u1", "p1").await.unwrap(), ["admin", "member"]);
        let projects = store.projects_of_user("u1").await.unwrap();
        assert_eq!(projects.len(), 2);

        // A project administrator's change touches only the projects it names.
        let mut within = update(user("u1", "zoe", "ignored"));
        within.roles = Some(roles(&[("p1", "reader")]));
        within.roles_within = Some(vec!["p1".into()]);
        assert!(store.save_user(&within).await.unwrap());
        let mut all = store.all_roles("u1").await.unwrap();
        all.sort();
        assert_eq!(all, roles(&[("p1", "reader"), ("p2", "reader")]));
        // Without `set_password` the stored hash stays.
        assert_eq!(
            store.user_by_id("u1").await.unwrap().unwrap().password_hash,
            "h1"
        );

        store
            .set_roles("u1", &roles(&[("p2", "admin")]))
            .await
            .unwrap();
        assert_eq!(
            store.all_roles("u1").await.unwrap(),
            roles(&[("p2", "admin")])
        );
        assert!(store.roles("u1", "p1").await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_saved_user_gets_everything_at_once_and_a_vanished_one_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for store in backends(dir.path()).await {
        store
            .upsert_policy("ops", r#"{"Statement":[]}"#)
            .await
            .unwrap();
        let mut create = update(user("u1", "zoe", "h1"));
        create.create = true;
        create.roles = Some(roles(&[("p1", "member")]));
        create.policies = Some(vec!["ops".into()]);
        create.system_admin = Some(true);
        assert!(store.save_user(&create).await.unwrap());
        assert!(store.is_system_admin("u1").await.unwrap());
        assert_eq!(store.user_policy_names("u1").await.unwrap(), ["ops"]);
        assert_eq!(
            store.user_policy_documents("u1").await.unwrap(),
            [r#"{"Statement":[]}"#]
        );

        // A password change revokes the user's tokens, as Keystone does.
        store
            .insert_token(&token("t1", "u1", 10, 10_000))
            .await
            .unwrap();
        let mut password = update(user("u1", "zoe", "h2"));
        password.set_password = true;
        password.revoke_tokens = true;
        assert!(store.save_user(&password).await.unwrap());
        assert_eq!(
            store.user_by_id("u1").await.unwrap().unwrap().password_hash,
            "h2"
        );
        assert_eq!(store.token("t1").await.unwrap(), None);

        // A change to a user deleted meanwhile writes nothing and says so.
        let mut late = update(user("gone", "ghost", "h"));
        late.roles = Some(roles(&[("p1", "admin")]));
        late.system_admin = Some(true);
        assert!(!store.save_user(&late).await.unwrap());
        assert_eq!(store.user_by_id("gone").await.unwrap(), None);
        assert!(store.all_roles("gone").await.unwrap().is_empty());
        assert!(!store.is_system_admin("gone").await.unwrap());
    }
}

#[tokio::test]
async fn tokens_and_credentials_come_and_go() {
    let dir = tempfile::tempdir().unwrap();
    for store in backends(dir.path()).await {
        store.upsert_user(&user("u1", "zoe", "h1")).await.unwrap();
        store
            .insert_token(&token("old", "u1", 10, 100))
            .await
            .unwrap();
        let live = token("live", "u1", 20, 10_000);
        store.insert_token(&live).await.unwrap();
        assert_eq!(store.token("live").await.unwrap(), Some(live));
        // Issuing a token prunes those expired before it was issued.
        store
            .insert_token(&token("new", "u1", 500, 10_000))
            .await
            .unwrap();
        assert_eq!(store.token("old").await.unwrap(), None);
        assert!(store.delete_token("live").await.unwrap());
        assert!(!store.delete_token("live").await.unwrap());

        let credential = CredentialRecord {
            access_key: "AK1".into(),
            user_id: "u1".into(),
            secret_enc: "sealed".into(),
            description: "ci".into(),
            created_at: 5,
        };
        store.insert_credential(&credential).await.unwrap();
        let read = store.credential("AK1").await.unwrap().unwrap();
        assert_eq!(
            (read.user_id.as_str(), read.secret_enc.as_str()),
            ("u1", "sealed")
        );
        assert_eq!(store.credentials_of("u1").await.unwrap().len(), 1);
        assert!(store.delete_credential("AK1").await.unwrap());
        assert!(!store.delete_credential("AK1").await.unwrap());
        assert_eq!(
            store.credential("AK1").await.unwrap().map(|c| c.user_id),
            None
        );
    }
}

#[tokio::test]
async fn deleting_a_user_or_a_policy_takes_what_hangs_on_it() {
    let dir = tempfile::tempdir().unwrap();
    for store in backends(dir.path()).await {
        store.upsert_user(&user("u1", "zoe", "h1")).await.unwrap();
        store.upsert_user(&user("u2", "adam", "h2")).await.unwrap();
        store.upsert_policy("ops", "{}").await.unwrap();
        store.upsert_policy("dev", r#"{"v":1}"#).await.unwrap();
        store.upsert_policy("dev", r#"{"v":2}"#).await.unwrap();
        assert_eq!(
            store.policies().await.unwrap(),
            [
                ("dev".into(), r#"{"v":2}"#.into()),
                ("ops".into(), "{}".into())
            ]
        );
        for id in ["u1", "u2"] {
            store.assign_role(id, "p1", "member").await.unwrap();
            store
                .set_user_policies(id, &["ops".into(), "dev".into()])
                .await
                .unwrap();
            store.set_system_admin(id, true).await.unwrap();
            store
                .insert_token(&token(&format!("t-{id}"), id, 10, 10_000))
                .await
                .unwrap();
        }
        assert!(store.delete_policy("dev").await.unwrap());
        assert!(!store.delete_policy("dev").await.unwrap());
        assert_eq!(store.user_policy_names("u2").await.unwrap(), ["ops"]);

        assert!(store.delete_user("u1").await.unwrap());
        assert!(!store.delete_user("u1").await.unwrap());
        assert_eq!(store.user_by_id("u1").await.unwrap(), None);
        assert!(store.all_roles("u1").await.unwrap().is_empty());
        assert!(store.user_policy_names("u1").await.unwrap().is_empty());
        assert!(!store.is_system_admin("u1").await.unwrap());
        assert_eq!(store.token("t-u1").await.unwrap(), None);
        // The other user keeps everything.
        assert_eq!(store.roles("u2", "p1").await.unwrap(), ["member"]);
        assert!(store.is_system_admin("u2").await.unwrap());
        store.set_system_admin("u2", false).await.unwrap();
        assert!(!store.is_system_admin("u2").await.unwrap());
        assert!(store.token("t-u2").await.unwrap().is_some());
    }
}
