import { useCallback, useState, type FormEvent } from 'react';
import { Api, type ApiKey, type CreatedKey } from '../api';
import { problemOf, useRemote, type Problem } from '../hooks/useRemote';
import { formatDate } from '../format';
import { FormError } from './FormError';
import { OneFieldForm, ShownOnce } from './OneFieldForm';

/** API keys: made here, shown once, listed by name, revoked at once. */
export function KeysPanel({ api }: { api: Api }) {
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const fail = (error: unknown) => setProblem(problemOf(error));
  const [keys, load] = useRemote(
    useCallback(async () => (await api.listKeys()).keys, [api]),
    setProblem,
  );

  async function create(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) {
      setProblem({ field: 'name', message: 'Name the key after what will use it, e.g. “backup script”.' });
      return;
    }
    setProblem(null);
    try {
      setCreated(await api.createKey(name.trim()));
      setName('');
      setNotice(null);
      await load();
    } catch (error) {
      fail(error);
    }
  }

  async function revoke(key: ApiKey) {
    try {
      await api.revokeKey(key.id);
      if (created?.id === key.id) setCreated(null);
      setNotice(`“${key.name}” is revoked: scripts using it are refused from now on.`);
      await load();
    } catch (error) {
      fail(error);
    }
  }

  return (
    <section className="panel" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <p>
        A key lets a script use your library: send it as <code>Authorization: Bearer folio_…</code>. Keys cannot manage keys,
        change your password or delete your account. Changing your password does not revoke them.
      </p>
      <OneFieldForm
        id="key-name"
        label="Key name"
        value={name}
        maxLength={100}
        onChange={(e) => setName(e.target.value)}
        problem={problem?.field === 'name' ? problem.message : undefined}
        submit="Create key"
        onSubmit={create}
      />
      {created && (
        <ShownOnce
          intro={`Your new key “${created.name}”. Copy it now: it will not be shown again.`}
          label="New API key"
          value={created.key}
        />
      )}
      <p role="status" className="notice-inline">
        {notice}
      </p>
      <FormError>{problem && problem.field !== 'name' ? problem.message : null}</FormError>
      {keys && keys.length > 0 && (
        <ul className="keys" aria-label="Your API keys">
          {keys.map((key) => (
            <li key={key.id} aria-label={key.name}>
              <strong>{key.name}</strong>
              <span>created {formatDate(key.created_at)}</span>
              <span>{key.last_used_at ? `last used ${formatDate(key.last_used_at)}` : 'never used'}</span>
              <button type="button" className="danger" onClick={() => revoke(key)}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      {keys && keys.length === 0 && <p>You have no API keys.</p>}
    </section>
  );
}
