/** XLSX/PDF export buttons: a fetch with the bearer header, then a blob saved by the browser. */
import { useState } from 'react';

import { useApp } from '../AppContext';
import type { ExportView } from '../api/endpoints';

export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function DownloadButtons({ view, params = {} }: { view: ExportView; params?: Record<string, number | string> }) {
  const { api } = useApp();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function download(format: 'xlsx' | 'pdf') {
    setBusy(format);
    setError(null);
    try {
      const file = await api.exportView(view, format, params);
      saveBlob(file.blob, file.filename);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(null);
    }
  }

  return (
    <>
      {(['xlsx', 'pdf'] as const).map((format) => (
        <button key={format} type="button" className="small" disabled={busy !== null} onClick={() => void download(format)} data-testid={`export-${view}-${format}`}>
          {busy === format ? '…' : format.toUpperCase()}
        </button>
      ))}
      {error ? (
        <span className="error small" role="alert">
          {error}
        </span>
      ) : null}
    </>
  );
}
