/** Small shared controls: a segmented choice (ranges, tabs) and a year-over-year change label. */
import { fmtPct } from './format';

export function Segmented<T extends string>({ label, value, options, onChange, labels }: { label: string; value: T; options: readonly T[]; onChange: (value: T) => void; labels?: Record<string, string> }) {
  return (
    <div className="segmented" role="group" aria-label={label}>
      {options.map((option) => (
        <button key={option} type="button" aria-pressed={option === value} onClick={() => onChange(option)}>
          {labels?.[option] ?? option}
        </button>
      ))}
    </div>
  );
}

export function Change({ value }: { value: number | null | undefined }) {
  if (value == null) return <span className="change">n/a YoY</span>;
  const direction = value > 0 ? 'up' : value < 0 ? 'down' : 'flat';
  return (
    <span className={`change ${direction}`} title="change against the same period a year before">
      {direction === 'up' ? '▲' : direction === 'down' ? '▼' : '■'} {fmtPct(value, true)} YoY
    </span>
  );
}
