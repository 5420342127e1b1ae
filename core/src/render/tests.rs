//! Render options as every entry point parses and validates them.

use super::*;
use serde_json::json;

fn parse(value: serde_json::Value) -> Result<RenderOptions, String> {
    let options: RenderOptions = serde_json::from_value(value).map_err(|e| e.to_string())?;
    options.validate().map_err(|e| e.to_string())?;
    Ok(options)
}

#[test]
fn empty_object_gives_the_documented_defaults() {
    let options = parse(json!({})).unwrap();
    assert_eq!(options, RenderOptions::default());
    assert_eq!(options.format, PaperFormat::A4);
    assert!(!options.landscape && !options.lazy_scroll);
    assert_eq!(options.wait_until, WaitUntil::Load);
}

#[test]
fn accepts_every_documented_option() {
    let options = parse(json!({
        "format": "letter",
        "margin": {"top": "1cm", "bottom": "10mm", "left": 0.5},
        "landscape": true,
        "scale": 0.8,
        "print_background": true,
        "page_ranges": "1-2, 4",
        "prefer_css_page_size": true,
        "header_template": "<span class=title></span>",
        "footer_template": "<span class=pageNumber></span>/<span class=totalPages></span>",
        "media": "screen",
        "wait_until": "network_idle",
        "wait_for_selector": "#ready",
        "wait_delay_ms": 250,
        "lazy_scroll": true,
        "headers": {"Accept-Language": "fr"},
        "cookies": [{"name": "session", "value": "abc"}],
        "user_agent": "FolioBot/1.0",
        "accept_error_status": true
    }))
    .unwrap();
    assert_eq!(options.format, PaperFormat::Letter);
    assert!((options.margin.top.0 - 1.0 / 2.54).abs() < 1e-9);
    assert!((options.margin.left.0 - 0.5).abs() < 1e-9);
    assert!(
        (options.margin.right.0 - 0.4).abs() < 1e-9,
        "unnamed sides keep the default"
    );
    let explicit = parse(json!({"width": "100mm", "height": "200mm", "margin": "0"})).unwrap();
    let (w, h) = explicit.paper_size_inches();
    assert!((w - 100.0 / 25.4).abs() < 1e-9 && (h - 200.0 / 25.4).abs() < 1e-9);
}

#[test]
fn refuses_bad_options_with_a_reason() {
    let cases = [
        (json!({"landscpae": true}), "landscpae", "unknown field"),
        (json!({"landscape": "yes"}), "boolean", "string for a boolean"),
        (json!({"format": "B5"}), "B5", "unknown paper"),
        (json!({"scale": 3}), "scale", "scale too large"),
        (json!({"width": "10cm"}), "height", "width without height"),
        (
            json!({"width": "10furlongs", "height": "1in"}),
            "unit",
            "unknown unit",
        ),
        (json!({"width": "1000in", "height": "1in"}), "width", "huge paper"),
        (json!({"margin": {"top": "-1cm"}}), "negative", "negative margin"),
        (json!({"margin": "6in"}), "no room", "margins eat the page"),
        (json!({"margin": {"middle": 1}}), "top, right", "unknown side"),
        (
            json!({"margin": {"bottom": null}}),
            "top, right",
            "a side given as null",
        ),
        (json!({"page_ranges": "3-1"}), "page_ranges", "reversed range"),
        (json!({"page_ranges": "0"}), "page_ranges", "page zero"),
        (json!({"page_ranges": "one"}), "page_ranges", "not a number"),
        (json!({"wait_until": "forever"}), "forever", "unknown wait"),
        (
            json!({"wait_delay_ms": 600000}),
            "wait_delay_ms",
            "delay too long",
        ),
        (
            json!({"wait_for_selector": "  "}),
            "wait_for_selector",
            "blank selector",
        ),
        (json!({"headers": {"Host": "evil"}}), "Host", "forbidden header"),
        (
            json!({"headers": {"X-A": "b\r\nX-Injected: 1"}}),
            "X-A",
            "header injection",
        ),
        (
            json!({"headers": {"bad name": "x"}}),
            "bad name",
            "invalid header name",
        ),
        (
            json!({"cookies": [{"name": "a", "value": "b;c"}]}),
            "cookie",
            "cookie injection",
        ),
        (
            json!({"cookies": [{"name": "a", "value": "b", "domain": "http://x/"}]}),
            "domain of cookie a",
            "cookie domain that is not a host",
        ),
        (
            json!({"cookies": [{"name": "a", "value": "b", "path": "relative"}]}),
            "path of cookie a",
            "relative cookie path",
        ),
        (
            json!({"user_agent": "a\nb"}),
            "user_agent",
            "control character in UA",
        ),
        (json!({"media": "tv"}), "`tv`", "unknown media"),
    ];
    for (value, expected, why) in cases {
        let err = parse(value).expect_err(why);
        assert!(err.contains(expected), "{why}: {err}");
    }
}

#[test]
fn options_round_trip_through_json() {
    let options = parse(json!({"format": "A3", "margin": "1cm", "landscape": true})).unwrap();
    let json = serde_json::to_value(&options).unwrap();
    let again: RenderOptions = serde_json::from_value(json).unwrap();
    assert_eq!(again, options);
}

#[test]
fn engine_names() {
    assert_eq!("Reader".parse::<Engine>().unwrap(), Engine::Reader);
    assert!("webkit".parse::<Engine>().is_err());
    assert_eq!(serde_json::to_string(&Engine::Chromium).unwrap(), "\"chromium\"");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// JSON values shaped like render options: known fields with values of any type, and
    /// now and then a field that does not exist.
    fn options_json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            "\\PC{0,12}".prop_map(serde_json::Value::from),
            "[0-9.]{1,4}(in|cm|mm|px|pt)?".prop_map(serde_json::Value::from),
        ];
        let value = leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                prop::collection::btree_map("(top|right|bottom|left|name|value|x)", inner, 0..4)
                    .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
            ]
        });
        let field = prop_oneof![
            Just("format"),
            Just("width"),
            Just("height"),
            Just("margin"),
            Just("landscape"),
            Just("scale"),
            Just("print_background"),
            Just("page_ranges"),
            Just("header_template"),
            Just("footer_template"),
            Just("media"),
            Just("wait_until"),
            Just("wait_for_selector"),
            Just("wait_delay_ms"),
            Just("lazy_scroll"),
            Just("cookies"),
            Just("headers"),
            Just("user_agent"),
            Just("nonsense"),
        ];
        prop::collection::btree_map(field, value, 0..6).prop_map(|map| {
            serde_json::Value::Object(map.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
        })
    }

    proptest! {
        #[test]
        fn any_options_are_parsed_or_refused_with_a_reason_and_accepted_ones_round_trip(
            value in options_json()
        ) {
            if let Ok(options) = parse(value) {
                let again = parse(serde_json::to_value(&options).unwrap());
                prop_assert_eq!(again.as_ref(), Ok(&options));
            }
        }

        #[test]
        fn page_ranges_never_panic(input in "\\PC{0,40}") {
            let _ = parse_page_ranges(&input);
        }

        #[test]
        fn well_formed_page_ranges_are_read_as_written(first in 1u32..10_000, length in 0u32..100, single in 1u32..10_000) {
            let last = first + length;
            let ranges = parse_page_ranges(&format!(" {first}-{last} , {single}")).unwrap();
            prop_assert_eq!(ranges, vec![(first, last), (single, single)]);
        }
    }
}

#[test]
fn the_options_asked_for_are_the_ones_that_differ_from_the_defaults_and_parse_back() {
    assert!(RenderOptions::default().differences_from_default().is_empty());
    let asked = json!({ "landscape": true, "margin": "1cm", "headers": { "x-a": "b" } });
    let options = parse(asked).unwrap();
    let kept = options.differences_from_default();
    let mut keys: Vec<_> = kept.keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["headers", "landscape", "margin"]);
    let back = parse(serde_json::Value::Object(kept)).unwrap();
    assert_eq!(back, options);
}
