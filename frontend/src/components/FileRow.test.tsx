import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { FileRecord } from '../api';
import { FileRow } from './FileRow';

function file(overrides: Partial<FileRecord>): FileRecord {
  return {
    id: '0190f0e0-0000-7000-8000-000000000001',
    name: 'Example Article',
    source_url: 'https://example.com/article',
    status: 'done',
    error: null,
    size_bytes: 23456,
    pages: 3,
    engine: 'chromium',
    options: {},
    version: 1,
    tags: [],
    changed: null,
    sha256: null,
    final_url: null,
    http_status: null,
    captured_at: null,
    warnings: [],
    retried: false,
    created_at: '2026-11-01T10:00:00Z',
    updated_at: '2026-11-01T10:00:05Z',
    ...overrides,
  };
}

function row(
  record: FileRecord,
  handlers: Partial<Record<'onDownload' | 'onDelete' | 'onRetry' | 'onCopyLink' | 'onShare', () => void>> = {},
  { now = Date.parse(record.updated_at), waiting }: { now?: number; waiting?: string } = {},
) {
  render(
    <ul>
      <FileRow
        file={record}
        now={now}
        waiting={waiting}
        active
        onDownload={handlers.onDownload ?? (() => {})}
        onDelete={handlers.onDelete ?? (() => {})}
        onRetry={handlers.onRetry ?? (() => {})}
        onCopyLink={handlers.onCopyLink ?? (() => {})}
        onShare={handlers.onShare ?? (() => {})}
      />
    </ul>,
  );
  return within(screen.getByRole('listitem', { name: record.name }));
}

describe('FileRow', () => {
  it.each(['queued', 'rendering', 'done', 'failed'] as const)('shows the status %s as a word', (status) => {
    const item = row(file({ status }));
    expect(item.getByText(status)).toBeInTheDocument();
  });

  it('shows how long a render has run, and offers to cancel rather than download', () => {
    const started = file({ status: 'rendering', size_bytes: null, pages: null });
    const pending = row(started, {}, { now: Date.parse(started.updated_at) + 75_000 });
    expect(pending.getByRole('progressbar')).toBeInTheDocument();
    expect(pending.getByText('1:15')).toBeInTheDocument();
    expect(pending.queryByRole('button', { name: /^Download/ })).toBeNull();
    expect(pending.getByRole('button', { name: 'Cancel “Example Article”' })).toBeInTheDocument();
  });

  it('says in words what makes a done file doubtful', () => {
    const item = row(file({ warnings: ['images_missing', 'login_wall'], retried: true }));
    expect(item.getByText('images missing')).toHaveAttribute('title', expect.stringContaining('printed twice'));
    expect(item.getByText('sign-in page')).toBeInTheDocument();
    expect(row(file({ id: 'clean', name: 'Clean' })).queryByText('images missing')).toBeNull();
  });

  it('shows the first screen of a done page once loaded, and the site initial otherwise', async () => {
    URL.createObjectURL = vi.fn(() => 'blob:thumbnail');
    const loadThumbnail = vi.fn((id: string) => Promise.resolve(id === 'with' ? new Blob(['png']) : null));
    const rows = render(
      <ul>
        {(['with', 'without'] as const).map((id) => (
          <FileRow
            key={id}
            file={file({ id, name: id })}
            now={0}
            active={false}
            loadThumbnail={loadThumbnail}
            onDownload={() => {}}
            onDelete={() => {}}
            onRetry={() => {}}
            onCopyLink={() => {}}
            onShare={() => {}}
          />
        ))}
      </ul>,
    );
    await vi.waitFor(() => expect(rows.container.querySelector('[data-id="with"] img')).toHaveAttribute('src', 'blob:thumbnail'));
    expect(rows.container.querySelector('[data-id="without"] img')).toBeNull();
    expect(rows.container.querySelector('[data-id="without"] .file-icon')).toHaveTextContent('E');
    expect(loadThumbnail).toHaveBeenCalledTimes(2);
  });

  it('shows a waiting file its place in line', () => {
    const item = row(file({ status: 'queued' }), {}, { waiting: 'waiting, 2nd in line' });
    expect(item.getByText('waiting, 2nd in line')).toBeInTheDocument();
  });

  it('offers a done file for download and deletion, with its size and pages', async () => {
    const onDownload = vi.fn();
    const onDelete = vi.fn();
    const item = row(file({}), { onDownload, onDelete });
    expect(item.getByText('23 KB · 3 pages')).toBeInTheDocument();
    expect(item.getByRole('link', { name: 'example.com' })).toHaveAttribute('href', 'https://example.com/article');
    // Each action says which file it acts on, for people who hear the list.
    await userEvent.click(item.getByRole('button', { name: 'Download “Example Article”' }));
    await userEvent.click(item.getByRole('button', { name: 'Delete “Example Article”' }));
    expect(onDownload).toHaveBeenCalled();
    expect(onDelete).toHaveBeenCalled();
    expect(item.queryByRole('progressbar')).toBeNull();
  });

  it('explains a failure and offers to retry', async () => {
    const onRetry = vi.fn();
    const failed = file({
      status: 'failed',
      name: 'https://example.com/article',
      error: 'https://example.com/article answered with HTTP status 404',
    });
    render(
      <ul>
        <FileRow
          file={failed}
          now={0}
          active
          onDownload={() => {}}
          onDelete={() => {}}
          onRetry={onRetry}
          onCopyLink={() => {}}
          onShare={() => {}}
        />
      </ul>,
    );
    const item = within(screen.getByRole('listitem', { name: failed.name }));
    // The address once, as the title; the reason without it.
    expect(item.getByText('example.com/article')).toBeInTheDocument();
    expect(item.getByText('The page answered with HTTP status 404')).toBeInTheDocument();
    await userEvent.click(item.getByRole('button', { name: 'Retry “https://example.com/article”' }));
    expect(onRetry).toHaveBeenCalled();
  });
});
