import { DeviceError, invalidParam } from './device.errors.ts';
import type { EventParams, EventType } from './event.catalog.ts';

export type CallDirection = 'incoming' | 'outgoing';
/** A session's state as /api/call/status reports it (2N HTTP API §5.7.1). */
export type SessionState = 'connecting' | 'ringing' | 'connected';
type CallState = 'ringing' | 'connected';
/** The end-of-call reasons of /api/call/hangup (2N HTTP API §5.7.4). */
export const HANGUP_REASONS = ['normal', 'rejected', 'busy'] as const;
export type HangupReason = (typeof HANGUP_REASONS)[number];

/** A real unit carries a handful of simultaneous calls; more are refused, not queued. */
export const MAX_CALL_SESSIONS = 4;
/** Destinations one /api/call/dial may ring at once (a group call). */
export const MAX_CALL_PEERS = 8;
export const MAX_PEER_LENGTH = 256;
/** Ended calls the call log keeps (2N HTTP API §5.6.2); the oldest go first beyond this. */
export const MAX_CALL_LOG = 100;

/** §5.6.2 callType, for the kinds of call this emulator makes (no doorbell, no other device). */
export type CallLogType = 'incoming' | 'missed' | 'outgoing';

/** One record of /api/phone/calllog (2N HTTP API §5.6.2), with the manual's field names. */
export interface CallLogEntry {
  id: number;
  callType: CallLogType;
  /** The called or calling party (SIP URI or number). */
  name: string;
  /** When the call began, ISO 8601 UTC to the second, as §5.6.2's example shows. */
  date: string;
  /** Seconds the call was connected; 0 for a call nobody answered. */
  duration: number;
}

export interface CallView {
  id: number;
  peer: string;
  state: CallState;
}

export interface SessionView {
  session: number;
  direction: CallDirection;
  state: SessionState;
  calls: CallView[];
}

export interface CallLimits {
  /** An unanswered call ends after this many seconds (0: never). */
  ringSeconds: number;
  /** A connected call ends after this many seconds (0: never). */
  talkSeconds: number;
}

export const DEFAULT_CALL_LIMITS: CallLimits = { ringSeconds: 60, talkSeconds: 0 };
const MAX_LIMIT_SECONDS = 86_400;

interface Session extends SessionView {
  timer?: NodeJS.Timeout;
  /** Milliseconds: when the session was created, and when a call in it was answered. */
  startedAt: number;
  connectedAt?: number;
}

/** Records one event in the device's event log, with the parameters its catalog entry names. */
export type Recorder = <E extends EventType>(event: E, params: EventParams[E]) => unknown;

/**
 * The intercom's calls as a state machine without SIP or media (2N HTTP API §5.7): a session
 * holds one call per destination; it is created, rings, connects when one destination
 * answers, and ends. Each change raises the manual's events (§5.10.1): CallSessionStateChanged
 * {session, state} when the session is created and whenever its state changes, and
 * CallStateChanged {direction, state, peer, session, call[, reason]} for every call in it. A
 * session is created before its calls ring, so its creation comes first; it changes state
 * because its calls did, so the calls' events come before the session's change.
 */
export class CallsService {
  #sessions = new Map<number, Session>();
  #nextSession = 1;
  #nextCall = 1;
  #limits: CallLimits = { ...DEFAULT_CALL_LIMITS };
  /** Ended calls, newest first (§5.6.2 orders them so). */
  #log: CallLogEntry[] = [];
  #nextLogId = 1;

  private readonly record: Recorder;
  private readonly now: () => number;
  constructor(record: Recorder, now: () => number = Date.now) {
    this.record = record;
    this.now = now;
  }

  get limits(): CallLimits {
    return { ...this.#limits };
  }

  setLimits(limits: Partial<CallLimits>): CallLimits {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < 0 || value > MAX_LIMIT_SECONDS) {
        throw invalidParam(
          name,
          `Use a whole number of seconds from 0 (no limit) to ${MAX_LIMIT_SECONDS}.`,
        );
      }
    }
    this.#limits = { ...this.#limits, ...limits };
    return this.limits;
  }

  /** §5.7.1: the active sessions, or the one asked for. */
  status(session?: number): SessionView[] {
    const sessions = session === undefined ? [...this.#sessions.values()] : [this.#get(session)];
    return sessions.map(({ session: id, direction, state, calls }) => ({
      session: id,
      direction,
      state,
      calls: calls.map((call) => ({ ...call })),
    }));
  }

  /** §5.7.2: an outgoing call that rings at every destination given. */
  dial(peers: string[]): number {
    if (peers.length === 0 || peers.length > MAX_CALL_PEERS) {
      throw invalidParam('users', `Call 1 to ${MAX_CALL_PEERS} destinations at once.`);
    }
    const session = this.#open('outgoing', 'connecting');
    for (const peer of peers) this.#ring(session, peer);
    this.#setState(session, 'ringing');
    return session.session;
  }

  /** Emulator only: a remote party calls the intercom; /api/call/answer can then pick it up. */
  incoming(peer: string): number {
    checkPeer(peer, 'from');
    const session = this.#open('incoming', 'ringing');
    this.#ring(session, peer);
    return session.session;
  }

  /** §5.7.3: the intercom answers an incoming call that rings. */
  answer(id: number): void {
    const session = this.#get(id);
    if (session.direction !== 'incoming' || session.state !== 'ringing') {
      throw invalidParam(
        'session',
        `Call ${id} is not a ringing incoming call; /api/call/answer picks up incoming calls only (see /api/call/status).`,
      );
    }
    this.#connect(session, session.calls[0]!);
  }

  /** Emulator only: the called party of an outgoing call picks up (the first call, or `callId`). */
  remoteAnswer(id: number, callId?: number): void {
    const session = this.#get(id);
    if (session.direction !== 'outgoing' || session.state !== 'ringing') {
      throw invalidParam(
        'session',
        `Call ${id} is not a ringing outgoing call; the remote party can answer only a call the intercom made.`,
      );
    }
    const call =
      callId === undefined ? session.calls[0] : session.calls.find((c) => c.id === callId);
    if (!call) throw invalidParam('call', `Session ${id} has no call ${callId}.`);
    this.#connect(session, call);
  }

  /** §5.7.4 (and the remote party hanging up, rejecting or being busy): the session ends. */
  hangup(id: number, reason: HangupReason = 'normal'): void {
    this.#end(this.#get(id), reason);
  }

  /** §5.6.2 GET: the ended calls, newest first. */
  callLog(): CallLogEntry[] {
    return this.#log.map((entry) => ({ ...entry }));
  }

  /** §5.6.2 DELETE: one record by its `id`, or the whole log when no id is given. */
  deleteCallLog(id?: number): void {
    if (id === undefined) {
      this.#log = [];
      return;
    }
    const index = this.#log.findIndex((entry) => entry.id === id);
    if (index < 0) {
      throw invalidParam(
        'id',
        `The call log has no record ${id}; GET /api/phone/calllog lists the records.`,
      );
    }
    this.#log.splice(index, 1);
  }

  /**
   * A restart drops every call without a word, as a power cut would, and the call log with
   * them: the emulator keeps it in memory only.
   */
  reset(): void {
    for (const session of this.#sessions.values()) clearTimeout(session.timer);
    this.#sessions.clear();
    this.#log = [];
  }

  #open(direction: CallDirection, state: SessionState): Session {
    if (this.#sessions.size >= MAX_CALL_SESSIONS) {
      throw new DeviceError(
        14,
        `The intercom carries at most ${MAX_CALL_SESSIONS} calls at once; hang one up first (/api/call/hangup).`,
      );
    }
    const session: Session = {
      session: this.#nextSession++,
      direction,
      state,
      calls: [],
      startedAt: this.now(),
    };
    this.#sessions.set(session.session, session);
    this.record('CallSessionStateChanged', { session: session.session, state });
    this.#arm(session, this.#limits.ringSeconds);
    return session;
  }

  #ring(session: Session, peer: string): void {
    const call: CallView = { id: this.#nextCall++, peer, state: 'ringing' };
    session.calls.push(call);
    this.#callEvent(session, call, 'ringing');
  }

  #connect(session: Session, answered: CallView): void {
    answered.state = 'connected';
    this.#callEvent(session, answered, 'connected');
    // The other destinations of a group call stop ringing once one answers.
    for (const other of session.calls.filter((c) => c !== answered)) {
      this.#callEvent(session, other, 'terminated', 'normal');
    }
    session.calls = [answered];
    session.connectedAt = this.now();
    this.#setState(session, 'connected');
    this.#arm(session, this.#limits.talkSeconds);
  }

  #end(session: Session, reason: HangupReason): void {
    clearTimeout(session.timer);
    for (const call of session.calls) this.#callEvent(session, call, 'terminated', reason);
    this.#sessions.delete(session.session);
    this.record('CallSessionStateChanged', { session: session.session, state: 'terminated' });
    this.#logEnded(session);
  }

  /** §5.6.2: an ended session becomes one call-log record (the answered party, or the first rung). */
  #logEnded(session: Session): void {
    const ended = this.now();
    const connected = session.connectedAt !== undefined;
    const callType: CallLogType =
      session.direction === 'outgoing' ? 'outgoing' : connected ? 'incoming' : 'missed';
    this.#log.unshift({
      id: this.#nextLogId++,
      callType,
      name: session.calls[0]?.peer ?? '',
      date: new Date(session.startedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      duration: connected ? Math.floor((ended - session.connectedAt!) / 1000) : 0,
    });
    this.#log.length = Math.min(this.#log.length, MAX_CALL_LOG);
  }

  #setState(session: Session, state: SessionState): void {
    session.state = state;
    this.record('CallSessionStateChanged', { session: session.session, state });
  }

  #callEvent(
    session: Session,
    call: CallView,
    state: CallState | 'terminated',
    reason?: HangupReason,
  ): void {
    this.record('CallStateChanged', {
      direction: session.direction,
      state,
      peer: call.peer,
      session: session.session,
      call: call.id,
      ...(reason ? { reason } : {}),
    });
  }

  /** Ends the session after `seconds` in its current phase (ringing or talking). */
  #arm(session: Session, seconds: number): void {
    clearTimeout(session.timer);
    if (seconds <= 0) return;
    session.timer = setTimeout(() => {
      if (this.#sessions.get(session.session) === session) this.#end(session, 'normal');
    }, seconds * 1000);
    session.timer.unref();
  }

  #get(id: number): Session {
    const session = this.#sessions.get(id);
    if (!session) {
      throw invalidParam(
        'session',
        `There is no active call ${id}; /api/call/status lists the active ones.`,
      );
    }
    return session;
  }
}

/** A SIP URI or phone number: printable, no spaces, bounded. */
export function checkPeer(peer: string, param: string): string {
  if (peer.length === 0 || peer.length > MAX_PEER_LENGTH || !/^[\x21-\x7e]+$/.test(peer)) {
    throw invalidParam(
      param,
      `Give a phone number or SIP URI of 1 to ${MAX_PEER_LENGTH} printable characters without spaces (e.g. sip:1234@10.0.23.194).`,
    );
  }
  return peer;
}
