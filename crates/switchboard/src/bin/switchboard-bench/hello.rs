//! The bare axum hello-world the read benchmark compares against: `GET /` answers a small JSON
//! document, with axum's defaults and nothing else (no auth, no middleware).

use anyhow::Result;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::net::SocketAddr;

async fn hello() -> Json<Value> {
    Json(json!({"hello": "world"}))
}

#[derive(clap::Args)]
pub struct Options {
    #[arg(long, default_value = "127.0.0.1:8099")]
    listen: SocketAddr,
}

/// Serves until killed.
pub async fn serve(Options { listen }: Options) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!("hello-world on http://{}", listener.local_addr()?);
    axum::serve(listener, Router::new().route("/", get(hello))).await?;
    Ok(())
}
