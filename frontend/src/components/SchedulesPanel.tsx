import { useCallback, useState } from 'react';
import { Api, type Schedule } from '../api';
import { formatDate } from '../format';
import { problemOf, useRemote, type Problem } from '../hooks/useRemote';
import { FormError } from './FormError';

/** "every hour", "every 2 days", …: an interval in words. */
export function everyInWords(seconds: number): string {
  const units: [number, string][] = [
    [7 * 86400, 'week'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [size, unit] of units) {
    if (seconds % size === 0) {
      const count = seconds / size;
      return count === 1 ? `every ${unit}` : `every ${count} ${unit}s`;
    }
  }
  return `every ${seconds} seconds`;
}

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
