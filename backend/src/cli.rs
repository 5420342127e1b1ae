//! `folio render`: one page to one PDF (or PNG) file, with the same engines, options and guard as the
//! server, for scripts and for trying options out.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use folio_core::{Engine, PageUrl, RenderOptions};
use folio_render::{RenderSettings, Renderer};
use serde_json::{json, Map, Value};

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The page to render (http or https).
    pub url: String,
    /// Where to write the file [default: page.pdf, or page.png with --output png].
    #[arg(short = 'o', long = "out", value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// pdf (the default) or png: a screenshot of the full page (at most 16384 px high).
    #[arg(long, value_name = "pdf|png")]
    pub output: Option<String>,
    /// chromium (faithful print) or reader (text only, no browser needed).
    #[arg(long, default_value = "chromium")]
    pub engine: String,
    /// All options as one JSON object, as the API takes them; the flags below override it.
    #[arg(long, value_name = "JSON")]
    pub options: Option<String>,
    /// Paper: A4, A3, Letter, Legal or Tabloid.
    #[arg(long)]
    pub format: Option<String>,
    /// Explicit paper width, such as 210mm (give --height too).
    #[arg(long)]
    pub width: Option<String>,
    #[arg(long)]
    pub height: Option<String>,
    /// Margin on all four sides, such as 1cm.
    #[arg(long)]
    pub margin: Option<String>,
    #[arg(long)]
    pub landscape: bool,
    /// Content zoom, 0.1 to 2.
    #[arg(long)]
    pub scale: Option<f64>,
    #[arg(long)]
    pub print_background: bool,
    /// Pages to keep, such as "1-3, 5".
    #[arg(long)]
    pub page_ranges: Option<String>,
    #[arg(long)]
    pub prefer_css_page_size: bool,
    /// HTML header; classes pageNumber, totalPages, title, url and date are filled in.
    #[arg(long)]
    pub header_template: Option<String>,
    #[arg(long)]
    pub footer_template: Option<String>,
    /// print or screen.
    #[arg(long)]
    pub media: Option<String>,
    /// load or network_idle.
    #[arg(long)]
    pub wait_until: Option<String>,
    /// Wait until an element matching this CSS selector exists.
    #[arg(long)]
    pub wait_for_selector: Option<String>,
    #[arg(long)]
    pub wait_delay_ms: Option<u64>,
    /// Scroll through the page first so lazily loaded content appears.
    #[arg(long)]
    pub lazy_scroll: bool,
    /// Extra request header, NAME:VALUE (repeatable).
    #[arg(long = "header", value_name = "NAME:VALUE")]
    pub headers: Vec<String>,
    /// Cookie for the page, NAME=VALUE (repeatable).
    #[arg(long = "cookie", value_name = "NAME=VALUE")]
    pub cookies: Vec<String>,
    #[arg(long)]
    pub user_agent: Option<String>,
    /// Print the page even if it answers 4xx or 5xx.
    #[arg(long)]
    pub accept_error_status: bool,
    /// A tagged PDF, for screen readers (the default; --tagged=false for none).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub tagged: Option<bool>,
    /// Bookmarks from the page's headings (the default; --outline=false for none; makes the PDF
    /// tagged too).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub outline: Option<bool>,
    /// Dismiss consent banners and hide covering overlays before printing (the default;
    /// --clean=false to print the page as it comes).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub clean: Option<bool>,
}

/// Exit codes: 0 written, 1 the render failed, 2 the request itself was wrong.
pub async fn render(args: RenderArgs) -> ExitCode {
    let usage = |message: String| {
        eprintln!("folio render: {message}");
        ExitCode::from(2)
    };
    let url = match PageUrl::parse(&args.url) {
        Ok(url) => url,
        Err(e) => return usage(e.to_string()),
    };
    let engine: Engine = match args.engine.parse() {
        Ok(engine) => engine,
        Err(e) => return usage(e.to_string()),
    };
    let options = match options_from_args(&args) {
        Ok(options) => options,
        Err(message) => return usage(message),
    };
    let settings = match RenderSettings::read(&folio_core::settings::Env::process()) {
        Ok(settings) => settings,
        Err(e) => return usage(e.to_string()),
    };
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("page.{}", options.output.extension())));
    let renderer = Renderer::new(&settings);
    let outcome = renderer.render(&url, &options, engine).await;
    renderer.shutdown().await;
    match outcome {
        Ok(pdf) => {
            if let Err(e) = write_atomically(&path, &pdf.bytes) {
                eprintln!("folio render: could not write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            eprintln!(
                "wrote {}: {} page{}, {} KiB, {:?} with {} in {} ms",
                path.display(),
                pdf.pages,
                if pdf.pages == 1 { "" } else { "s" },
                pdf.size_bytes.div_ceil(1024),
                pdf.title.as_deref().unwrap_or(&pdf.final_url),
                pdf.engine.as_str(),
                pdf.render_ms
            );
            ExitCode::SUCCESS
        }
        Err(folio_render::RenderError::InvalidOptions { field, reason }) => {
            usage(format!("{field}: {reason}"))
        }
        Err(e) => {
            eprintln!("folio render: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Flags become the same JSON the API accepts, so both are parsed and validated by one type.
fn options_from_args(args: &RenderArgs) -> Result<RenderOptions, String> {
    let mut object = match &args.options {
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err("--options must be a JSON object".into()),
            Err(e) => return Err(format!("--options is not valid JSON: {e}")),
        },
        None => Map::new(),
    };
    let mut set = |key: &str, value: Value| {
        object.insert(key.to_owned(), value);
    };
    let strings = [
        ("format", &args.format),
        ("width", &args.width),
        ("height", &args.height),
        ("margin", &args.margin),
        ("page_ranges", &args.page_ranges),
        ("header_template", &args.header_template),
        ("footer_template", &args.footer_template),
        ("media", &args.media),
        ("wait_until", &args.wait_until),
        ("wait_for_selector", &args.wait_for_selector),
        ("user_agent", &args.user_agent),
        ("output", &args.output),
    ];
    for (key, value) in strings {
        if let Some(value) = value {
            set(key, json!(value));
        }
    }
    let flags = [
        ("landscape", args.landscape),
        ("print_background", args.print_background),
        ("prefer_css_page_size", args.prefer_css_page_size),
        ("lazy_scroll", args.lazy_scroll),
        ("accept_error_status", args.accept_error_status),
    ];
    for (key, on) in flags {
        if on {
            set(key, json!(true));
        }
    }
    if let Some(scale) = args.scale {
        set("scale", json!(scale));
    }
    for (key, value) in [
        ("tagged", args.tagged),
        ("outline", args.outline),
        ("clean", args.clean),
    ] {
        if let Some(value) = value {
            set(key, json!(value));
        }
    }
    if let Some(delay) = args.wait_delay_ms {
        set("wait_delay_ms", json!(delay));
    }
    if !args.headers.is_empty() {
        let mut headers = Map::new();
        for header in &args.headers {
            let (name, value) = header
                .split_once(':')
                .ok_or_else(|| format!("--header {header:?} must be NAME:VALUE"))?;
            headers.insert(name.trim().to_owned(), json!(value.trim()));
        }
        set("headers", Value::Object(headers));
    }
    if !args.cookies.is_empty() {
        let mut cookies = Vec::new();
        for cookie in &args.cookies {
            let (name, value) = cookie
                .split_once('=')
                .ok_or_else(|| format!("--cookie {cookie:?} must be NAME=VALUE"))?;
            cookies.push(json!({ "name": name.trim(), "value": value.trim() }));
        }
        set("cookies", Value::Array(cookies));
    }
    let options: RenderOptions = serde_path_to_error::deserialize(Value::Object(object)).map_err(|e| {
        let path = e.path().to_string();
        let place = if path == "." {
            String::new()
        } else {
            format!(".{path}")
        };
        format!("invalid options{place}: {}", e.into_inner())
    })?;
    options.validate().map_err(|e| format!("invalid {e}"))?;
    Ok(options)
}

/// Writes beside the target and renames, so a failed write never leaves half a PDF behind.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut temp, bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
