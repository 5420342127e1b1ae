//! A webhook receiver on 127.0.0.1, as a user's system would run one: it records each POST and
//! checks `Folio-Signature` the way the README tells receivers to.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// One POST received: its headers and body.
pub type Delivery = (HeaderMap, Vec<u8>);

pub struct Receiver {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Delivery>>>,
}

impl Receiver {
    /// Serves `POST /hook`, answering 500 to the first `failures` deliveries, then 200.
    pub async fn start(failures: usize) -> Self {
        let received: Arc<Mutex<Vec<Delivery>>> = Arc::default();
        let log = received.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| async move {
                let mut log = log.lock().unwrap();
                log.push((headers, body.to_vec()));
                if log.len() <= failures {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }),
        );
        let addr = crate::api::serve_pages(app).await;
        Self { addr, received }
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Delivery> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (up to 60 s) until `count` deliveries arrived; all of them.
    pub async fn wait_for(&self, count: usize, what: &str) -> Vec<Delivery> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let got = self.received();
            if got.len() >= count {
                return got;
            }
            assert!(Instant::now() < deadline, "{what}: only {} deliveries", got.len());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Checks a delivery's `Folio-Signature` (`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`)
/// with `secret`, its freshness and its content type; the body as JSON.
pub fn verified(secret: &str, (headers, body): &Delivery) -> serde_json::Value {
    let signature = headers["folio-signature"].to_str().unwrap();
    let (t, v1) = signature.split_once(",v1=").expect("t=…,v1=…");
    let t = t.strip_prefix("t=").expect("t= first");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let age = now - t.parse::<i64>().unwrap();
    assert!((0..120).contains(&age), "signed now, not {age} s ago");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&hex::decode(v1).unwrap())
        .expect("the signature verifies");
    assert_eq!(headers["content-type"], "application/json");
    serde_json::from_slice(body).expect("a JSON body")
}
