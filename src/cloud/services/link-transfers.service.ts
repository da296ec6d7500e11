import type { Store } from '../store/store.ts';
import { linkTransfersRepo } from '../store/repos/link-transfers.repo.ts';
import { iso, type Clock } from './clock.ts';
import { hashToken, newToken } from './tokens.ts';

/** What a single-use URL moves (issue 19). */
export type LinkTransferKind = 'firmware' | 'backup-upload' | 'backup-restore';

/** How long a device has to start using a URL it was sent: minutes, not hours. */
export const LINK_TRANSFER_TTL_MS = 10 * 60 * 1000;

export interface LinkTransfer {
  serialNumber: string;
  kind: LinkTransferKind;
  ref: string;
}

/**
 * Issue 19: the single-use URLs a device downloads a firmware image or sends a backup through.
 * The token is the only credential (no device secret in a URL), 256 random bits; it is sent to
 * one device over its own authenticated link, names that device, one file and one purpose, and
 * works once and for minutes. Only its hash is stored.
 */
export function createLinkTransfers(deps: { store: Store; clock: Clock }) {
  const repo = () => linkTransfersRepo(deps.store.db);
  return {
    /** A new token for `serialNumber` to move `ref` (a firmware image id, a backup id). */
    async issue(transfer: LinkTransfer, ttlMs = LINK_TRANSFER_TTL_MS): Promise<string> {
      const token = newToken();
      const now = deps.clock.now();
      await repo().insert({
        token_hash: hashToken(token),
        serial_number: transfer.serialNumber,
        kind: transfer.kind,
        ref: transfer.ref,
        created_at: iso(now),
        expires_at: iso(new Date(now.getTime() + ttlMs)),
        used_at: null,
      });
      return token;
    },
    /**
     * Uses a token up: what it moves, when it is valid, unused and of `kind`; null otherwise (a
     * token of another kind is used up all the same: it was sent for nothing else).
     */
    async take(token: string, kind: LinkTransferKind): Promise<LinkTransfer | null> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
      const row = await repo().take(hashToken(token), iso(deps.clock.now()));
      if (!row || row.kind !== kind) return null;
      return { serialNumber: row.serial_number, kind, ref: row.ref };
    },
    deleteExpired: () => repo().deleteExpired(iso(deps.clock.now())),
  };
}

export type LinkTransfers = ReturnType<typeof createLinkTransfers>;
