import type { ReactNode } from 'react';
import { navigate } from './router.ts';

/** A link inside the portal: the history router, not a page load (a new tab still works). */
export function PortalLink(props: { to: string; children: ReactNode; label?: string }) {
  return (
    <a
      href={props.to}
      aria-label={props.label}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}
