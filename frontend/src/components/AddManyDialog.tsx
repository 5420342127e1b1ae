import { useState, type ChangeEvent, type DragEvent } from 'react';
import { Api, type BatchAccepted } from '../api';
import { chunks, linksFrom, linksFromBookmarks } from '../links';
import { FormError } from './FormError';
import { Modal } from './Modal';

interface AddManyDialogProps {
  api: Api;
  onQueued: (count: number) => void;
  onClose: () => void;
}

type Rejected = BatchAccepted['rejected'][number];

/** The server takes this many links per request. */
const BATCH = 100;

/** Many pages at once: a pasted list, or a dropped browser bookmarks export. */
export function AddManyDialog({ api, onQueued, onClose }: AddManyDialogProps) {
  const [text, setText] = useState('');
  const [fromFile, setFromFile] = useState<{ name: string; links: string[] } | null>(null);
  const [rejected, setRejected] = useState<Rejected[]>([]);
  const [progress, setProgress] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const links = fromFile?.links ?? linksFrom(text);

  async function readFile(file: File | undefined) {
    if (!file) return;
    const found = linksFromBookmarks(await file.text());
    setFromFile({ name: file.name, links: found });
    setProblem(found.length === 0 ? `No web addresses in ${file.name}.` : null);
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    void readFile(event.dataTransfer.files[0]);
  }

  async function submit() {
    if (busy) return;
    if (links.length === 0) {
      setProblem('Paste some web addresses (one per line) or drop a bookmarks file.');
      return;
    }
    setBusy(true);
    setProblem(null);
    setRejected([]);
    let queued = 0;
    const refused: Rejected[] = [];
    try {
      const groups = chunks(links, BATCH);
      for (const [index, group] of groups.entries()) {
        setProgress(`Adding ${index * BATCH + 1}–${index * BATCH + group.length} of ${links.length}…`);
        const answer = await api.requestMany(group);
        queued += answer.files.length;
        refused.push(...answer.rejected);
      }
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
      setProgress(null);
    }
    if (queued > 0) onQueued(queued);
    setRejected(refused);
    if (refused.length === 0 && queued === links.length) onClose();
    else if (queued > 0) setProgress(`${queued} added; ${refused.length} could not be added:`);
  }

  return (
    <Modal title="Add many pages" onClose={onClose}>
      <div className="drop-zone" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
        <label htmlFor="add-many-links">Web addresses, one per line</label>
        <textarea
          id="add-many-links"
          rows={8}
          value={text}
          placeholder={'https://example.com/article\nhttps://example.org/post'}
          onChange={(e) => {
            setText(e.target.value);
            setFromFile(null);
          }}
        />
        <label className="file-pick">
          Or choose a bookmarks export (HTML)
          <input
            type="file"
            accept=".html,.htm,text/html"
            onChange={(e: ChangeEvent<HTMLInputElement>) => void readFile(e.target.files?.[0])}
          />
        </label>
        <p className="hint">
          {fromFile
            ? `${fromFile.links.length} links from ${fromFile.name}`
            : `${links.length} ${links.length === 1 ? 'link' : 'links'} found`}
        </p>
      </div>
      <p role="status" className="notice-inline">
        {progress}
      </p>
      {rejected.length > 0 && (
        <ul className="rejected" aria-label="Not added">
          {rejected.map((r, i) => (
            <li key={`${i}-${r.url}`}>
              <code>{r.url}</code>: {r.error.message}
            </li>
          ))}
        </ul>
      )}
      <FormError>{problem}</FormError>
      <div className="actions">
        <button type="button" onClick={onClose}>
          {rejected.length > 0 ? 'Close' : 'Cancel'}
        </button>
        <button type="button" className="primary" aria-disabled={busy} onClick={submit}>
          Add {links.length || ''} {links.length === 1 ? 'page' : 'pages'}
        </button>
      </div>
    </Modal>
  );
}
