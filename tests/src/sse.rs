//! Reads a Server-Sent Events response (`GET /api/v1/events`) as the SPA does: one event at a
//! time, its name and its JSON data.

use futures::stream::{BoxStream, StreamExt};
use serde_json::Value;

pub struct ServerEvents {
    stream: BoxStream<'static, reqwest::Result<Vec<u8>>>,
    buffer: Vec<u8>,
}

/// One event: `event:` (`message` when absent) and the `data:` line as JSON.
#[derive(Debug, Clone)]
pub struct ServerEvent {
    pub event: String,
    pub data: Value,
}

impl ServerEvents {
    pub fn new(response: reqwest::Response) -> Self {
        Self {
            stream: response
                .bytes_stream()
                .map(|chunk| chunk.map(|bytes| bytes.to_vec()))
                .boxed(),
            buffer: Vec::new(),
        }
    }

    /// The next event with data, or `None` when the stream ends. Keep-alive comments are skipped.
    pub async fn next(&mut self) -> anyhow::Result<Option<ServerEvent>> {
        loop {
            while let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
                let block = String::from_utf8_lossy(&block);
                let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) else {
                    continue;
                };
                let event = block
                    .lines()
                    .find_map(|l| l.strip_prefix("event: "))
                    .unwrap_or("message")
                    .to_owned();
                return Ok(Some(ServerEvent {
                    event,
                    data: serde_json::from_str(data)?,
                }));
            }
            match self.stream.next().await {
                Some(chunk) => self.buffer.extend_from_slice(&chunk?),
                None => return Ok(None),
            }
        }
    }

    /// The data of the next `event: file` (a file's id and new status).
    pub async fn next_file_change(&mut self) -> anyhow::Result<Option<Value>> {
        while let Some(event) = self.next().await? {
            if event.event == "file" {
                return Ok(Some(event.data));
            }
        }
        Ok(None)
    }
}
