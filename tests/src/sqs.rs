//! SQS events as the Lambda event source mapping delivers them.

use serde_json::{json, Value};

/// One record of an SQS event, with the attributes AWS sends.
pub fn record(message_id: &str, body: &str, receive_count: u32, queue_arn: &str) -> Value {
    json!({
        "messageId": message_id,
        "receiptHandle": format!("AQEB{message_id}receipt"),
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": receive_count.to_string(),
            "SentTimestamp": "1732233600000",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1732233600010"
        },
        "messageAttributes": {},
        "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "us-east-1"
    })
}
