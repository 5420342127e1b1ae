import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Api } from '../api';
import { AuthScreen } from './AuthScreen';

function respond(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

afterEach(() => vi.unstubAllGlobals());

const session = {
  token: 't',
  token_type: 'Bearer',
  expires_at: '2999-01-01T00:00:00Z',
  user: { id: 'u1', email: 'a@example.com', created_at: '' },
};

describe('AuthScreen', () => {
  it('switches to sign-up and shows the API reason beside the field it names', async () => {
    const fetch = vi
      .fn()
      .mockResolvedValue(respond(422, { error: { code: 'invalid', message: 'is not a valid email address', field: 'email' } }));
    vi.stubGlobal('fetch', fetch);
    render(<AuthScreen api={new Api()} onSignedIn={() => {}} />);

    await userEvent.click(screen.getByRole('button', { name: 'Sign up' }));
    await userEvent.type(screen.getByLabelText('Email'), 'not-an-email');
    await userEvent.type(screen.getByLabelText('Password'), 'long enough password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign up' }));

    expect(fetch).toHaveBeenCalledWith('/api/v1/auth/sign-up', expect.objectContaining({ method: 'POST' }));
    const email = screen.getByLabelText('Email');
    expect(email).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText('is not a valid email address').id).toBe(email.getAttribute('aria-describedby'));
  });

  it('signs a new account in at once, with the password rule shown up front', async () => {
    const fetch = vi.fn().mockResolvedValueOnce(respond(201, session.user)).mockResolvedValueOnce(respond(200, session));
    vi.stubGlobal('fetch', fetch);
    const onSignedIn = vi.fn();
    render(<AuthScreen api={new Api()} onSignedIn={onSignedIn} />);
    await userEvent.click(screen.getByRole('button', { name: 'Sign up' }));
    expect(screen.getByText('At least 8 characters.')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Email'), 'a@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse');
    await userEvent.click(screen.getByRole('button', { name: 'Show' }));
    expect(screen.getByLabelText('Password')).toHaveAttribute('type', 'text');
    await userEvent.click(screen.getByRole('button', { name: 'Sign up' }));
    expect(fetch).toHaveBeenNthCalledWith(2, '/api/v1/auth/sign-in', expect.objectContaining({ method: 'POST' }));
    expect(onSignedIn).toHaveBeenCalledWith(session);
  });

  it('checks empty fields before asking the server, and signs in with the session it returns', async () => {
    const fetch = vi.fn().mockResolvedValue(respond(200, session));
    vi.stubGlobal('fetch', fetch);
    const onSignedIn = vi.fn();
    render(<AuthScreen api={new Api()} onSignedIn={onSignedIn} />);

    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByText('Enter your email address.')).toBeInTheDocument();
    expect(fetch).not.toHaveBeenCalled();

    await userEvent.type(screen.getByLabelText('Email'), 'a@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(onSignedIn).toHaveBeenCalledWith(session);
  });

  it('says in words why a sign-in failed', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn().mockResolvedValue(respond(401, { error: { code: 'invalid_credentials', message: 'wrong email or password' } })),
    );
    render(<AuthScreen api={new Api()} onSignedIn={() => {}} />);
    await userEvent.type(screen.getByLabelText('Email'), 'a@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'nope nope');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('That email and password do not match an account.');
  });
});
