import { useEffect, useState } from 'react';
import { Api, type FileRecord } from '../api';
import { hasWords } from '../listing';

/** How long typing pauses before the server is asked. */
const PAUSE_MS = 250;

export interface SearchState {
  /** The words the results are for. */
  words: string;
  /** Best first, each with its snippet; `null` until the first answer. */
  results: FileRecord[] | null;
  searching: boolean;
}

/**
 * Searches inside every done file on the server (`q`), as the user types: asked once typing
 * pauses, an answer that arrives after newer words is dropped, and asked again when the library
 * changes (`revision`: a file deleted, retagged, or done). `null` while the box holds no word.
 */
export function useSearch(
  api: Api,
  words: string,
  tag: string | null,
  revision: unknown,
  onError: (error: unknown) => void,
): SearchState | null {
  const [state, setState] = useState<SearchState | null>(null);
  const active = hasWords(words);

  useEffect(() => {
    if (!active) {
      setState(null);
      return;
    }
    setState((shown) => ({ words, results: shown?.results ?? null, searching: true }));
    const stop = new AbortController();
    const timer = setTimeout(() => {
      api
        .searchFiles(words.trim(), tag, stop.signal)
        .then((page) => {
          if (!stop.signal.aborted) setState({ words, results: page.files, searching: false });
        })
        .catch((error: unknown) => {
          if (stop.signal.aborted) return;
          setState((shown) => (shown ? { ...shown, searching: false } : shown));
          onError(error);
        });
    }, PAUSE_MS);
    return () => {
      clearTimeout(timer);
      stop.abort();
    };
  }, [api, words, tag, active, revision, onError]);

  return state;
}
