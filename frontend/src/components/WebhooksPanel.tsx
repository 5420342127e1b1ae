import { useCallback, useState, type FormEvent } from 'react';
import { Api, type Delivery, type Webhook } from '../api';
import { problemOf, useRemote, type Problem } from '../hooks/useRemote';
import { formatDate } from '../format';
import { FormError } from './FormError';
import { OneFieldForm, ShownOnce } from './OneFieldForm';

function Deliveries({ api, webhook }: { api: Api; webhook: Webhook }) {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [deliveries] = useRemote<Delivery[]>(
    useCallback(async () => (await api.deliveries(webhook.id)).deliveries, [api, webhook.id]),
    setProblem,
  );
  if (problem) return <FormError>{problem.message}</FormError>;
  if (deliveries === null) return <p className="loading">Loading deliveries…</p>;
  if (deliveries.length === 0) return <p>Nothing delivered yet.</p>;
  return (
    <table className="deliveries">
      <caption className="visually-hidden">Recent deliveries to {webhook.url}</caption>
      <thead>
        <tr>
          <th>When</th>
          <th>Event</th>
          <th>Attempt</th>
          <th>Result</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((d, i) => (
          <tr key={`${d.delivered_at}-${i}`}>
            <td>{formatDate(d.delivered_at)}</td>
            <td>{d.event}</td>
            <td>{d.attempt}</td>
            <td>{d.error ?? `HTTP ${d.status_code}`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Webhooks: where Folio POSTs when a file ends, and how each attempt went. */
export function WebhooksPanel({ api }: { api: Api }) {
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [webhooks, load] = useRemote(
    useCallback(async () => (await api.listWebhooks()).webhooks, [api]),
    setProblem,
  );

  async function create(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    try {
      const created = await api.createWebhook(url.trim());
      setSecret(created.secret);
      setUrl('');
      await load();
    } catch (error) {
      setProblem(problemOf(error));
    }
  }

  async function remove(webhook: Webhook) {
    try {
      await api.deleteWebhook(webhook.id);
      await load();
    } catch (error) {
      setProblem(problemOf(error));
    }
  }

  return (
    <section className="panel" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <p>
        When one of your files is done or fails, Folio POSTs it to each webhook, signed with the webhook’s secret (
        <code>Folio-Signature</code>), and tries again for an hour and a half until it is accepted.
      </p>
      <OneFieldForm
        id="webhook-url"
        label="Webhook URL"
        type="url"
        placeholder="https://example.com/folio-hook"
        value={url}
        onChange={(e) => setUrl(e.target.value)}
        problem={problem?.field === 'url' ? problem.message : undefined}
        submit="Add webhook"
        onSubmit={create}
      />
      {secret && (
        <ShownOnce
          intro="The webhook’s signing secret. Copy it now: it will not be shown again."
          label="Webhook secret"
          value={secret}
        />
      )}
      <FormError>{problem && problem.field !== 'url' ? problem.message : null}</FormError>
      {webhooks && webhooks.length === 0 && <p>You have no webhooks.</p>}
      {webhooks && webhooks.length > 0 && (
        <ul className="webhooks" aria-label="Your webhooks">
          {webhooks.map((webhook) => (
            <li key={webhook.id} aria-label={webhook.url}>
              <code>{webhook.url}</code>
              <span>{webhook.events.join(', ')}</span>
              <button
                type="button"
                aria-expanded={open === webhook.id}
                onClick={() => setOpen(open === webhook.id ? null : webhook.id)}
              >
                Deliveries
              </button>
              <button type="button" className="danger" onClick={() => remove(webhook)}>
                Delete
              </button>
              {open === webhook.id && <Deliveries api={api} webhook={webhook} />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
