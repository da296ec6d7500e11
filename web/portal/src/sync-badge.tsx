import type { DeviceSync } from './api.ts';
import { formatDateTime } from './format.ts';

/** "14:02" today, the date and time otherwise. */
function shortTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toDateString() === new Date().toDateString()
    ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : formatDateTime(iso);
}

/** The device's reason, in words: `directory-full` → "directory full". */
const reasonWords = (reason: string | undefined) =>
  reason ? reason.replace(/[-_]+/g, ' ') : 'no reason given';

/** Whether the device holds the site's directory: in sync, pending or failed (issue 17). */
export function SyncBadge({ sync }: { sync: DeviceSync }) {
  const text =
    sync.state === 'in-sync'
      ? `In sync at version ${sync.version}`
      : sync.state === 'pending'
        ? `Pending since ${shortTime(sync.since)}`
        : `Failed: ${reasonWords(sync.reason)}`;
  return (
    <span className={`sync sync-${sync.state}`} title={formatDateTime(sync.since)}>
      {text}
    </span>
  );
}
