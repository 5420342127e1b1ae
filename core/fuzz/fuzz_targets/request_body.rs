//! Any bytes as the JSON body of a render request: the options are parsed and validated, the
//! URL and an email checked, without a panic, a hang or unbounded memory, whatever they are.
#![no_main]

use folio_core::{Email, PageUrl, RenderOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Ok(options) = serde_json::from_slice::<RenderOptions>(body) {
        // Accepted options survive a round trip through the job message unchanged.
        if options.validate().is_ok() {
            let again: RenderOptions =
                serde_json::from_value(serde_json::to_value(&options).expect("serializable")).expect("reparsed");
            assert_eq!(again, options);
        }
    }
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = PageUrl::parse(text);
        let _ = Email::parse(text);
    }
});
