import { useCallback, useState } from 'react';
import { Api, type FileRecord, type Share } from '../api';
import { copyText } from '../browser';
import { useRemote, type Problem } from '../hooks/useRemote';
import { formatDate } from '../format';
import { FormError } from './FormError';
import { Modal } from './Modal';

interface ShareDialogProps {
  api: Api;
  file: FileRecord;
  onClose: () => void;
}

const EXPIRIES: [label: string, seconds: number][] = [
  ['1 hour', 3600],
  ['1 day', 86400],
  ['7 days', 604800],
  ['30 days', 2592000],
];

/** A share link opens the full address: the server gives its path. */
function fullUrl(share: Share): string {
  return new URL(share.url, window.location.origin).toString();
}

/** Links that open one done file for anyone who has them, until they expire or are revoked. */
export function ShareDialog({ api, file, onClose }: ShareDialogProps) {
  const [expiresIn, setExpiresIn] = useState(604800);
  const [created, setCreated] = useState<Share | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const [shares, load] = useRemote(
    useCallback(async () => (await api.listShares(file.id)).shares, [api, file.id]),
    useCallback((problem: Problem) => setProblem(problem.message), []),
  );

  async function create() {
    if (busy) return;
    setBusy(true);
    setProblem(null);
    try {
      const share = await api.createShare(file.id, expiresIn);
      setCreated(share);
      setNotice((await copyText(fullUrl(share))) ? 'Link created and copied.' : 'Link created.');
      await load();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  }

  async function revoke(share: Share) {
    try {
      await api.revokeShare(share.id);
      if (created?.id === share.id) setCreated(null);
      setNotice('Link revoked: it no longer opens the file.');
      await load();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  }

  async function copy(share: Share) {
    setNotice((await copyText(fullUrl(share))) ? 'Link copied.' : 'Your browser did not allow copying; select the link instead.');
  }

  return (
    <Modal title={`Share “${file.name}”`} onClose={onClose}>
      <p>Anyone with the link can open this PDF, without an account, until it expires or you revoke it.</p>
      <div className="share-create">
        <label>
          Link works for
          <select value={expiresIn} onChange={(e) => setExpiresIn(Number(e.target.value))}>
            {EXPIRIES.map(([label, seconds]) => (
              <option key={seconds} value={seconds}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="primary" aria-disabled={busy} onClick={create}>
          Create link
        </button>
      </div>
      {created && (
        <label className="share-link">
          New link
          <input type="text" readOnly value={fullUrl(created)} onFocus={(e) => e.target.select()} />
        </label>
      )}
      <p role="status" className="notice-inline">
        {notice}
      </p>
      <FormError>{problem}</FormError>
      <h3>Links to this file</h3>
      {shares === null ? (
        <p className="loading">Loading…</p>
      ) : shares.length === 0 ? (
        <p>No link opens this file.</p>
      ) : (
        <ul className="shares" aria-label="Links to this file">
          {shares.map((share) => (
            <li key={share.id} aria-label={`Link expiring ${formatDate(share.expires_at)}`}>
              <code>{share.url.slice(0, 12)}…</code>
              <span>expires {formatDate(share.expires_at)}</span>
              <button type="button" onClick={() => copy(share)}>
                Copy
              </button>
              <button type="button" className="danger" onClick={() => revoke(share)}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="actions">
        <button type="button" onClick={onClose}>
          Done
        </button>
      </div>
    </Modal>
  );
}
