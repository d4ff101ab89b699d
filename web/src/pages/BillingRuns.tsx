import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { StartBillingRunBody } from '../../../shared/schemas/api/billing-runs';
import { useStartBillingRunMutation } from '../app/api';
import { useAppDispatch, useAppSelector } from '../app/hooks';
import { runSeen } from '../app/runsSlice';
import { OtherErrors, TextField } from '../components/Field';
import { Empty, ErrorView } from '../components/States';
import { currentPeriod, formatInstant, formatPeriod, previousPeriod } from '../lib/dates';
import { useFormErrors } from '../lib/useForm';

export default function BillingRuns() {
  const [period, setPeriod] = useState(() => previousPeriod(currentPeriod(new Date())));
  const [runId, setRunId] = useState('');
  const [start, { isLoading }] = useStartBillingRunMutation();
  const runs = useAppSelector((state) => state.recentRuns);
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const form = useFormErrors();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { period };
    if (!form.check(StartBillingRunBody, body)) return;
    try {
      const run = await start(body).unwrap();
      dispatch(runSeen({ id: run.id, period: run.period, startedAt: new Date().toISOString() }));
      navigate(`/billing-runs/${encodeURIComponent(run.id)}`);
    } catch (error) {
      form.fromApi(error);
    }
  };

  return (
    <>
      <h1>Billing runs</h1>
      <form onSubmit={submit} noValidate className="form inline-form" aria-labelledby="start-run">
        <h2 id="start-run">Start a run</h2>
        <TextField label="Period" name="period" placeholder="YYYY-MM" value={period} onChange={(e) => setPeriod(e.target.value)} error={form.errors.period} />
        <button type="submit" className="button button-primary" disabled={isLoading}>
          Start billing run
        </button>
        <OtherErrors errors={form.errors} shown={['period']} />
        {form.failure && form.failure.status !== 400 ? <ErrorView error={{ status: form.failure.status, data: { error: form.failure } }} /> : null}
      </form>
      <form
        className="form inline-form"
        aria-labelledby="open-run"
        onSubmit={(e) => {
          e.preventDefault();
          if (runId.trim()) navigate(`/billing-runs/${encodeURIComponent(runId.trim())}`);
        }}
      >
        <h2 id="open-run">Open a run</h2>
        <TextField label="Run ID" name="runId" value={runId} onChange={(e) => setRunId(e.target.value)} />
        <button type="submit" className="button">
          Open
        </button>
      </form>
      <h2>Runs followed in this browser</h2>
      {runs.length === 0 ? (
        <Empty title="No runs yet">Start the run of a period above; it keeps going if you leave or reload the page.</Empty>
      ) : (
        <table className="data-table">
          <caption className="visually-hidden">Runs followed in this browser</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Period</th>
              <th scope="col">Opened</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id}>
                <td>
                  <Link to={`/billing-runs/${encodeURIComponent(run.id)}`}>{run.id}</Link>
                </td>
                <td>{formatPeriod(run.period)}</td>
                <td>{formatInstant(run.startedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
