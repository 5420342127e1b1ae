import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Api, ApiError, type FileRecord, type Me, type RenderRequest, type Session } from '../api';
import { downloadName, formatBytes } from '../format';
import { follow } from '../sse';
import { ConvertDialog } from './ConvertDialog';
import { DeleteDialog } from './DeleteDialog';
import { FileRow } from './FileRow';

interface LibraryProps {
  api: Api;
  session: Session;
  onSignOut: () => void;
}

const REQUESTS_KEY = 'folio.requests';

/** What was asked for each file, so a failed one can be retried with the same options. */
function rememberRequest(id: string, request: RenderRequest) {
  const all = JSON.parse(localStorage.getItem(REQUESTS_KEY) ?? '{}') as Record<string, RenderRequest>;
  all[id] = request;
  const ids = Object.keys(all);
  for (const old of ids.slice(0, Math.max(0, ids.length - 500))) delete all[old];
  localStorage.setItem(REQUESTS_KEY, JSON.stringify(all));
}

function recalledRequest(file: FileRecord): RenderRequest {
  const all = JSON.parse(localStorage.getItem(REQUESTS_KEY) ?? '{}') as Record<string, RenderRequest>;
  return all[file.id] ?? { url: file.source_url, engine: file.engine };
}

export function Library({ api, session, onSignOut }: LibraryProps) {
  const [files, setFiles] = useState<FileRecord[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [me, setMe] = useState<Me | null>(null);
  const [filter, setFilter] = useState('');
  const [converting, setConverting] = useState(false);
  const [deleting, setDeleting] = useState<FileRecord | null>(null);
  const [message, setMessage] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const report = useCallback((error: unknown) => {
    setMessage({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
  }, []);

  /** Reloads the newest page of files (keeping older pages already shown) and the usage. */
  const refresh = useCallback(async () => {
    try {
      const [page, user] = await Promise.all([api.listFiles(), api.me()]);
      setMe(user);
      setFiles((current) => {
        if (!current) {
          setNextCursor(page.next_cursor);
          return page.files;
        }
        const fresh = new Set(page.files.map((f) => f.id));
        const oldest = page.files.at(-1)?.id;
        const older = current.filter((f) => !fresh.has(f.id) && oldest !== undefined && f.id < oldest);
        return [...page.files, ...older];
      });
    } catch (error) {
      report(error);
    }
  }, [api, report]);

  const refreshSoon = useCallback(() => {
    if (refreshTimer.current) clearTimeout(refreshTimer.current);
    refreshTimer.current = setTimeout(() => void refresh(), 150);
  }, [refresh]);

  useEffect(() => {
    const stop = new AbortController();
    void follow(
      (signal) => api.events(signal),
      (event) => {
        if (event.event === 'resync') return refreshSoon();
        if (event.event !== 'file') return;
        const change = JSON.parse(event.data) as { id: string; status: string };
        if (change.status === 'deleted') {
          setFiles((current) => current?.filter((f) => f.id !== change.id) ?? current);
          return;
        }
        setFiles((current) =>
          current?.map((f) => (f.id === change.id ? { ...f, status: change.status as FileRecord['status'] } : f)) ?? current,
        );
        // Names, sizes and page counts arrive with the record itself.
        refreshSoon();
      },
      () => void refresh(),
      stop.signal,
    );
    return () => {
      stop.abort();
      if (refreshTimer.current) clearTimeout(refreshTimer.current);
    };
  }, [api, refresh, refreshSoon]);

  async function loadMore() {
    if (!nextCursor) return;
    try {
      const page = await api.listFiles(nextCursor);
      setFiles((current) => [...(current ?? []), ...page.files]);
      setNextCursor(page.next_cursor);
    } catch (error) {
      report(error);
    }
  }

  async function convert(request: RenderRequest) {
    const accepted = await api.requestRender(request);
    rememberRequest(accepted.id, request);
    setMessage({ kind: 'info', text: 'Added to your library. It will be ready in a moment.' });
    await refresh();
  }

  async function retry(file: FileRecord) {
    try {
      await convert(recalledRequest(file));
    } catch (error) {
      report(error);
    }
  }

  async function download(file: FileRecord) {
    try {
      const pdf = await api.download(file.id);
      const link = document.createElement('a');
      if ('blob' in pdf) {
        link.href = URL.createObjectURL(pdf.blob);
        link.download = downloadName(file.name);
        setTimeout(() => URL.revokeObjectURL(link.href), 60000);
      } else {
        // S3 serves it as an attachment under its name.
        link.href = pdf.link;
        link.rel = 'noopener';
      }
      document.body.append(link);
      link.click();
      link.remove();
    } catch (error) {
      report(error);
    }
  }

  async function copyLink(file: FileRecord) {
    try {
      await navigator.clipboard.writeText(file.source_url);
      setMessage({ kind: 'info', text: 'Page link copied.' });
    } catch {
      setMessage({ kind: 'error', text: 'Your browser did not allow copying; the link is under the file name.' });
    }
  }

  async function remove(file: FileRecord) {
    try {
      await api.deleteFile(file.id);
    } catch (error) {
      // Already gone is what the user wanted.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    setFiles((current) => current?.filter((f) => f.id !== file.id) ?? current);
    setMessage({ kind: 'info', text: `Deleted “${file.name}”.` });
    void refresh();
  }

  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    if (!files || !needle) return files;
    return files.filter((f) => f.name.toLowerCase().includes(needle) || f.source_url.toLowerCase().includes(needle));
  }, [files, filter]);

  return (
    <div className="library">
      <header className="topbar">
        <h1 className="brand">Folio</h1>
        <div className="account">
          <span className="email">{session.user.email}</span>
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main>
        <section className="toolbar" aria-label="Library tools">
          <button type="button" className="primary" onClick={() => setConverting(true)}>
            Convert a page
          </button>
          <label className="search">
            <span className="visually-hidden">Search files</span>
            <input type="search" placeholder="Search by name or address" value={filter} onChange={(e) => setFilter(e.target.value)} />
          </label>
          {me && (
            <p className="usage" aria-label="Usage">
              <span>
                {formatBytes(me.usage.stored_bytes)} of {formatBytes(me.usage.max_stored_bytes)} used
              </span>
              <meter min={0} max={me.usage.max_stored_bytes} value={me.usage.stored_bytes} aria-label="Storage used" />
              <span>
                {me.usage.queued_jobs} of {me.usage.max_queued_jobs} conversions in progress
              </span>
            </p>
          )}
        </section>
        <div aria-live="polite" className="messages">
          {message && (
            <p className={message.kind === 'error' ? 'form-error' : 'notice'} role={message.kind === 'error' ? 'alert' : 'status'}>
              {message.text}{' '}
              <button type="button" className="link" onClick={() => setMessage(null)}>
                Dismiss
              </button>
            </p>
          )}
        </div>
        {files === null ? (
          <p className="loading">Loading your library…</p>
        ) : files.length === 0 ? (
          <div className="empty">
            <h2>Your library is empty</h2>
            <p>Choose “Convert a page”, paste the address of any web page, and its PDF will appear here.</p>
          </div>
        ) : (
          <>
            <h2 className="visually-hidden">Your files</h2>
            {shown && shown.length === 0 && <p className="empty">No file matches “{filter}”.</p>}
            <ul className="files" aria-label="Your files">
              {shown?.map((file) => (
                <FileRow
                  key={file.id}
                  file={file}
                  onDownload={download}
                  onDelete={setDeleting}
                  onRetry={retry}
                  onCopyLink={copyLink}
                />
              ))}
            </ul>
            {nextCursor && (
              <button type="button" className="more" onClick={loadMore}>
                Show older files
              </button>
            )}
          </>
        )}
      </main>
      {converting && <ConvertDialog onSubmit={convert} onClose={() => setConverting(false)} />}
      {deleting && <DeleteDialog file={deleting} onConfirm={() => remove(deleting)} onClose={() => setDeleting(null)} />}
    </div>
  );
}
