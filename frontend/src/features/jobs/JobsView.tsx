/** Scheduled job history of both analytics services: status, duration, error and when. */
import { useApp } from '../../AppContext';
import type { JobHistory } from '../../api/endpoints';
import { DataTable } from '../../components/DataTable';
import { fmtDateTime, fmtNum } from '../../components/format';
import { Tile } from '../../components/Tile';
import { useDashboard } from '../../state/dashboard';

const LIMIT = 50;

function JobTable({ data }: { data: JobHistory }) {
  return (
    <DataTable
      caption="Job runs, newest first"
      rows={data.items}
      rowKey={(row) => row.id}
      columns={[
        { key: 'job', label: 'Job', render: (row) => row.job_id },
        { key: 'status', label: 'Status', render: (row) => <span className={`badge ${row.status}`}>{row.status}</span> },
        { key: 'when', label: 'Started', render: (row) => fmtDateTime(row.started_at) },
        { key: 'ms', label: 'Duration (ms)', numeric: true, render: (row) => fmtNum(row.duration_ms) },
        { key: 'error', label: 'Error', render: (row) => row.error ?? '' },
      ]}
    />
  );
}

export default function JobsView() {
  const { api } = useApp();
  const { tiles, retry } = useDashboard<{ aw: JobHistory; wwi: JobHistory }>('jobs', { aw: () => api.jobs('aw', LIMIT), wwi: () => api.jobs('wwi', LIMIT) }, '');
  return (
    <div className="grid">
      <Tile id="jobs-aw" title="aw-service jobs" state={tiles.aw} onRetry={() => retry('aw')} isEmpty={(d) => d.items.length === 0} emptyText="No job runs recorded yet." wide>
        {(data) => <JobTable data={data} />}
      </Tile>
      <Tile id="jobs-wwi" title="wwi-service jobs" state={tiles.wwi} onRetry={() => retry('wwi')} isEmpty={(d) => d.items.length === 0} emptyText="No job runs recorded yet." wide>
        {(data) => <JobTable data={data} />}
      </Tile>
    </div>
  );
}
