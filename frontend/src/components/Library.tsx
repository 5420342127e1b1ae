import { useEffect, useMemo, useRef, useState } from 'react';
import { Api, type FileRecord, type Session } from '../api';
import { copyText, openLink, saveBlob } from '../browser';
import { downloadName, formatBytes } from '../format';
import { useLibrary } from '../hooks/useLibrary';
import { AddManyDialog } from './AddManyDialog';
import { ConvertDialog } from './ConvertDialog';
import { DeleteDialog } from './DeleteDialog';
import { FileRow } from './FileRow';
import { Settings } from './Settings';
import { ShareDialog } from './ShareDialog';

interface LibraryProps {
  api: Api;
  session: Session;
  onSignOut: () => void;
  /** The account was deleted: forget the session. */
  onAccountDeleted?: () => void;
}

/** A page to convert, sent by the "Save to Folio" bookmarklet as `/?convert=<url>`. */
function bookmarkletUrl(): string | null {
  const url = new URLSearchParams(window.location.search).get('convert');
  if (url !== null) window.history.replaceState(null, '', window.location.pathname);
  return url;
}

export function Library({ api, session, onSignOut, onAccountDeleted = onSignOut }: LibraryProps) {
  const { files, nextCursor, me, message, setMessage, report, loadMore, convert, retry, remove, refresh } = useLibrary(api);
  const [filter, setFilter] = useState('');
  const [sent] = useState(bookmarkletUrl);
  const [converting, setConverting] = useState(sent !== null);
  const [addingMany, setAddingMany] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [sharing, setSharing] = useState<FileRecord | null>(null);
  const [deleting, setDeleting] = useState<FileRecord | null>(null);
  const [view, setView] = useState<'library' | 'settings'>(() => (window.location.hash === '#settings' ? 'settings' : 'library'));

  const search = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLUListElement>(null);
  /** Where focus goes once a deleted row has left: the row that took its place. */
  const [focusRow, setFocusRow] = useState<number | null>(null);
  const dialogOpen = converting || addingMany || sharing !== null || deleting !== null;

  // `/` searches and `c` converts, as in the mail and issue trackers people know; never while
  // typing in a field or with a dialog open.
  useEffect(() => {
    if (view !== 'library' || dialogOpen) return;
    function onKey(event: KeyboardEvent) {
      const target = event.target as HTMLElement | null;
      const typing = target?.closest('input, textarea, select, [contenteditable="true"]');
      if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === '/') {
        event.preventDefault();
        search.current?.focus();
      } else if (event.key === 'c') {
        event.preventDefault();
        setConverting(true);
      }
    }
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [view, dialogOpen]);

  function show(next: 'library' | 'settings') {
    window.history.replaceState(null, '', next === 'settings' ? '#settings' : window.location.pathname);
    setView(next);
  }

  async function download(file: FileRecord) {
    try {
      const pdf = await api.download(file.id);
      // S3 serves it as an attachment under its name.
      if ('blob' in pdf) saveBlob(pdf.blob, downloadName(file.name));
      else openLink(pdf.link);
    } catch (error) {
      report(error);
    }
  }

  /** The PDF in a new tab, in the browser's viewer. The tab is opened at the click (a tab
   *  opened after waiting for the download would be taken for a pop-up), then given the file. */
  async function open(file: FileRecord) {
    const tab = window.open('', '_blank');
    try {
      const pdf = await api.download(file.id);
      const href = 'blob' in pdf ? URL.createObjectURL(pdf.blob) : pdf.link;
      if (tab) tab.location.href = href;
      else openLink(href);
    } catch (error) {
      tab?.close();
      report(error);
    }
  }

  async function copyLink(file: FileRecord) {
    if (await copyText(file.source_url)) setMessage({ kind: 'info', text: 'Page link copied.' });
    else setMessage({ kind: 'error', text: 'Your browser did not allow copying; the link is under the file name.' });
  }

  async function exportLibrary() {
    setExporting(true);
    setMessage({ kind: 'info', text: 'Preparing your library…' });
    try {
      const archive = await api.exportLibrary();
      saveBlob(archive, `folio-${new Date().toISOString().slice(0, 10)}.zip`);
      setMessage({ kind: 'info', text: 'Your library was exported.' });
    } catch (error) {
      report(error);
    } finally {
      setExporting(false);
    }
  }

  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    if (!files || !needle) return files;
    return files.filter((f) => f.name.toLowerCase().includes(needle) || f.source_url.toLowerCase().includes(needle));
  }, [files, filter]);

  async function removeAndMoveOn(file: FileRecord) {
    const index = shown?.findIndex((f) => f.id === file.id) ?? -1;
    await remove(file);
    setFocusRow(Math.max(index, 0));
  }

  useEffect(() => {
    if (focusRow === null || shown?.some((f) => f.id === deleting?.id)) return;
    const rows = list.current?.querySelectorAll<HTMLElement>('li.file') ?? [];
    const next = rows[Math.min(focusRow, rows.length - 1)];
    const target =
      next?.querySelector<HTMLElement>('button:not([disabled])') ?? document.querySelector<HTMLElement>('.toolbar button');
    target?.focus();
    setFocusRow(null);
  }, [focusRow, shown, deleting]);

  return (
    <div className="library">
      <header className="topbar">
        <h1 className="brand">Folio</h1>
        <div className="account">
          <span className="email">{session.user.email}</span>
          {view === 'library' ? (
            <button type="button" onClick={() => show('settings')}>
              Settings
            </button>
          ) : (
            <button type="button" onClick={() => show('library')}>
              Library
            </button>
          )}
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      {view === 'settings' ? (
        <Settings api={api} email={session.user.email} onAccountDeleted={onAccountDeleted} />
      ) : (
        <main>
          <section className="toolbar" aria-label="Library tools">
            <button type="button" className="primary" aria-keyshortcuts="c" onClick={() => setConverting(true)}>
              Convert a page
            </button>
            <button type="button" onClick={() => setAddingMany(true)}>
              Add many
            </button>
            <button type="button" onClick={exportLibrary} disabled={exporting || !files?.length}>
              {exporting ? 'Exporting…' : 'Export library'}
            </button>
            <label className="search">
              <span className="visually-hidden">Search files</span>
              <input
                ref={search}
                aria-keyshortcuts="/"
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
              <ul ref={list} className="files" aria-label="Your files">
                {shown?.map((file) => (
                  <FileRow
                    key={file.id}
                    file={file}
                    onDownload={download}
                    onDelete={setDeleting}
                    onRetry={retry}
                    onCopyLink={copyLink}
                    onShare={setSharing}
                    onOpen={open}
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
      )}
      {converting && <ConvertDialog initialUrl={sent ?? ''} onSubmit={convert} onClose={() => setConverting(false)} />}
      {addingMany && (
        <AddManyDialog
          api={api}
          onQueued={(count) => {
            setMessage({ kind: 'info', text: `${count} ${count === 1 ? 'page was' : 'pages were'} added to your library.` });
            void refresh();
          }}
          onClose={() => setAddingMany(false)}
        />
      )}
      {sharing && <ShareDialog api={api} file={sharing} onClose={() => setSharing(null)} />}
      {deleting && <DeleteDialog file={deleting} onConfirm={() => removeAndMoveOn(deleting)} onClose={() => setDeleting(null)} />}
    </div>
  );
}
