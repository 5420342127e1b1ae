import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, type Api } from '../api';
import { AddManyDialog } from './AddManyDialog';
import { KeysPanel } from './KeysPanel';
import { bookmarklet } from './Settings';

describe('API keys', () => {
  it('shows a new key once, lists keys without it, and revokes', async () => {
    const listed = { id: 'k1', name: 'backup', created_at: '2026-11-01T10:00:00Z', last_used_at: null };
    const api = {
      listKeys: vi
        .fn()
        .mockResolvedValueOnce({ keys: [] })
        .mockResolvedValue({ keys: [listed] }),
      createKey: vi.fn().mockResolvedValue({ ...listed, key: 'folio_secret' }),
      revokeKey: vi.fn().mockResolvedValue(undefined),
    };
    render(<KeysPanel api={api as unknown as Api} />);
    expect(await screen.findByText('You have no API keys.')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Key name'), 'backup');
    await userEvent.click(screen.getByRole('button', { name: 'Create key' }));
    expect(api.createKey).toHaveBeenCalledWith('backup');
    expect(await screen.findByLabelText('New API key')).toHaveValue('folio_secret');
    const row = await screen.findByRole('listitem', { name: 'backup' });
    expect(within(row).queryByText(/folio_secret/)).toBeNull();
    await userEvent.click(within(row).getByRole('button', { name: 'Revoke' }));
    expect(api.revokeKey).toHaveBeenCalledWith('k1');
    await vi.waitFor(() => expect(screen.queryByLabelText('New API key')).toBeNull());
  });

  it('names the field the server refused', async () => {
    const api = {
      listKeys: vi.fn().mockResolvedValue({ keys: [] }),
      createKey: vi.fn().mockRejectedValue(new ApiError(422, 'invalid_input', 'name: too long', 'name')),
    };
    render(<KeysPanel api={api as unknown as Api} />);
    await userEvent.type(screen.getByLabelText('Key name'), 'x');
    await userEvent.click(screen.getByRole('button', { name: 'Create key' }));
    expect(await screen.findByText('name: too long')).toBeInTheDocument();
  });
});

describe('Add many', () => {
  it('sends the pasted links as one batch and shows each rejected one with its reason', async () => {
    const api = {
      requestMany: vi.fn().mockResolvedValue({
        files: [{ id: '1', url: 'https://a.example/', status: 'queued' }],
        rejected: [{ url: 'https://b.example/', error: { code: 'invalid_input', message: 'url: refused' } }],
      }),
    };
    const onQueued = vi.fn();
    render(<AddManyDialog api={api as unknown as Api} onQueued={onQueued} onClose={() => {}} />);
    await userEvent.type(screen.getByLabelText('Web addresses, one per line'), 'https://a.example/\nhttps://b.example/');
    await userEvent.click(screen.getByRole('button', { name: 'Add 2 pages' }));
    expect(api.requestMany).toHaveBeenCalledWith(['https://a.example/', 'https://b.example/']);
    const rejected = await screen.findByRole('list', { name: 'Not added' });
    expect(onQueued).toHaveBeenCalledWith(1);
    expect(rejected).toHaveTextContent('https://b.example/: url: refused');
  });
});

describe('the bookmarklet', () => {
  it('opens this Folio with the current page to convert', () => {
    const code = bookmarklet('https://folio.example.com');
    expect(code.startsWith('javascript:')).toBe(true);
    const opened = vi.fn();
    const run = new Function('window', 'location', code.slice('javascript:'.length));
    run({ open: opened }, { href: 'https://news.example/a?b=c&d' });
    expect(opened).toHaveBeenCalledWith(
      'https://folio.example.com/?convert=https%3A%2F%2Fnews.example%2Fa%3Fb%3Dc%26d',
      '_blank',
      'noopener',
    );
  });
});
