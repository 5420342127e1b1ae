// The signed-in session, kept across reloads until the token expires; sign-out forgets it.
import type { Session } from './api';

const KEY = 'folio.session';

export function loadSession(now: Date = new Date()): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    if (!session.token || new Date(session.expires_at) <= now) {
      localStorage.removeItem(KEY);
      return null;
    }
    return session;
  } catch {
    localStorage.removeItem(KEY);
    return null;
  }
}

export function saveSession(session: Session): void {
  localStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  localStorage.removeItem(KEY);
}

const DRAFT_KEY = 'folio.draft';

/** The address being typed in Convert, kept for this tab until it is sent or dismissed, so a
 *  session that ends mid-sentence gives it back after signing in again. */
export function saveDraft(url: string): void {
  try {
    if (url) sessionStorage.setItem(DRAFT_KEY, url);
    else sessionStorage.removeItem(DRAFT_KEY);
  } catch {
    // Storage refused (private mode, quota): the draft is simply not kept.
  }
}

export function loadDraft(): string | null {
  try {
    return sessionStorage.getItem(DRAFT_KEY);
  } catch {
    return null;
  }
}

export function clearDraft(): void {
  saveDraft('');
}

/** Whether `key` in a `storage` event is the session's: signed in or out in another tab. */
export function isSessionKey(key: string | null): boolean {
  return key === KEY || key === null;
}
