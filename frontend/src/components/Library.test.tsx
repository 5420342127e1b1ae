import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, type Api, type FileRecord, type Me, type Session } from '../api';
import { Library } from './Library';

const session: Session = {
  token: 't',
  token_type: 'Bearer',
  expires_at: '2999-01-01T00:00:00Z',
  user: { id: 'u', email: 'ada@example.com', created_at: '' },
};
const me: Me = {
  ...session.user,
  usage: { queued_jobs: 1, max_queued_jobs: 200, stored_bytes: 2048, max_stored_bytes: 1073741824 },
};

function record(id: string, name: string, status: FileRecord['status']): FileRecord {
  return {
    id,
    name,
    source_url: `https://example.com/${id}`,
    status,
    error: null,
    size_bytes: null,
    pages: null,
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
    updated_at: '2026-11-01T10:00:00Z',
  };
}

/** An Api whose event stream the test writes to. */
function fakeApi(files: FileRecord[]) {
  let push: (text: string) => void = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      push = (text) => controller.enqueue(new TextEncoder().encode(text));
    },
  });
  const api = {
    listFiles: vi.fn().mockImplementation(async () => ({ files: files.map((f) => ({ ...f })), next_cursor: null })),
    me: vi.fn().mockResolvedValue(me),
    events: vi.fn().mockResolvedValue(new Response(stream)),
    requestRender: vi.fn(),
    download: vi.fn(),
    thumbnail: vi.fn().mockResolvedValue(null),
    deleteFile: vi.fn().mockResolvedValue(undefined),
    // As the server searches: done files whose name holds the words, with a snippet.
    searchFiles: vi.fn().mockImplementation(async (words: string) => ({
      files: files
        .filter((f) => f.status === 'done' && f.name.toLowerCase().includes(words.toLowerCase()))
        .map((f) => ({ ...f, snippet: `… inside ${f.name}: the ${words} part …` })),
      next_cursor: null,
    })),
  };
  return { api: api as unknown as Api, mock: api, send: (text: string) => push(text) };
}

describe('Library', () => {
  it('says what to do when empty', async () => {
    const { api } = fakeApi([]);
    render(<Library api={api} session={session} onSignOut={() => {}} />);
    expect(await screen.findByRole('heading', { name: 'Your library is empty' })).toBeInTheDocument();
    expect(screen.getByText(/Convert a page/, { selector: 'p' })).toBeInTheDocument();
    expect(await screen.findByText('2.0 KB of 1.0 GB used')).toBeInTheDocument();
  });

  it('filters the list and updates a status live from the event stream', async () => {
    const files = [record('b', 'Second Page', 'rendering'), record('a', 'First Page', 'done')];
    const { api, send } = fakeApi(files);
    render(<Library api={api} session={session} onSignOut={() => {}} />);
    const second = await screen.findByRole('listitem', { name: 'Second Page' });
    expect(within(second).getByText('rendering')).toBeInTheDocument();
    await vi.waitFor(() => expect(document.title).toBe('(1) Folio'));

    files[0].status = 'done';
    send('event: file\ndata: {"id":"b","status":"done"}\n\n');
    expect(await within(second).findByText('done')).toBeInTheDocument();
    // Announced in the live region once its record is read, and the tab stops counting it.
    expect(await screen.findByText('Ready: “Second Page”.')).toBeInTheDocument();
    await vi.waitFor(() => expect(document.title).toBe('Folio'));

    // Seen as a toast with a way to open it, as well as heard.
    const toasts = screen.getByRole('region', { name: 'Finished conversions' });
    expect(within(toasts).getByText('“Second Page”', { exact: false })).toBeInTheDocument();
    expect(within(toasts).getByRole('button', { name: 'Open' })).toHaveAccessibleDescription(/Second Page/);

    await userEvent.type(screen.getByLabelText('Search files'), 'first');
    expect(screen.queryByRole('listitem', { name: 'Second Page' })).toBeNull();
    expect(screen.getByRole('listitem', { name: 'First Page' })).toBeInTheDocument();
    expect(await screen.findByRole('heading', { name: 'Found in 1 file' })).toBeInTheDocument();
  });

  it('searches inside files on the server and marks the words in each snippet, as text', async () => {
    const files = [record('b', 'Second Page', 'done'), record('a', 'First <b>Page</b>', 'done')];
    const { api, mock } = fakeApi(files);
    render(<Library api={api} session={session} onSignOut={() => {}} />);
    await screen.findByRole('listitem', { name: 'Second Page' });
    await userEvent.type(screen.getByLabelText('Search files'), 'seco');
    const found = await screen.findByRole('heading', { name: 'Found in 1 file' });
    expect(found).toBeInTheDocument();
    // Asked once typing paused, not once a key.
    expect(mock.searchFiles).toHaveBeenCalledTimes(1);
    expect(mock.searchFiles).toHaveBeenCalledWith('seco', null, expect.any(AbortSignal));
    const row = screen.getByRole('listitem', { name: 'Second Page' });
    const marks = row.querySelectorAll('.file-snippet mark');
    expect(Array.from(marks, (m) => m.textContent)).toEqual(['Second', 'seco']);
    expect(screen.queryByRole('listitem', { name: 'First <b>Page</b>' })).toBeNull();

    await userEvent.clear(screen.getByLabelText('Search files'));
    await userEvent.type(screen.getByLabelText('Search files'), 'page');
    await screen.findByRole('heading', { name: 'Found in 2 files' });
    const markup = screen.getByRole('listitem', { name: 'First <b>Page</b>' });
    // What the server sends is shown as text, never as markup.
    expect(markup.querySelector('.file-snippet b')).toBeNull();
    expect(markup.querySelector('.file-snippet')).toHaveTextContent('inside First <b>Page</b>');

    await userEvent.clear(screen.getByLabelText('Search files'));
    await userEvent.type(screen.getByLabelText('Search files'), 'nothing');
    expect(await screen.findByText('No file holds “nothing”.')).toBeInTheDocument();
  });

  it('cancels a pending conversion in those words, and opens Convert with `c`', async () => {
    const { api, mock } = fakeApi([record('q', 'Waiting Page', 'queued')]);
    render(<Library api={api} session={session} onSignOut={() => {}} />);
    const row = await screen.findByRole('listitem', { name: 'Waiting Page' });
    await userEvent.click(within(row).getByRole('button', { name: 'Cancel “Waiting Page”' }));
    const dialog = screen.getByRole('dialog', { name: 'Cancel this conversion?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel conversion' }));
    expect(mock.deleteFile).toHaveBeenCalledWith('q');
    expect(await screen.findByText('Cancelled “Waiting Page”.')).toBeInTheDocument();
    await userEvent.keyboard('c');
    expect(await screen.findByRole('dialog', { name: 'Convert a page' })).toBeInTheDocument();
  });

  it('moves focus to the next file after a delete', async () => {
    const files = [record('b', 'Second Page', 'done'), record('a', 'First Page', 'done')];
    const { api, mock } = fakeApi(files);
    mock.deleteFile.mockImplementation(async (id: string) => {
      files.splice(
        files.findIndex((f) => f.id === id),
        1,
      );
    });
    render(<Library api={api} session={session} onSignOut={() => {}} />);
    const row = await screen.findByRole('listitem', { name: 'Second Page' });
    await userEvent.click(within(row).getByRole('button', { name: /^Delete/ }));
    await userEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete' }));
    const next = await screen.findByRole('listitem', { name: 'First Page' });
    await vi.waitFor(() => expect(next.contains(document.activeElement)).toBe(true));
  });

  it('retries a failed file with the same page, in its place', async () => {
    const files = [record('f', 'Failed Page', 'failed')];
    const { api, mock } = fakeApi(files);
    mock.requestRender.mockImplementation(async () => {
      files.splice(0, 1, record('n', 'Failed Page again', 'queued'));
      return { id: 'n', status: 'queued' };
    });
    render(<Library api={api} session={session} onSignOut={() => {}} />);
    const row = await screen.findByRole('listitem', { name: 'Failed Page' });
    await userEvent.click(within(row).getByRole('button', { name: /^Retry/ }));
    expect(mock.requestRender).toHaveBeenCalledWith(expect.objectContaining({ url: 'https://example.com/f' }));
    await vi.waitFor(() => expect(mock.deleteFile).toHaveBeenCalledWith('f'));
    await vi.waitFor(() => expect(screen.queryByRole('listitem', { name: 'Failed Page' })).toBeNull());
    expect(screen.getByRole('listitem', { name: 'Failed Page again' })).toBeInTheDocument();
  });

  it('deletes only after confirmation', async () => {
    const { api, mock } = fakeApi([record('a', 'First Page', 'done')]);
    render(<Library api={api} session={session} onSignOut={() => {}} />);
    const row = await screen.findByRole('listitem', { name: 'First Page' });
    await userEvent.click(within(row).getByRole('button', { name: /^Delete/ }));
    const dialog = screen.getByRole('dialog', { name: 'Delete this PDF?' });
    expect(dialog).toHaveTextContent('cannot be undone');
    expect(mock.deleteFile).not.toHaveBeenCalled();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect(mock.deleteFile).toHaveBeenCalledWith('a');
  });

  it('moves through the list with the arrow keys and filters by status', async () => {
    const files = [record('c', 'Third Page', 'failed'), record('b', 'Second Page', 'done'), record('a', 'First Page', 'done')];
    const { api } = fakeApi(files);
    render(<Library api={api} session={session} onSignOut={() => {}} />);
    const third = await screen.findByRole('listitem', { name: 'Third Page' });
    // One Tab stop for the list: the first row's controls; the others wait for the arrows.
    expect(within(third).getByRole('button', { name: /^Retry/ })).toHaveAttribute('tabindex', '0');
    const second = screen.getByRole('listitem', { name: 'Second Page' });
    expect(within(second).getByRole('button', { name: 'Second Page' })).toHaveAttribute('tabindex', '-1');
    within(third)
      .getByRole('button', { name: /^Retry/ })
      .focus();
    await userEvent.keyboard('{ArrowDown}');
    expect(document.activeElement).toBe(within(second).getByRole('button', { name: 'Second Page' }));
    await userEvent.keyboard('{End}');
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'First Page' }));
    await userEvent.keyboard('{ArrowUp}');
    expect(document.activeElement).toBe(within(second).getByRole('button', { name: 'Second Page' }));

    await userEvent.selectOptions(screen.getByLabelText('Show'), 'Failed');
    expect(screen.queryByRole('listitem', { name: 'Second Page' })).toBeNull();
    expect(screen.getByRole('listitem', { name: 'Third Page' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: /Your files/ })).toHaveTextContent('1 of 3');
  });

  it('drops a “cannot reach Folio” message once the server answers again', async () => {
    const { api, mock } = fakeApi([record('a', 'First Page', 'done')]);
    mock.listFiles.mockRejectedValueOnce(new ApiError(0, 'network', 'Cannot reach Folio. Check your connection and try again.'));
    const { rerender } = render(<Library api={api} session={session} onSignOut={() => {}} reachable={false} />);
    expect(await screen.findByText(/Cannot reach Folio/)).toBeInTheDocument();
    rerender(<Library api={api} session={session} onSignOut={() => {}} reachable />);
    await vi.waitFor(() => expect(screen.queryByText(/Cannot reach Folio/)).toBeNull());
  });
});
