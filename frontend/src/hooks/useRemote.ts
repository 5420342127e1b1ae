import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api';

/** A problem to show: the server's message, and the field it names if any. */
export type Problem = { field?: string; message: string };

export function problemOf(error: unknown): Problem {
  if (error instanceof ApiError) return { field: error.field, message: error.message };
  return { message: error instanceof Error ? error.message : String(error) };
}

/**
 * What `load` gives, fetched when the component appears and again on `reload()`; `null`
 * until it arrives. A failure goes to `onError`. `load` must keep its identity between renders.
 */
export function useRemote<T>(load: () => Promise<T>, onError: (problem: Problem) => void): [T | null, () => Promise<void>] {
  const [value, setValue] = useState<T | null>(null);
  const reload = useCallback(async () => {
    try {
      setValue(await load());
    } catch (error) {
      onError(problemOf(error));
    }
  }, [load, onError]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return [value, reload];
}
