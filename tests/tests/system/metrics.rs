//! `GET /metrics` on the real `folio`: each job is counted by how it ended, its render is
//! timed, and every request is counted by its route, never by its raw path.

use folio_testkit::api::{gone, page, serve_pages, Api};

use crate::journey::serve_embedded;

#[tokio::test]
async fn metrics_count_each_job_by_outcome_and_time_its_render() {
    let pages = axum::Router::new()
        .route("/page", page("<title>Counted</title><p>Counted</p>"))
        .route("/gone", gone());
    let site = serve_pages(pages).await;
    let data = tempfile::tempdir().unwrap();
    let (_folio, base) = serve_embedded(data.path(), site);
    let api = Api::signed_in_at(base, "metrics@example.com").await;
    let done = api.requested(&format!("http://{site}/page")).await;
    assert_eq!(api.wait_until_final(&done).await["status"], "done");
    let failed = api.requested(&format!("http://{site}/gone")).await;
    assert_eq!(api.wait_until_final(&failed).await["status"], "failed");
    assert_eq!(api.download(&done).await.status(), 200);

    let scrape = api.client.get(api.url("/metrics")).send().await.unwrap();
    assert_eq!(scrape.status(), 200);
    assert!(scrape.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let scraped = scrape.text().await.unwrap();
    for expected in [
        "folio_jobs_total{outcome=\"done\"} 1",
        "folio_jobs_total{outcome=\"failed\"} 1",
        "folio_render_duration_seconds_count{engine=\"chromium\"} 2",
        "folio_render_duration_seconds_bucket{engine=\"chromium\",le=\"+Inf\"} 2",
        "folio_http_requests_total{route=\"/api/v1/request\",status=\"202\"} 2",
        "folio_http_requests_total{route=\"/api/v1/file/{id}\",status=\"200\"} 1",
        "folio_browser_launches_total 1",
    ] {
        assert!(scraped.contains(expected), "{expected} in:\n{scraped}");
    }
    assert!(!scraped.contains(&done), "file ids never become label values");
}
