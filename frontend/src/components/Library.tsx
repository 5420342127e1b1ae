import { useEffect, useMemo, useRef, useState } from 'react';
import { Api, type FileRecord, type Session } from '../api';
import { useFileActions } from '../hooks/useFileActions';
import { useLibrary } from '../hooks/useLibrary';
import { useSearch } from '../hooks/useSearch';
import { useTicker } from '../hooks/useTicker';
import { groupByDay, SORT_ORDERS, STATUS_FILTERS, visibleFiles, type SortOrder, type StatusFilter } from '../listing';
import { loadDraft } from '../session';
import { AccountMenu } from './AccountMenu';
import { AddManyDialog } from './AddManyDialog';
import { ConvertDialog } from './ConvertDialog';
import { DeleteDialog } from './DeleteDialog';
import { FileList, focusRow } from './FileList';
import { Icon } from './Icon';
import { Settings } from './Settings';
import { ShareDialog } from './ShareDialog';
import { TagsDialog } from './TagsDialog';
import { Toasts } from './Toasts';

interface LibraryProps {
  api: Api;
  session: Session;
  onSignOut: () => void;
  /** Whether the server answers: a message about not reaching it goes once it does. */
  reachable?: boolean;
  /** The account was deleted: forget the session. */
  onAccountDeleted?: () => void;
}

/**
 * A page sent to Folio from elsewhere: the bookmarklet (`/?convert=<url>`) or a phone's share
 * menu (the PWA share target: `/?url=…`, or the address inside `text`, as Android sends it).
 */
export function sentUrl(search: string = window.location.search): string | null {
  const query = new URLSearchParams(search);
  const direct = query.get('convert') ?? query.get('url');
  const found = direct || /https?:\/\/\S+/.exec(query.get('text') ?? '')?.[0] || null;
  if (query.has('convert') || query.has('url') || query.has('text'))
    window.history.replaceState(null, '', window.location.pathname);
  return found;
}

export function Library({ api, session, onSignOut, reachable = true, onAccountDeleted = onSignOut }: LibraryProps) {
  const {
    files,
    nextCursor,
    me,
    message,
    setMessage,
    report,
    loadMore,
    convert,
    retry,
    remove,
    refresh,
    toasts,
    dismissToast,
    recapture,
    replace,
  } = useLibrary(api);
  const { download, open, copyLink, exportLibrary, exporting } = useFileActions(api, report, setMessage);
  const loadThumbnail = useMemo(() => (id: string) => api.thumbnail(id), [api]);
  const [words, setWords] = useState('');
  const [status, setStatus] = useState<StatusFilter>('all');
  const [sort, setSort] = useState<SortOrder>('newest');
  const [tag, setTag] = useState<string | null>(null);
  const [tagging, setTagging] = useState<FileRecord | null>(null);
  // A shared page first; else the address typed when the last session ended.
  const [sent] = useState(() => sentUrl() ?? loadDraft());
  const [converting, setConverting] = useState(sent !== null);
  const [addingMany, setAddingMany] = useState(false);
  const [sharing, setSharing] = useState<FileRecord | null>(null);
  const [deleting, setDeleting] = useState<FileRecord | null>(null);
  const [view, setView] = useState<'library' | 'settings'>(() => (window.location.hash === '#settings' ? 'settings' : 'library'));

  const search = useRef<HTMLInputElement>(null);
  const listArea = useRef<HTMLDivElement>(null);
  /** Where focus goes once the list has changed under it: a row's place in the list. */
  const [focusAt, setFocusAt] = useState<number | null>(null);
  const dialogOpen = converting || addingMany || sharing !== null || deleting !== null || tagging !== null;
  const now = useTicker(files?.some((f) => f.status === 'rendering') ?? false);

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

  // Words in the box search inside every file on the server; the list shows what it found.
  const searched = useSearch(api, words, tag, files, report);
  // Until the server answers, names and addresses that match show at once.
  const found = searched?.results ?? null;
  const shown = useMemo(
    () => found ?? (files ? visibleFiles(files, status, words, sort, tag) : null),
    [found, files, status, words, sort, tag],
  );
  const groups = useMemo(
    () => (found ? [{ label: '', files: found.map((latest) => ({ latest, older: [] })) }] : shown ? groupByDay(shown, sort) : []),
    [found, shown, sort],
  );

  async function removeAndMoveOn(file: FileRecord) {
    const index = shown?.findIndex((f) => f.id === file.id) ?? -1;
    await remove(file);
    setFocusAt(Math.max(index, 0));
  }

  async function showOlder() {
    const before = shown?.length ?? 0;
    await loadMore();
    setFocusAt(before);
  }

  useEffect(() => {
    if (focusAt === null || shown?.some((f) => f.id === deleting?.id)) return;
    const rows = listArea.current?.querySelectorAll('li.file') ?? [];
    if (rows.length > 0) focusRow(rows[Math.min(focusAt, rows.length - 1)]);
    else document.querySelector<HTMLElement>('.toolbar button')?.focus();
    setFocusAt(null);
  }, [focusAt, shown, deleting]);

  useEffect(() => {
    if (reachable) setMessage((shown) => (shown?.offline ? null : shown));
  }, [reachable, setMessage]);

  const filtered = status !== 'all' || words.trim() !== '' || tag !== null;

  return (
    <div className="library">
      <header className="topbar">
        <h1 className="brand">Folio</h1>
        <div className="account">
          <AccountMenu email={session.user.email} me={me} />
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
              Convert<span className="wide-only"> a page</span>
            </button>
            <label className="search">
              <span className="visually-hidden">Search files</span>
              <input
                ref={search}
                aria-keyshortcuts="/"
                type="search"
                placeholder="Search inside your files"
                value={words}
                onChange={(e) => setWords(e.target.value)}
              />
            </label>
            <button type="button" className="tool" onClick={() => setAddingMany(true)}>
              <Icon kind="add-many" />
              <span className="label">Add many</span>
            </button>
            <button
              type="button"
              className="tool"
              onClick={() => {
                if (!exporting && files?.length) void exportLibrary();
              }}
              aria-disabled={exporting || !files?.length}
            >
              <Icon kind="export" />
              <span className="label">{exporting ? 'Exporting…' : 'Export library'}</span>
            </button>
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
            <div ref={listArea}>
              <div className="list-tools">
                {searched ? (
                  <h2 className="files-heading">
                    {searched.results === null ? 'Searching…' : `Found in ${plural(searched.results.length, 'file')}`}
                    {searched.searching && searched.results !== null && <span className="count"> (searching…)</span>}
                  </h2>
                ) : (
                  <h2 className="files-heading">
                    Your files{' '}
                    <span className="count">
                      {shown?.length === files.length ? files.length : `${shown?.length} of ${files.length}`}
                    </span>
                  </h2>
                )}
                <label hidden={searched !== null}>
                  Show
                  <select value={status} onChange={(e) => setStatus(e.target.value as StatusFilter)}>
                    {STATUS_FILTERS.map((f) => (
                      <option key={f.value} value={f.value}>
                        {f.label}
                      </option>
                    ))}
                  </select>
                </label>
                {tag && (
                  <button
                    type="button"
                    className="tag tag-active"
                    aria-label={`Stop showing only files tagged ${tag}`}
                    onClick={() => setTag(null)}
                  >
                    #{tag} ×
                  </button>
                )}
                <label hidden={searched !== null}>
                  Sort
                  <select value={sort} onChange={(e) => setSort(e.target.value as SortOrder)}>
                    {SORT_ORDERS.map((s) => (
                      <option key={s.value} value={s.value}>
                        {s.label}
                      </option>
                    ))}
                  </select>
                </label>
              </div>
              {filtered && shown?.length === 0 && !searched?.searching && (
                <p className="empty">
                  {words.trim()
                    ? `No file holds “${words.trim()}”${tag ? ` with the tag ${tag}` : ''}.`
                    : tag
                      ? `No file is tagged ${tag} here.`
                      : 'No file is in this state.'}
                </p>
              )}
              <FileList
                groups={groups}
                files={files}
                now={now}
                onDownload={download}
                onDelete={setDeleting}
                onRetry={retry}
                onCopyLink={copyLink}
                onShare={setSharing}
                onOpen={open}
                onRecapture={recapture}
                onEditTags={setTagging}
                onPickTag={setTag}
                searched={searched?.words}
                loadThumbnail={loadThumbnail}
              />
              {nextCursor && !searched && (
                <button type="button" className="more" onClick={showOlder}>
                  Show older files
                </button>
              )}
            </div>
          )}
        </main>
      )}
      <Toasts files={toasts} onOpen={open} onDismiss={dismissToast} />
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
      {tagging && <TagsDialog api={api} file={tagging} onChanged={replace} onClose={() => setTagging(null)} />}
      {sharing && <ShareDialog api={api} file={sharing} onClose={() => setSharing(null)} />}
      {deleting && <DeleteDialog file={deleting} onConfirm={() => removeAndMoveOn(deleting)} onClose={() => setDeleting(null)} />}
    </div>
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
