import { useState, type FormEvent } from 'react';
import { Api, ApiError, type Session } from '../api';
import { FormError } from './FormError';
import { TextField } from './TextField';

type Mode = 'sign-in' | 'sign-up';

interface AuthScreenProps {
  api: Api;
  onSignedIn: (session: Session) => void;
  /** Why the last session ended, when it ended on its own. */
  reason?: string | null;
}

interface Problems {
  email?: string;
  password?: string;
  form?: string;
}

/** Sign in, or switch to creating an account; the API's reasons appear beside their fields. */
export function AuthScreen({ api, onSignedIn, reason = null }: AuthScreenProps) {
  const [mode, setMode] = useState<Mode>('sign-in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [problems, setProblems] = useState<Problems>({});
  const [notice, setNotice] = useState<string | null>(reason);
  const [showPassword, setShowPassword] = useState(false);
  const [busy, setBusy] = useState(false);
  const signingUp = mode === 'sign-up';

  function switchTo(next: Mode) {
    setMode(next);
    setProblems({});
    setNotice(null);
  }

  /** The field at fault takes focus; a problem with the whole form leaves it on the button. */
  function focusField(found: Problems) {
    const id = found.email ? 'auth-email' : found.password ? 'auth-password' : null;
    if (id) document.getElementById(id)?.focus();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const local: Problems = {};
    if (!email.trim()) local.email = 'Enter your email address.';
    if (!password) local.password = 'Enter a password.';
    else if (signingUp && password.length < 8) local.password = 'Use at least 8 characters.';
    setProblems(local);
    if (Object.keys(local).length > 0) return focusField(local);
    setBusy(true);
    try {
      // A new account is signed in at once: nobody signs up to be asked for the password again.
      if (signingUp) await api.signUp(email.trim(), password);
      onSignedIn(await api.signIn(email.trim(), password));
    } catch (error) {
      let next: Problems;
      if (error instanceof ApiError && (error.field === 'email' || error.field === 'password')) {
        next = { [error.field]: error.message };
      } else if (error instanceof ApiError && error.code === 'email_taken') {
        next = { email: error.message };
      } else {
        next = { form: error instanceof Error ? error.message : String(error) };
      }
      setProblems(next);
      focusField(next);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="auth">
      <div className="auth-card">
        <h1 className="brand">Folio</h1>
        <p className="tagline">Web pages to PDFs, in your own private library.</p>
        <h2>{signingUp ? 'Create your account' : 'Sign in'}</h2>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <form onSubmit={submit} noValidate>
          <TextField
            id="auth-email"
            label="Email"
            type="email"
            autoComplete="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            problem={problems.email}
          />
          <TextField
            id="auth-password"
            label="Password"
            type={showPassword ? 'text' : 'password'}
            autoComplete={signingUp ? 'new-password' : 'current-password'}
            aria-describedby={signingUp ? 'auth-password-rule' : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            problem={problems.password}
          />
          <div className="password-extras">
            {signingUp && (
              <span id="auth-password-rule" className="hint">
                At least 8 characters.
              </span>
            )}
            <button type="button" className="link" aria-pressed={showPassword} onClick={() => setShowPassword(!showPassword)}>
              {showPassword ? 'Hide' : 'Show'}
            </button>
          </div>
          <FormError>{problems.form}</FormError>
          <button type="submit" className="primary" aria-disabled={busy}>
            {signingUp ? 'Sign up' : 'Sign in'}
          </button>
        </form>
        <p className="switch">
          {signingUp ? 'Already have an account? ' : 'New to Folio? '}
          <button type="button" className="link" onClick={() => switchTo(signingUp ? 'sign-in' : 'sign-up')}>
            {signingUp ? 'Sign in' : 'Sign up'}
          </button>
        </p>
      </div>
    </main>
  );
}
