import { useEffect, useState } from 'react';
import { ApiError } from './api.ts';
import { navigate } from './router.ts';
import { pendingForUs } from './transfers.api.ts';

/**
 * The header's "Transfers" link, with a badge counting the offers and requests that wait for
 * the company's answer (issue 18). Counted again when the bell has news or an answer was given
 * (`refreshKey`), and on every page change; a cloud that refuses the lists shows no badge.
 */
export function TransfersLink({ path, refreshKey }: { path: string; refreshKey: number }) {
  const [waiting, setWaiting] = useState(0);

  useEffect(() => {
    let current = true;
    pendingForUs().then(
      (count) => current && setWaiting(count),
      (caught: unknown) => {
        if (!(caught instanceof ApiError)) throw caught;
        if (current) setWaiting(0);
      },
    );
    return () => {
      current = false;
    };
  }, [path, refreshKey]);

  return (
    <a
      href="/transfers"
      aria-current={path === '/transfers' ? 'page' : undefined}
      onClick={(event) => {
        event.preventDefault();
        navigate('/transfers');
      }}
    >
      Transfers
      {waiting > 0 && (
        <>
          <span className="badge" aria-hidden="true">
            {waiting}
          </span>
          <span className="visually-hidden">, {waiting} waiting for your answer</span>
        </>
      )}
    </a>
  );
}
