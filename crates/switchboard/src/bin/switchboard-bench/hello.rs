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

/// Serves until killed.
pub async fn serve(listen: SocketAddr) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!("hello-world on http://{}", listener.local_addr()?);
    axum::serve(listener, Router::new().route("/", get(hello))).await?;
    Ok(())
}
