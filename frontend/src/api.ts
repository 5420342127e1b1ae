// The backend's REST API (`/api/v1`, same origin), typed. Every failure becomes an ApiError whose
// message is written for people; `field` names the form field a 422 is about.

import type { components } from './api-schema';

// Generated from the OpenAPI document the server publishes (`npm run types`), never copied by hand.
type Schemas = components['schemas'];
export type { Schemas };
export type Engine = Schemas['Engine'];
export type FileRecord = Schemas['FileRecord'];
export type Session = Schemas['SessionView'];
export type Me = Schemas['MeView'];
export type RenderOptions = Schemas['RenderOptions'];
export type RenderRequest = Schemas['RenderRequest'];
export type ApiKey = Schemas['KeyView'];
export type CreatedKey = Schemas['CreatedKey'];
export type Share = Schemas['ShareView'];
export type Webhook = Schemas['WebhookView'];
export type Delivery = Schemas['Delivery'];
export type BatchAccepted = Schemas['BatchAccepted'];
export type Schedule = Schemas['ScheduleView'];

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

const FALLBACK_MESSAGES: Record<number, string> = {
  401: 'Your session has ended. Please sign in again.',
  404: 'That file is no longer in your library.',
  429: 'Too many requests right now. Please wait a moment and try again.',
  503: 'Folio is briefly unavailable. Please try again in a moment.',
};

/** "in 40 seconds", "in about 5 minutes": how long `Retry-After` says to wait, in words. */
export function waitInWords(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 1) return 'in a moment';
  if (seconds < 60) return `in ${Math.ceil(seconds)} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? 'in about a minute' : `in about ${minutes} minutes`;
}

/**
 * What to tell people for each error code the API documents (by `code`, never by parsing the
 * server's `message`); `null` keeps the server's own sentence (quotas and field reasons are
 * already written for people).
 */
export function friendlyMessage(code: string, serverMessage: string, retryAfter: number | null): string | null {
  switch (code) {
    case 'invalid_credentials':
      return 'That email and password do not match an account. Check them and try again.';
    case 'email_taken':
      return 'An account with this email already exists. Sign in instead.';
    case 'signup_closed':
      return 'This Folio is not taking new accounts right now.';
    case 'wrong_password':
      return 'That is not your current password.';
    case 'session_required':
      return 'Sign in with your password to do this.';
    case 'unauthorized':
      return 'Your session has ended. Please sign in again.';
    case 'not_found':
      return 'That is no longer in your library.';
    case 'not_ready':
      return 'This file is not ready yet. Try again once it is done.';
    case 'rate_limited':
      return `Too many requests for now. Try again ${waitInWords(retryAfter ?? 0)}.`;
    case 'too_many_streams':
      return 'Folio is open in too many tabs. Close one, then reload this page.';
    case 'payload_too_large':
      return 'That is more than Folio accepts at once.';
    case 'unavailable':
      return 'Folio is briefly unavailable. Please try again in a moment.';
    case 'internal':
      return 'Something went wrong on Folio’s side. Please try again.';
    case 'bad_request':
    case 'method_not_allowed':
    case 'unsupported_media_type':
      return 'Folio did not understand that request. Reload the page and try again.';
    case 'invalid_input': {
      // "url: must be …" beside the URL field reads better as "Must be …".
      const reason = serverMessage.replace(/^[a-z_.[\]0-9]+: /, '');
      return reason.charAt(0).toUpperCase() + reason.slice(1);
    }
    default:
      return null;
  }
}

async function failure(response: Response): Promise<ApiError> {
  try {
    const body = await response.json();
    const error = body?.error;
    if (error && typeof error.message === 'string') {
      const code = error.code ?? 'error';
      const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
      const message = friendlyMessage(code, error.message, Number.isNaN(retryAfter) ? null : retryAfter) ?? error.message;
      return new ApiError(response.status, code, message, error.field ?? undefined);
    }
  } catch {
    // Not JSON: fall through to a message of our own.
  }
  const message = FALLBACK_MESSAGES[response.status] ?? `Something went wrong (HTTP ${response.status}). Please try again.`;
  return new ApiError(response.status, 'error', message);
}

export class Api {
  private readonly token: string | null;
  private readonly onUnauthorized: () => void;

  private readonly onReachable: (reachable: boolean) => void;

  /** `onReachable` hears whether the server answered the last request at all. */
  constructor(
    token: string | null = null,
    onUnauthorized: () => void = () => {},
    onReachable: (reachable: boolean) => void = () => {},
  ) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
    this.onReachable = onReachable;
  }

  private headers(json: boolean): HeadersInit {
    const headers: Record<string, string> = {};
    if (json) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return headers;
  }

  async fetch(path: string, init: RequestInit = {}, json = false): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`/api/v1${path}`, { ...init, headers: { ...this.headers(json), ...init.headers } });
    } catch (error) {
      // A request cancelled on purpose says nothing about the server.
      if (!(init.signal?.aborted ?? false)) this.onReachable(false);
      throw error instanceof DOMException && error.name === 'AbortError'
        ? error
        : new ApiError(0, 'network', 'Cannot reach Folio. Check your connection and try again.');
    }
    this.onReachable(true);
    if (response.status === 401 && this.token) this.onUnauthorized();
    if (!response.ok) throw await failure(response);
    return response;
  }

  private async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.fetch(path, init, init.body !== undefined);
    return (await response.json()) as T;
  }

  signUp(email: string, password: string): Promise<Schemas['UserView']> {
    return this.json('/auth/sign-up', { method: 'POST', body: JSON.stringify({ email, password }) });
  }

  signIn(email: string, password: string): Promise<Session> {
    return this.json('/auth/sign-in', { method: 'POST', body: JSON.stringify({ email, password }) });
  }

  async signOut(): Promise<void> {
    await this.fetch('/auth/sign-out', { method: 'POST' });
  }

  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    await this.fetch(
      '/auth/password',
      { method: 'POST', body: JSON.stringify({ current_password: currentPassword, new_password: newPassword }) },
      true,
    );
  }

  async deleteAccount(): Promise<void> {
    await this.fetch('/auth/me', { method: 'DELETE' });
  }

  me(): Promise<Me> {
    return this.json('/auth/me');
  }

  listFiles(cursor?: string): Promise<Schemas['FileList']> {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    return this.json(`/files${query}`);
  }

  /** Done files whose text, name or address holds these words, best first, with snippets. */
  searchFiles(words: string, tag: string | null, signal?: AbortSignal): Promise<Schemas['FileList']> {
    const query = new URLSearchParams({ q: words, limit: '50' });
    if (tag) query.set('tag', tag);
    return this.json(`/files?${query}`, { signal });
  }

  requestRender(request: RenderRequest): Promise<Schemas['Accepted']> {
    return this.json('/request', { method: 'POST', body: JSON.stringify(request) });
  }

  /**
   * The PDF itself, or, where the server hands out short-lived S3 links, that link (to open by
   * navigation: the page's CSP keeps `fetch` on this origin).
   */
  async download(id: string): Promise<{ blob: Blob } | { link: string }> {
    const response = await this.fetch(`/file/${encodeURIComponent(id)}`, {
      headers: { accept: 'application/pdf, application/json;q=0.9' },
    });
    if ((response.headers.get('content-type') ?? '').startsWith('application/json')) {
      const { url } = (await response.json()) as Schemas['DownloadLink'];
      return { link: url };
    }
    return { blob: await response.blob() };
  }

  /** A short-lived same-origin link that shows the PDF inline, for a browser tab (which
   *  cannot send the session's token). */
  viewLink(id: string): Promise<Schemas['ViewLink']> {
    return this.json(`/file/${encodeURIComponent(id)}/view`, { method: 'POST' });
  }

  /** The PNG of a done file's first screen, or `null` when it has none (the reader engine). */
  async thumbnail(id: string): Promise<Blob | null> {
    try {
      const response = await this.fetch(`/file/${encodeURIComponent(id)}/thumbnail`, { headers: { accept: 'image/png' } });
      return await response.blob();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  /** The page again, as its next version, with the options and engine it was asked with. */
  recapture(id: string): Promise<Schemas['Accepted']> {
    return this.json(`/file/${encodeURIComponent(id)}/recapture`, { method: 'POST' });
  }

  /** Renames or retags a file; the record as it is now. */
  relabel(id: string, change: Schemas['LabelsChange']): Promise<FileRecord> {
    return this.json(`/file/${encodeURIComponent(id)}`, { method: 'PATCH', body: JSON.stringify(change) });
  }

  async deleteFile(id: string): Promise<void> {
    await this.fetch(`/file/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  /** Many pages at once: each is queued or comes back rejected with its reason. */
  requestMany(urls: string[], options?: RenderOptions): Promise<BatchAccepted> {
    return this.json('/requests', { method: 'POST', body: JSON.stringify({ urls, options }) });
  }

  /** The whole library as a ZIP (PDFs and `manifest.json`). */
  async exportLibrary(): Promise<Blob> {
    const response = await this.fetch('/export', { headers: { accept: 'application/zip' } });
    return response.blob();
  }

  listKeys(): Promise<Schemas['KeyList']> {
    return this.json('/keys');
  }

  createKey(name: string): Promise<CreatedKey> {
    return this.json('/keys', { method: 'POST', body: JSON.stringify({ name }) });
  }

  async revokeKey(id: string): Promise<void> {
    await this.fetch(`/keys/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  listShares(fileId: string): Promise<Schemas['ShareList']> {
    return this.json(`/file/${encodeURIComponent(fileId)}/shares`);
  }

  createShare(fileId: string, expiresIn: number): Promise<Share> {
    return this.json(`/file/${encodeURIComponent(fileId)}/share`, {
      method: 'POST',
      body: JSON.stringify({ expires_in: expiresIn }),
    });
  }

  async revokeShare(id: string): Promise<void> {
    await this.fetch(`/shares/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  listWebhooks(): Promise<Schemas['WebhookList']> {
    return this.json('/webhooks');
  }

  createWebhook(url: string): Promise<Schemas['CreatedWebhook']> {
    return this.json('/webhooks', { method: 'POST', body: JSON.stringify({ url }) });
  }

  async deleteWebhook(id: string): Promise<void> {
    await this.fetch(`/webhooks/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  deliveries(id: string): Promise<Schemas['DeliveryList']> {
    return this.json(`/webhooks/${encodeURIComponent(id)}/deliveries`);
  }

  listSchedules(): Promise<Schemas['ScheduleList']> {
    return this.json('/schedules');
  }

  /** `request`'s page captured again every `everySeconds`, the first time an interval from now. */
  createSchedule(request: RenderRequest, everySeconds: number): Promise<Schedule> {
    return this.json('/schedules', { method: 'POST', body: JSON.stringify({ ...request, every_seconds: everySeconds }) });
  }

  async deleteSchedule(id: string): Promise<void> {
    await this.fetch(`/schedules/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  /** The live event stream; `signal` ends it. */
  events(signal: AbortSignal): Promise<Response> {
    return this.fetch('/events', { signal, headers: { accept: 'text/event-stream' } });
  }
}
