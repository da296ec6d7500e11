import { useId } from 'react';
import type { Membership } from './api.ts';

/**
 * The company the portal works in (issue 16: every list is of the current company). Shown only
 * to a person with two or more memberships; with one there is nothing to choose.
 */
export function CompanySwitcher(props: {
  memberships: Membership[];
  current: string | null;
  onSwitch: (companyId: string) => void;
}) {
  const id = useId();
  if (props.memberships.length < 2) return null;
  return (
    <div className="company-switcher">
      <label htmlFor={id}>Company</label>
      <select
        id={id}
        value={props.current ?? ''}
        onChange={(event) => props.onSwitch(event.target.value)}
      >
        {props.memberships.map((m) => (
          <option key={m.companyId} value={m.companyId}>
            {m.companyName}
            {m.role === 'admin' ? ' (admin)' : ''}
          </option>
        ))}
      </select>
    </div>
  );
}
