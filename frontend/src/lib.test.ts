import { describe, expect, it, vi } from 'vitest';
import { Api, friendlyMessage, waitInWords } from './api';
import { downloadName, formatBytes } from './format';
import { clearSession, loadSession, saveSession } from './session';
import { EventParser } from './sse';

describe('EventParser', () => {
  it('splits a stream into events across chunk boundaries and skips keep-alives', () => {
    const parser = new EventParser();
    expect(parser.push('event: file\ndata: {"id":"a",')).toEqual([]);
    expect(parser.push('"status":"done"}\n\n:\n\nevent: resync\r\ndata: {}\r\n\r\n')).toEqual([
      { event: 'file', data: '{"id":"a","status":"done"}' },
      { event: 'resync', data: '{}' },
    ]);
  });
});

describe('format', () => {
  it('writes sizes for people', () => {
    expect(formatBytes(null)).toBe('—');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(1073741824)).toBe('1.0 GB');
  });

  it('makes safe PDF names', () => {
    expect(downloadName('A/B: "C"')).toBe('A B C.pdf');
    expect(downloadName('   ')).toBe('page.pdf');
    expect(downloadName('report.pdf')).toBe('report.pdf');
    expect(downloadName('Front page.png')).toBe('Front page.png');
  });
});

describe('session', () => {
  const session = {
    token: 't',
    token_type: 'Bearer',
    expires_at: '2030-01-01T00:00:00Z',
    user: { id: 'u', email: 'e', created_at: '' },
  };

  it('survives a reload until the token expires', () => {
    saveSession(session);
    expect(loadSession(new Date('2029-12-31T00:00:00Z'))).toEqual(session);
    expect(loadSession(new Date('2030-01-02T00:00:00Z'))).toBeNull();
    expect(localStorage.length).toBe(0);
  });

  it('is forgotten on sign-out', () => {
    saveSession(session);
    clearSession();
    expect(loadSession(new Date('2029-01-01T00:00:00Z'))).toBeNull();
  });
});

describe('Api.download', () => {
  it('returns the PDF, or the short-lived link the server hands out instead', async () => {
    const pdf = new Response('%PDF-1.7', { headers: { 'content-type': 'application/pdf' } });
    const link = new Response(JSON.stringify({ url: 'https://s3.example/x.pdf?X-Amz-Signature=1', expires_in: 60 }), {
      headers: { 'content-type': 'application/json' },
    });
    const fetch = vi.fn().mockResolvedValueOnce(pdf).mockResolvedValueOnce(link);
    vi.stubGlobal('fetch', fetch);
    const api = new Api('token');
    const first = await api.download('a');
    expect('blob' in first && (await first.blob.text())).toBe('%PDF-1.7');
    expect(await api.download('b')).toEqual({ link: 'https://s3.example/x.pdf?X-Amz-Signature=1' });
    expect(fetch.mock.calls[0][1].headers.accept).toContain('application/json');
    expect(fetch.mock.calls[0][1].headers.authorization).toBe('Bearer token');
    vi.unstubAllGlobals();
  });
});

describe('error words', () => {
  it('speaks per code, in minutes rather than raw seconds, and keeps field reasons', () => {
    expect(friendlyMessage('rate_limited', 'try again in 296 seconds', 296)).toBe(
      'Too many requests for now. Try again in about 5 minutes.',
    );
    expect(friendlyMessage('rate_limited', '', 40)).toBe('Too many requests for now. Try again in 40 seconds.');
    expect(friendlyMessage('invalid_credentials', 'invalid email or password', null)).toMatch(/^That email and password/);
    expect(friendlyMessage('invalid_input', 'url: must be an absolute URL', null)).toBe('Must be an absolute URL');
    expect(friendlyMessage('quota_exceeded', 'your library holds 1024 MiB…', null)).toBeNull();
    expect(waitInWords(0)).toBe('in a moment');
    expect(waitInWords(61)).toBe('in about 2 minutes');
  });
});

describe('reachability', () => {
  it('says when the server gives no answer at all, and when it answers again', async () => {
    const heard: boolean[] = [];
    const api = new Api(
      't',
      () => {},
      (reachable) => heard.push(reachable),
    );
    vi.stubGlobal('fetch', vi.fn().mockRejectedValueOnce(new TypeError('Failed to fetch')));
    await expect(api.me()).rejects.toMatchObject({ code: 'network' });
    vi.stubGlobal(
      'fetch',
      vi.fn().mockResolvedValue(new Response('{"error":{"code":"internal","message":"x"}}', { status: 500 })),
    );
    await expect(api.me()).rejects.toMatchObject({ status: 500 });
    expect(heard).toEqual([false, true]);
    vi.unstubAllGlobals();
  });
});
