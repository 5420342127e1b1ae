import { useCallback, useState } from 'react';
import { Api, type Schedule } from '../api';
import { everyInWords, formatDate } from '../format';
import { problemOf, useRemote, type Problem } from '../hooks/useRemote';
import { FormError } from './FormError';

/** The pages captured again on a schedule, and a way to stop each. */
export function SchedulesPanel({ api }: { api: Api }) {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [schedules, load] = useRemote(
    useCallback(async () => (await api.listSchedules()).schedules, [api]),
    setProblem,
  );

  async function remove(schedule: Schedule) {
    try {
      await api.deleteSchedule(schedule.id);
      setNotice(`${schedule.url} is no longer captured ${everyInWords(schedule.every_seconds)}; its files stay.`);
      await load();
    } catch (error) {
      setProblem(problemOf(error));
    }
  }

  return (
    <section className="panel" aria-labelledby="schedules-title">
      <h2 id="schedules-title">Schedules</h2>
      <p>Pages captured again on their own, each time as a new version. Add one from “Convert a page”.</p>
      <p role="status" className="notice-inline">
        {notice}
      </p>
      <FormError>{problem?.message ?? null}</FormError>
      {schedules && schedules.length > 0 && (
        <ul className="keys" aria-label="Your schedules">
          {schedules.map((schedule) => (
            <li key={schedule.id} aria-label={schedule.url}>
              <strong className="schedule-url">{schedule.url}</strong>
              <span>{everyInWords(schedule.every_seconds)}</span>
              <span>next {formatDate(schedule.next_run_at)}</span>
              <button
                type="button"
                className="danger"
                aria-label={`Delete the schedule of ${schedule.url}`}
                onClick={() => remove(schedule)}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      {schedules && schedules.length === 0 && <p>You have no schedules.</p>}
    </section>
  );
}
