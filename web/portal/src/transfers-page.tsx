import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from './api.ts';
import { AcceptDialog, ConfirmDialog } from './transfer-dialogs.tsx';
import { useLiveEvents } from './live.ts';
import { useToasts } from './toasts.tsx';
import { offerSummary, requesterText } from './transfers-text.ts';
import {
  AskedRequests,
  MadeOffers,
  ReceivedOffers,
  SentRequests,
  type Answer,
} from './transfers-tables.tsx';
import { transfersApi, type Transfer, type TransferRequest } from './transfers.api.ts';

interface Lists {
  offered: Transfer[];
  received: Transfer[];
  sent: TransferRequest[];
  asked: TransferRequest[];
}

/**
 * Transfers (issue 18, "Transfers with consent"): offers received and made, requests to
 * release the company's devices and the company's own requests, each with its state. The
 * cloud decides who may answer; the page offers Accept/Reject to company admins only (the
 * contract's receiving admin) and Approve/Decline on every received request it lists (the
 * cloud lists them to those who may answer: admins and the site's site-admins).
 *
 * Live: offers and requests have no event on the stream of GET /api/events (it carries device
 * updates of the company's own sites), so the page loads again on any of them (a device
 * accepted into one of our sites arrives that way), on the bell's news (every transfer notice
 * raises the unread count), when the window gets the focus back, and after each answer.
 */
export function TransfersPage(props: {
  isAdmin: boolean;
  refreshKey: number;
  /** An answer was given: the bell and the nav badge read their counts again. */
  onChanged: () => void;
}) {
  const { isAdmin, refreshKey, onChanged } = props;
  const { notify } = useToasts();
  const [lists, setLists] = useState<Lists | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [answerError, setAnswerError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const [transfers, requests] = await Promise.all([
        transfersApi.list(),
        transfersApi.requests(),
      ]);
      setLists({
        offered: transfers.offered,
        received: transfers.received,
        sent: requests.sent,
        asked: requests.received,
      });
      setLoadError(null);
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') setLoadError(caught);
    }
  }, []);

  useEffect(() => {
    document.title = 'Transfers — Latchkey';
  }, []);
  useEffect(() => {
    void load();
  }, [load, refreshKey]);
  useEffect(() => {
    const onFocus = () => void load();
    window.addEventListener('focus', onFocus);
    return () => window.removeEventListener('focus', onFocus);
  }, [load]);
  useLiveEvents({
    onDevice: () => void load(),
    onReconnect: () => void load(),
    onClosed: () => void api.me().catch(() => undefined),
  });

  function open(next: Answer) {
    setAnswerError(null);
    setAnswer(next);
  }

  async function give(next: Answer, siteId?: string) {
    setBusy(true);
    setAnswerError(null);
    try {
      const title = await send(next, siteId);
      setAnswer(null);
      notify({ kind: 'success', title, scope: 'transfers' });
      onChanged();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') setAnswerError(caught);
    } finally {
      setBusy(false);
      void load();
    }
  }

  return (
    <main>
      <h1>Transfers</h1>
      <p className="muted">
        Devices and sites offered between companies, and requests to release a device. Until an
        offer or a request is accepted, everything stays with its owner.
      </p>
      {loadError && (
        <div className="form-error" role="alert">
          <p>
            <strong>{loadError.body.message}</strong>
          </p>
          <p>{loadError.body.cause}</p>
        </div>
      )}
      {lists === null ? (
        !loadError && <p role="status">Loading transfers…</p>
      ) : (
        <>
          <ReceivedOffers items={lists.received} isAdmin={isAdmin} onAnswer={open} />
          <AskedRequests items={lists.asked} onAnswer={open} />
          <MadeOffers items={lists.offered} onAnswer={open} />
          <SentRequests items={lists.sent} />
        </>
      )}
      {answer && (
        <AnswerDialog
          answer={answer}
          busy={busy}
          error={answerError}
          onGive={(siteId) => void give(answer, siteId)}
          onClose={() => setAnswer(null)}
        />
      )}
    </main>
  );
}

/** Sends one answer; resolves to what the toast says. */
async function send(answer: Answer, siteId?: string): Promise<string> {
  if (answer.kind === 'accept') {
    await transfersApi.accept(answer.transfer.id, siteId);
    return answer.transfer.site
      ? `The site “${answer.transfer.site.name}” is now yours.`
      : `${offerSummary(answer.transfer)} of ${answer.transfer.fromCompany.name} are now yours.`;
  }
  if (answer.kind === 'reject') {
    await transfersApi.reject(answer.transfer.id);
    return `You rejected the offer of ${answer.transfer.fromCompany.name}.`;
  }
  if (answer.kind === 'cancel') {
    await transfersApi.cancel(answer.transfer.id);
    return `The offer to ${answer.transfer.toEmail} was cancelled.`;
  }
  if (answer.kind === 'approve') {
    await transfersApi.approve(answer.request.id);
    return `The device ${answer.request.serialNumber} was released to the requester.`;
  }
  await transfersApi.decline(answer.request.id);
  return `You declined the request for ${answer.request.serialNumber}.`;
}

function AnswerDialog(props: {
  answer: Answer;
  busy: boolean;
  error: ApiError | null;
  onGive: (siteId?: string) => void;
  onClose: () => void;
}) {
  const { answer, busy, error, onGive, onClose } = props;
  const common = { busy, error, onClose, onConfirm: () => onGive() };
  if (answer.kind === 'accept') {
    return (
      <AcceptDialog
        transfer={answer.transfer}
        busy={busy}
        error={error}
        onAccept={onGive}
        onClose={onClose}
      />
    );
  }
  if (answer.kind === 'reject') {
    const from = answer.transfer.fromCompany.name;
    return (
      <ConfirmDialog
        {...common}
        danger
        title={`Reject the offer from ${from}?`}
        confirm="Reject the offer"
      >
        <p>Nothing moves: {from} keeps what it offered, and is told that you rejected it.</p>
      </ConfirmDialog>
    );
  }
  if (answer.kind === 'cancel') {
    return (
      <ConfirmDialog
        {...common}
        danger
        title={`Cancel the offer to ${answer.transfer.toEmail}?`}
        confirm="Cancel the offer"
      >
        <p>They can no longer accept it, and are told that it was cancelled.</p>
      </ConfirmDialog>
    );
  }
  const { request } = answer;
  if (answer.kind === 'approve') {
    return (
      <ConfirmDialog
        {...common}
        title={`Release the device ${request.serialNumber}?`}
        confirm="Approve and release"
      >
        <p>
          The device leaves the site “{request.site.name}” and moves to the requester’s site (
          {requesterText(request)}). Its history in your sites stays yours.
        </p>
      </ConfirmDialog>
    );
  }
  return (
    <ConfirmDialog
      {...common}
      danger
      title={`Decline the request for ${request.serialNumber}?`}
      confirm="Decline the request"
    >
      <p>
        The device stays in “{request.site.name}”. The requester is told it was declined, and
        nothing else.
      </p>
    </ConfirmDialog>
  );
}
