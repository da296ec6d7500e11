import type { Privilege } from './config.model.ts';

/**
 * The event types this device records (2N HTTP API §5.10.1 api/log/caps). The vendor's come
 * first; the ones marked "emulator" are this emulator's additions for what the vendor does not
 * log through the HTTP API (they carry no codes, passwords or secrets).
 */
export const EVENT_TYPES = [
  'DeviceState',
  'KeyPressed',
  'KeyReleased',
  'CodeEntered',
  'CardEntered',
  'UserAuthenticated',
  'CallStateChanged',
  'CallSessionStateChanged',
  'SwitchStateChanged',
  'InputChanged',
  'OutputChanged',
  'DoorStateChanged',
  'MotionDetected',
  'TamperSwitchActivated',
  'RegistrationStateChanged',
  'AudioLoopTest',
  'AccessBlocked',
  'AccessLimited',
  'ApiAccessRequested',
  'ConfigurationChanged', // emulator
  'SecurityCodeRegenerated', // emulator
  'FactoryReset', // emulator
  'ConfigurationRestored', // emulator
  'FirmwareUpdated', // emulator
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** An access point as the manual numbers it in events and accesspoint/*: 0 entry, 1 exit. */
export type ApId = 0 | 1;

/**
 * The parameters of each event, as §5.10.1 lists them (permanent ones required, conditioned
 * ones optional). Raise an event only with these, through `device.eventLog.record`.
 */
export type EventParams = {
  /** §5.10.1: the device started. */
  DeviceState: { state: 'startup' };
  /** §5.10.1: `key` is "0".."9", "*", "#", or "%1".."%n" for call buttons. */
  KeyPressed: { key: string };
  KeyReleased: { key: string };
  /**
   * §5.10.1: a code typed on the keypad. The manual also reports the digits (`code`); the
   * emulator leaves them out, so that no PIN is ever written to a log (docs/decisions).
   */
  CodeEntered: { ap: ApId; valid: boolean; session?: number; uuid?: string };
  /** §5.10.1: a card presented; `uid` is the card id, `direction` "in" (entry) or "out" (exit). */
  CardEntered: {
    ap: ApId;
    direction: 'in' | 'out';
    reader: string;
    uid: string;
    valid: boolean;
    session?: number;
    uuid?: string;
  };
  /** §5.10.1: a directory user proved who they are (PIN, switch code, card). */
  UserAuthenticated: { ap: ApId; session: number; uuid: string; name?: string };
  CallStateChanged: {
    direction: 'incoming' | 'outgoing';
    state: 'connecting' | 'ringing' | 'connected' | 'terminated';
    peer: string;
    session: number;
    call: number;
    reason?: string;
    sipAccount?: number;
  };
  CallSessionStateChanged: {
    session: number;
    state: 'ringing' | 'connecting' | 'connected' | 'terminated';
    originator?: string;
    info?: string;
  };
  SwitchStateChanged: { switch: number; state: boolean; originator?: string };
  InputChanged: { port: string; state: boolean };
  OutputChanged: { port: string; state: boolean };
  DoorStateChanged: { state: 'opened' | 'closed' };
  /** §5.10.1: "in" when motion starts, "out" when it ends. */
  MotionDetected: { state: 'in' | 'out'; id?: number };
  /** §5.10.1: "in" when the tamper switch is tripped (housing opened), "out" when it rests. */
  TamperSwitchActivated: { state: 'in' | 'out' };
  RegistrationStateChanged: {
    sipAccount: number;
    state: 'registered' | 'unregistered' | 'registering' | 'unregistering';
  };
  AudioLoopTest: { result: 'passed' | 'failed' };
  /** §5.10.1: access on an access point blocked (true) or released (false). */
  AccessBlocked: { ap: ApId; state: boolean };
  /** §5.10.1: five failed attempts block an access point for 30 s (`type`: what failed). */
  AccessLimited: { ap: ApId; type: 'code' | 'card'; state: boolean };
  /** §5.10.1, §5.17.3: accesspoint/grantaccess was called. */
  ApiAccessRequested: { ap: ApId; valid: boolean; session?: number; uuid?: string };
  ConfigurationChanged: { reason: string };
  SecurityCodeRegenerated: { generation: number };
  FactoryReset: { network: boolean };
  ConfigurationRestored: { encrypted: boolean };
  FirmwareUpdated: { version: string };
};

/**
 * The privilege an HTTP API account needs to receive each event (2N HTTP API §5.10.2; none:
 * every account). The manual's Keypad, Card reader and Access control monitoring privileges
 * are not among this device's privilege groups yet, so those events need Switches monitoring,
 * the group that governs the door (docs/decisions).
 */
export const EVENT_PRIVILEGE: Partial<Record<EventType, Privilege>> = {
  KeyPressed: 'switch.monitor',
  KeyReleased: 'switch.monitor',
  CodeEntered: 'switch.monitor',
  CardEntered: 'switch.monitor',
  UserAuthenticated: 'switch.monitor',
  AccessBlocked: 'switch.monitor',
  AccessLimited: 'switch.monitor',
  ApiAccessRequested: 'switch.monitor',
  SwitchStateChanged: 'switch.monitor',
  InputChanged: 'io.monitor',
  OutputChanged: 'io.monitor',
  CallStateChanged: 'phone.monitor',
  CallSessionStateChanged: 'phone.monitor',
  RegistrationStateChanged: 'phone.monitor',
  ConfigurationChanged: 'system.control',
  SecurityCodeRegenerated: 'system.control',
  FactoryReset: 'system.control',
  ConfigurationRestored: 'system.control',
  FirmwareUpdated: 'system.control',
};
