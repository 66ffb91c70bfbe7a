/** The what-if form: its validation messages come from the API's 422, mapped onto the fields. */
import { useState, type FormEvent } from 'react';

import { useApp } from '../../AppContext';
import { ApiError } from '../../api/client';
import type { Scenario, ScenarioCreate } from '../../api/endpoints';

const FIELDS = [
  { name: 'name', label: 'Name', type: 'text' },
  { name: 'demand_change_pct', label: 'Demand change (%)', type: 'number' },
  { name: 'price_change_pct', label: 'Price change (%)', type: 'number' },
  { name: 'lead_time_change_days', label: 'Lead time change (days)', type: 'number' },
  { name: 'horizon_days', label: 'Horizon (days)', type: 'number' },
  { name: 'stock_item_name_contains', label: 'Only items whose name contains', type: 'text' },
] as const;

type Values = Record<(typeof FIELDS)[number]['name'], string>;
const INITIAL: Values = { name: '', demand_change_pct: '10', price_change_pct: '0', lead_time_change_days: '0', horizon_days: '30', stock_item_name_contains: '' };

/** Form text → request body; numbers stay text when not numeric so the API names the field. */
export function toRequest(values: Values): ScenarioCreate {
  const body: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const raw = values[field.name].trim();
    if (raw === '') continue;
    body[field.name] = field.type === 'number' && raw !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  }
  return body as ScenarioCreate;
}

export function ScenarioForm({ onCreated }: { onCreated: (scenario: Scenario) => void }) {
  const { api } = useApp();
  const [values, setValues] = useState<Values>(INITIAL);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setMessage(null);
    try {
      const created = await api.createScenario(toRequest(values));
      setMessage(`Saved scenario #${created.data.id}.`);
      onCreated(created.data);
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 422) {
        setErrors(failure.fieldErrors);
        setMessage('Please correct the highlighted fields.');
      } else setMessage(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form" onSubmit={(event) => void submit(event)} noValidate data-testid="scenario-form">
      {FIELDS.map((field) => {
        const error = errors[field.name];
        const id = `scenario-${field.name}`;
        return (
          <label key={field.name} htmlFor={id}>
            {field.label}
            <input
              id={id}
              name={field.name}
              type="text"
              inputMode={field.type === 'number' ? 'decimal' : undefined}
              value={values[field.name]}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-error` : undefined}
              onChange={(event) => setValues({ ...values, [field.name]: event.target.value })}
            />
            {error ? (
              <span id={`${id}-error`} className="field-error">
                {error}
              </span>
            ) : null}
          </label>
        );
      })}
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Running…' : 'Run scenario'}
        </button>
        {message ? <span role="status">{message}</span> : null}
      </div>
    </form>
  );
}
