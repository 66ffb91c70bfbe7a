/** Number, money, percent and date formatting shared by tiles, tables and charts. */
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });

export const fmtInt = (value: number | null | undefined): string => (value == null ? '—' : integer.format(value));
export const fmtNum = (value: number | null | undefined): string => (value == null ? '—' : decimal.format(value));
export const fmtMoney = (value: number | null | undefined): string => (value == null ? '—' : money.format(value));
export function fmtPct(value: number | null | undefined, signed = false): string {
  if (value == null) return '—';
  const text = `${decimal.format(value)} %`;
  return signed && value > 0 ? `+${text}` : text;
}
export function fmtDateTime(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const date = typeof value === 'string' ? new Date(value) : value;
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString('en-GB', { hour12: false });
}
export function fmtBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${decimal.format(size / 1024)} KiB`;
  return `${decimal.format(size / 1024 / 1024)} MiB`;
}
