import { useState, type FormEvent } from 'react';
import { Api } from '../api';
import { problemOf, type Problem } from '../hooks/useRemote';
import { FormError } from './FormError';
import { TextField } from './TextField';

interface AccountPanelProps {
  api: Api;
  email: string;
  /** The account is gone: back to the start, signed out. */
  onDeleted: () => void;
}

/** The password, and leaving: the account with everything in it. */
export function AccountPanel({ api, email, onDeleted }: AccountPanelProps) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [deleteProblem, setDeleteProblem] = useState<string | null>(null);

  async function changePassword(event: FormEvent) {
    event.preventDefault();
    setNotice(null);
    if (next.length < 8) {
      setProblem({ field: 'new_password', message: 'Choose a new password of at least 8 characters.' });
      return;
    }
    setProblem(null);
    try {
      await api.changePassword(current, next);
      setCurrent('');
      setNext('');
      setNotice('Password changed. Your other sessions are signed out; your API keys keep working.');
    } catch (error) {
      const found = problemOf(error);
      setProblem(found.field ? found : { field: 'current_password', message: found.message });
    }
  }

  async function deleteAccount(event: FormEvent) {
    event.preventDefault();
    if (confirmation.trim() !== email) {
      setDeleteProblem(`Type ${email} to confirm.`);
      return;
    }
    try {
      await api.deleteAccount();
      onDeleted();
    } catch (error) {
      setDeleteProblem(problemOf(error).message);
    }
  }

  return (
    <section className="panel" aria-labelledby="account-title">
      <h2 id="account-title">Account</h2>
      <form className="account-form" onSubmit={changePassword} noValidate>
        <TextField
          id="current-password"
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          problem={problem?.field === 'current_password' ? problem.message : undefined}
        />
        <TextField
          id="new-password"
          label="New password"
          type="password"
          autoComplete="new-password"
          minLength={8}
          value={next}
          onChange={(e) => setNext(e.target.value)}
          problem={problem?.field === 'new_password' ? problem.message : undefined}
        />
        <p className="hint">At least 8 characters. Changing it signs out your other sessions.</p>
        <button type="submit" className="primary">
          Change password
        </button>
      </form>
      <p role="status" className="notice-inline">
        {notice}
      </p>
      <form className="account-form danger-zone" onSubmit={deleteAccount} noValidate>
        <h3>Delete account</h3>
        <p>
          Deletes your account, every PDF in your library, your API keys, share links and webhooks, for good. Export your library
          first if you want to keep it.
        </p>
        <TextField
          id="delete-confirmation"
          label={`Type ${email} to confirm`}
          value={confirmation}
          autoComplete="off"
          onChange={(e) => setConfirmation(e.target.value)}
          problem={deleteProblem ?? undefined}
        />
        <button type="submit" className="danger">
          Delete account
        </button>
      </form>
      <FormError>
        {problem && !['current_password', 'new_password'].includes(problem.field ?? '') ? problem.message : null}
      </FormError>
    </section>
  );
}
