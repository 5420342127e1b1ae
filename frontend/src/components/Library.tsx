import { useMemo, useState } from 'react';
import { Api, type FileRecord, type Session } from '../api';
import { downloadName, formatBytes } from '../format';
import { useLibrary } from '../hooks/useLibrary';
import { ConvertDialog } from './ConvertDialog';
import { DeleteDialog } from './DeleteDialog';
import { FileRow } from './FileRow';

interface LibraryProps {
  api: Api;
  session: Session;
  onSignOut: () => void;
}

export function Library({ api, session, onSignOut }: LibraryProps) {
  const { files, nextCursor, me, message, setMessage, report, loadMore, convert, retry, remove } = useLibrary(api);
  const [filter, setFilter] = useState('');
  const [converting, setConverting] = useState(false);
  const [deleting, setDeleting] = useState<FileRecord | null>(null);

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
            <input
              type="search"
              placeholder="Search by name or address"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
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
            <p
              className={message.kind === 'error' ? 'form-error' : 'notice'}
              role={message.kind === 'error' ? 'alert' : 'status'}
            >
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
