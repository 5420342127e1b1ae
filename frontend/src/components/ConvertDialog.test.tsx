import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api';
import { ConvertDialog } from './ConvertDialog';

describe('ConvertDialog', () => {
  it('is a labelled dialog that sends the URL with the chosen options', async () => {
    const onSubmit = vi.fn().mockResolvedValue(undefined);
    const onClose = vi.fn();
    render(<ConvertDialog onSubmit={onSubmit} onClose={onClose} />);

    const dialog = screen.getByRole('dialog', { name: 'Convert a page' });
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    expect(screen.getByLabelText('Page URL')).toHaveFocus();

    await userEvent.type(screen.getByLabelText('Page URL'), 'https://example.com/a');
    await userEvent.selectOptions(screen.getByLabelText('Paper size'), 'Letter');
    await userEvent.click(screen.getByLabelText('Landscape'));
    await userEvent.selectOptions(screen.getByLabelText('Wait for'), 'network_idle');
    await userEvent.selectOptions(screen.getByLabelText('Engine'), 'reader');
    await userEvent.selectOptions(screen.getByLabelText('Capture again'), 'Every day');
    await userEvent.click(screen.getByRole('button', { name: 'Convert' }));

    expect(onSubmit).toHaveBeenCalledWith(
      {
        url: 'https://example.com/a',
        engine: 'reader',
        options: { format: 'Letter', landscape: true, margin: '0.4in', print_background: false, wait_until: 'network_idle' },
      },
      86400,
    );
    expect(onClose).toHaveBeenCalled();
  });

  it('asks for a full-page PNG, which only the Chromium engine takes', async () => {
    const onSubmit = vi.fn().mockResolvedValue(undefined);
    render(<ConvertDialog onSubmit={onSubmit} onClose={() => {}} />);
    await userEvent.type(screen.getByLabelText('Page URL'), 'https://example.com/a');
    await userEvent.selectOptions(screen.getByLabelText('Engine'), 'reader');
    await userEvent.selectOptions(screen.getByLabelText('Save as'), 'png');
    expect(screen.getByLabelText('Engine')).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Convert' }));
    expect(onSubmit).toHaveBeenCalledWith(
      expect.objectContaining({ engine: 'chromium', options: expect.objectContaining({ output: 'png' }) }),
      null,
    );
  });

  it('uploads an HTML file, with the typed address as its base and never on a schedule', async () => {
    const onSubmit = vi.fn().mockResolvedValue(undefined);
    render(<ConvertDialog onSubmit={onSubmit} onClose={() => {}} />);
    const file = new File(['<title>Saved</title><p>Saved words</p>'], 'saved.html', { type: 'text/html' });
    await userEvent.upload(screen.getByLabelText('Upload an HTML file'), file);
    expect(screen.getByLabelText('Capture again')).toBeDisabled();
    await userEvent.type(screen.getByLabelText('Base URL for its links (optional)'), 'example.com/docs/');
    await userEvent.click(screen.getByLabelText('Remove cookie banners and pop-ups'));
    await userEvent.click(screen.getByRole('button', { name: 'Convert' }));
    expect(onSubmit).toHaveBeenCalledWith(
      expect.objectContaining({
        html: '<title>Saved</title><p>Saved words</p>',
        name: 'saved.html',
        base_url: 'https://example.com/docs/',
        options: expect.objectContaining({ clean: false }),
      }),
      null,
    );
    expect(onSubmit.mock.calls[0][0]).not.toHaveProperty('url');
  });

  it('reads an address typed without a scheme as https, and starts from the bookmarklet’s page', async () => {
    const onSubmit = vi.fn().mockResolvedValue(undefined);
    render(<ConvertDialog initialUrl="example.com/from-bookmarklet" onSubmit={onSubmit} onClose={() => {}} />);
    expect(screen.getByLabelText('Page URL')).toHaveValue('example.com/from-bookmarklet');
    await userEvent.click(screen.getByRole('button', { name: 'Convert' }));
    expect(onSubmit).toHaveBeenCalledWith(expect.objectContaining({ url: 'https://example.com/from-bookmarklet' }), null);
  });

  it('keeps focus inside after a server error, and Escape still closes it', async () => {
    const onSubmit = vi.fn().mockRejectedValue(new ApiError(503, 'unavailable', 'Folio is briefly unavailable.'));
    const onClose = vi.fn();
    render(<ConvertDialog onSubmit={onSubmit} onClose={onClose} />);
    await userEvent.type(screen.getByLabelText('Page URL'), 'https://example.com/');
    await userEvent.click(screen.getByRole('button', { name: 'Convert' }));
    expect(await screen.findByText('Folio is briefly unavailable.')).toBeInTheDocument();
    expect(screen.getByRole('dialog').contains(document.activeElement)).toBe(true);
    await userEvent.keyboard('{Escape}');
    expect(onClose).toHaveBeenCalled();
  });

  it('keeps the dialog open with the reason when the server refuses the page', async () => {
    const onSubmit = vi.fn().mockRejectedValue(new ApiError(422, 'invalid', 'url: private addresses are not allowed', 'url'));
    const onClose = vi.fn();
    render(<ConvertDialog onSubmit={onSubmit} onClose={onClose} />);
    await userEvent.type(screen.getByLabelText('Page URL'), 'http://10.0.0.1/');
    await userEvent.click(screen.getByRole('button', { name: 'Convert' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('private addresses are not allowed');
    expect(screen.getByLabelText('Page URL')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Page URL')).toHaveFocus();
    expect(onClose).not.toHaveBeenCalled();
  });

  it('asks for a URL before sending anything, and closes on Escape', async () => {
    const onSubmit = vi.fn();
    const onClose = vi.fn();
    render(<ConvertDialog onSubmit={onSubmit} onClose={onClose} />);
    await userEvent.click(screen.getByRole('button', { name: 'Convert' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Paste the address');
    expect(onSubmit).not.toHaveBeenCalled();
    await userEvent.keyboard('{Escape}');
    expect(onClose).toHaveBeenCalled();
  });
});
