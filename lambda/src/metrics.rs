//! Prometheus metrics, the same in both binaries: one recorder per process (the `metrics`
//! facade, rendered by `metrics-exporter-prometheus`), served as `GET /metrics`.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub use folio_core::metrics::*;

const RENDER_BUCKETS: &[f64] = &[0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0];
const HTTP_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The process's recorder, installed on first use; what `GET /metrics` renders.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(RENDER_DURATION.into()), RENDER_BUCKETS)
                .and_then(|builder| {
                    builder.set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), HTTP_BUCKETS)
                })
                .expect("the buckets are not empty")
                .build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
            }
            // Histograms are folded into their buckets at upkeep; without it they only grow.
            let upkeep = handle.clone();
            std::thread::spawn(move || loop {
                std::thread::sleep(Duration::from_secs(5));
                upkeep.run_upkeep();
            });
            handle
        })
        .clone()
}

/// The text a scrape gets, in Prometheus' exposition format.
pub fn render() -> String {
    let handle = handle();
    handle.run_upkeep();
    handle.render()
}

/// Serves `GET /metrics` on `addr` until `shutdown` completes (for `bootstrap --poll`, which
/// has no other HTTP listener; `folio` serves it on its API listener). A listener that cannot
/// start is logged: the worker goes on rendering without it.
pub async fn serve(
    addr: std::net::SocketAddr,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => return tracing::error!(%addr, error = %e, "cannot serve /metrics"),
    };
    tracing::info!(%addr, "serving /metrics");
    let app = axum::Router::new().route("/metrics", axum::routing::get(|| async { exposition() }));
    if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
        tracing::error!(%addr, error = %e, "the metrics listener stopped");
    }
}

/// `render()` with the exposition format's content type.
pub fn exposition() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        render(),
    )
}
