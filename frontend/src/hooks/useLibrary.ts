import { useCallback, useEffect, useRef, useState } from 'react';
import { Api, ApiError, type FileRecord, type Me, type RenderRequest } from '../api';
import { follow } from '../sse';
import { everyInWords } from '../format';
import { isPending } from '../listing';

/** `offline`: it says the server could not be reached, so it goes once the server answers. */
export type Message = { kind: 'error' | 'info'; text: string; offline?: boolean };

/** What was asked for a file, as the server keeps it: asking again renders it the same way. */
function askedAgain(file: FileRecord): RenderRequest {
  return { url: file.source_url, options: file.options as RenderRequest['options'], engine: file.engine };
}

/**
 * The user's library as the server has it, kept live by the event stream: the files shown
 * (newest first, older pages as loaded), the usage, and what can be done to them. Failures
 * become a message for people; nothing here touches the page itself.
 */
export function useLibrary(api: Api) {
  const [files, setFiles] = useState<FileRecord[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [me, setMe] = useState<Me | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  /** Files that ended while the library was open, for a toast each. */
  const [toasts, setToasts] = useState<FileRecord[]>([]);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  /** Files seen ending on the event stream, to announce once their record (and name) is read. */
  const finished = useRef(new Set<string>());

  const report = useCallback((error: unknown) => {
    const offline = error instanceof ApiError && error.code === 'network';
    setMessage({ kind: 'error', text: error instanceof Error ? error.message : String(error), offline });
  }, []);

  /** Reloads the newest page of files (keeping older pages already shown) and the usage. */
  const refresh = useCallback(async () => {
    try {
      const [page, user] = await Promise.all([api.listFiles(), api.me()]);
      setMe(user);
      const ended = page.files.filter((f) => finished.current.has(f.id) && (f.status === 'done' || f.status === 'failed'));
      for (const file of ended) finished.current.delete(file.id);
      if (ended.length > 0) setToasts((shown) => [...shown.filter((t) => !ended.some((e) => e.id === t.id)), ...ended]);
      const last = ended.at(-1);
      // Said in the live region, so people who cannot see the badge change hear it too.
      if (last?.status === 'done') setMessage({ kind: 'info', text: `Ready: “${last.name}”.` });
      else if (last) setMessage({ kind: 'error', text: `Could not convert “${last.name}”: ${last.error ?? 'no reason given'}` });
      setFiles((current) => {
        if (!current) {
          setNextCursor(page.next_cursor ?? null);
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
        const change = JSON.parse(event.data) as { id: string; status: FileRecord['status'] | 'deleted' };
        if (change.status === 'deleted') {
          setFiles((current) => current?.filter((f) => f.id !== change.id) ?? current);
          setToasts((shown) => shown.filter((t) => t.id !== change.id));
          return;
        }
        const status = change.status;
        if (status === 'done' || status === 'failed') finished.current.add(change.id);
        setFiles((current) => current?.map((f) => (f.id === change.id ? { ...f, status } : f)) ?? current);
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

  // "(2) Folio" while conversions run, so a background tab shows there is work going on.
  useEffect(() => {
    const pending = files?.filter(isPending).length ?? 0;
    document.title = pending > 0 ? `(${pending}) Folio` : 'Folio';
  }, [files]);

  async function loadMore() {
    if (!nextCursor) return;
    try {
      const page = await api.listFiles(nextCursor);
      setFiles((current) => [...(current ?? []), ...page.files]);
      setNextCursor(page.next_cursor ?? null);
    } catch (error) {
      report(error);
    }
  }

  /** Queues a page (and schedules it, given `every` seconds); a refusal is thrown to the form
   *  that asked. */
  async function convert(request: RenderRequest, every: number | null = null) {
    if (every !== null) await api.createSchedule(request, every);
    await api.requestRender(request);
    setMessage({
      kind: 'info',
      text:
        every === null
          ? 'Added to your library. It will be ready in a moment.'
          : `Added to your library, and scheduled ${everyInWords(every)} (see Settings).`,
    });
    await refresh();
  }

  /** Converts the page again with what was asked the first time; the new file takes the
   *  failed one's place rather than standing beside it. */
  async function retry(file: FileRecord) {
    try {
      await convert(askedAgain(file));
    } catch (error) {
      report(error);
      return;
    }
    try {
      await api.deleteFile(file.id);
    } catch {
      // Already gone, or left to delete by hand: the retry itself went through.
    }
    setFiles((current) => current?.filter((f) => f.id !== file.id) ?? current);
  }

  async function remove(file: FileRecord) {
    try {
      await api.deleteFile(file.id);
    } catch (error) {
      // Already gone is what the user wanted.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    setFiles((current) => current?.filter((f) => f.id !== file.id) ?? current);
    const pending = isPending(file);
    setMessage({ kind: 'info', text: pending ? `Cancelled “${file.name}”.` : `Deleted “${file.name}”.` });
    void refresh();
  }

  /** The page again, as its next version; it appears at the top, the older one behind it. */
  async function recapture(file: FileRecord) {
    try {
      await api.recapture(file.id);
      setMessage({ kind: 'info', text: `Capturing “${file.name}” again.` });
      await refresh();
    } catch (error) {
      report(error);
    }
  }

  /** A record the server changed (a rename, new tags) takes its old one's place. */
  const replace = useCallback((record: FileRecord) => {
    setFiles((current) => current?.map((f) => (f.id === record.id ? record : f)) ?? current);
  }, []);

  const dismissToast = useCallback((id: string) => setToasts((shown) => shown.filter((t) => t.id !== id)), []);

  return {
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
  };
}
