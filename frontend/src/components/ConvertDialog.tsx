import { useState, type FormEvent } from 'react';
import { ApiError, type Engine, type RenderOptions, type RenderRequest } from '../api';
import { Modal } from './Modal';
import { FormError } from './FormError';
import { TextField } from './TextField';
import { clearDraft, saveDraft } from '../session';
import { withScheme } from '../links';

interface ConvertDialogProps {
  /** The address to start from (the bookmarklet's page). */
  initialUrl?: string;
  /** `every`: seconds between captures from now on, when the page is to be scheduled too. */
  onSubmit: (request: RenderRequest, every: number | null) => Promise<void>;
  onClose: () => void;
}

const MARGINS: Record<string, string> = { none: '0', narrow: '0.25in', normal: '0.4in', wide: '1in' };
/** The most HTML the API takes in one upload. */
const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

/** The page to convert and the options people reach for most. */
export function ConvertDialog({ initialUrl = '', onSubmit, onClose }: ConvertDialogProps) {
  const [url, setUrl] = useState(initialUrl);
  const [format, setFormat] = useState<NonNullable<RenderOptions['format']>>('A4');
  const [landscape, setLandscape] = useState(false);
  const [margin, setMargin] = useState('normal');
  const [background, setBackground] = useState(false);
  const [wait, setWait] = useState<'load' | 'network_idle' | 'selector'>('load');
  const [selector, setSelector] = useState('');
  const [engine, setEngine] = useState<Engine>('chromium');
  const [output, setOutput] = useState<NonNullable<RenderOptions['output']>>('pdf');
  const [every, setEvery] = useState('');
  const [clean, setClean] = useState(true);
  const [upload, setUpload] = useState<File | null>(null);
  const [problem, setProblem] = useState<{ field?: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);

  function typed(value: string) {
    setUrl(value);
    saveDraft(value);
  }

  /** Dismissed or sent: the draft is done with. (Unmounted by a sign-out, it is kept.) */
  function close() {
    clearDraft();
    onClose();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const typed = url.trim();
    if (!typed && !upload) {
      setProblem({ field: 'url', message: 'Paste the address of the page to convert, or upload an HTML file.' });
      return;
    }
    if (upload && upload.size > MAX_UPLOAD_BYTES) {
      setProblem({ field: 'html', message: `${upload.name} is over 5 MiB, the most an upload may be.` });
      return;
    }
    // "example.com/page" means the web page, as the browser's address bar would read it.
    const trimmed = typed ? withScheme(typed) : '';
    if (wait === 'selector' && !selector.trim()) {
      setProblem({ field: 'options.wait_for_selector', message: 'Enter the CSS selector to wait for.' });
      return;
    }
    const options: RenderOptions = {
      format,
      landscape,
      margin: MARGINS[margin],
      print_background: background,
      wait_until: wait === 'network_idle' ? 'network_idle' : 'load',
    };
    if (wait === 'selector') options.wait_for_selector = selector.trim();
    if (output === 'png') options.output = 'png';
    if (!clean) options.clean = false;
    setBusy(true);
    setProblem(null);
    try {
      if (upload) {
        const request: RenderRequest = { html: await upload.text(), name: upload.name, options, engine };
        if (trimmed) request.base_url = trimmed;
        // An upload has no address to capture again.
        await onSubmit(request, null);
      } else {
        await onSubmit({ url: trimmed, options, engine }, every ? Number(every) : null);
      }
      close();
    } catch (error) {
      if (error instanceof ApiError) setProblem({ field: error.field, message: error.message });
      else setProblem({ message: String(error) });
      // The field at fault takes focus; otherwise focus stays on the button, inside the dialog.
      if (error instanceof ApiError && error.field === 'url') document.getElementById('convert-url')?.focus();
    } finally {
      setBusy(false);
    }
  }

  const onUrl = (field?: string) => field === undefined || field === 'url' || field === 'base_url';
  const urlProblem = problem && onUrl(problem.field) ? problem.message : undefined;
  const otherProblem = problem && !onUrl(problem.field) ? problem.message : null;

  return (
    <Modal title="Convert a page" onClose={close}>
      <form onSubmit={submit} noValidate className="convert">
        <TextField
          id="convert-url"
          label={upload ? 'Base URL for its links (optional)' : 'Page URL'}
          type="url"
          inputMode="url"
          placeholder="https://example.com/article"
          value={url}
          onChange={(e) => typed(e.target.value)}
          problem={urlProblem}
          alert
        />
        <label className="upload">
          Upload an HTML file
          <input
            type="file"
            accept=".html,.htm,text/html"
            onChange={(e) => {
              setUpload(e.target.files?.[0] ?? null);
              setProblem(null);
            }}
          />
        </label>
        <fieldset>
          <legend>Options</legend>
          <div className="options">
            <label>
              Paper size
              <select value={format} onChange={(e) => setFormat(e.target.value as typeof format)}>
                {['A4', 'A3', 'Letter', 'Legal', 'Tabloid'].map((f) => (
                  <option key={f}>{f}</option>
                ))}
              </select>
            </label>
            <label>
              Margins
              <select value={margin} onChange={(e) => setMargin(e.target.value)}>
                <option value="none">None</option>
                <option value="narrow">Narrow</option>
                <option value="normal">Normal</option>
                <option value="wide">Wide</option>
              </select>
            </label>
            <label>
              Wait for
              <select value={wait} onChange={(e) => setWait(e.target.value as typeof wait)}>
                <option value="load">Page load</option>
                <option value="network_idle">Network idle</option>
                <option value="selector">An element (CSS selector)</option>
              </select>
            </label>
            {wait === 'selector' && (
              <label>
                CSS selector
                <input type="text" value={selector} placeholder="article" onChange={(e) => setSelector(e.target.value)} />
              </label>
            )}
            <label>
              Save as
              <select
                value={output}
                onChange={(e) => {
                  const next = e.target.value as typeof output;
                  setOutput(next);
                  // A screenshot is the browser's.
                  if (next === 'png') setEngine('chromium');
                }}
              >
                <option value="pdf">PDF</option>
                <option value="png">PNG (full-page screenshot)</option>
              </select>
            </label>
            <label>
              Engine
              <select value={engine} disabled={output === 'png'} onChange={(e) => setEngine(e.target.value as Engine)}>
                <option value="chromium">Chromium (faithful)</option>
                <option value="reader">Reader (text only)</option>
              </select>
            </label>
            <label>
              Capture again
              <select value={upload ? '' : every} disabled={upload !== null} onChange={(e) => setEvery(e.target.value)}>
                <option value="">Only now</option>
                <option value="3600">Every hour</option>
                <option value="86400">Every day</option>
                <option value="604800">Every week</option>
              </select>
            </label>
            <label className="check">
              <input type="checkbox" checked={landscape} onChange={(e) => setLandscape(e.target.checked)} />
              Landscape
            </label>
            <label className="check">
              <input type="checkbox" checked={background} onChange={(e) => setBackground(e.target.checked)} />
              Print backgrounds
            </label>
            <label className="check">
              <input type="checkbox" checked={clean} onChange={(e) => setClean(e.target.checked)} />
              Remove cookie banners and pop-ups
            </label>
          </div>
        </fieldset>
        <FormError>{otherProblem}</FormError>
        <div className="actions">
          <button type="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="primary" aria-disabled={busy}>
            Convert
          </button>
        </div>
      </form>
    </Modal>
  );
}
