import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { checkPeer, HANGUP_REASONS } from '../../calls.service.ts';
import type { Device } from '../../device.ts';
import { DeviceError } from '../../device.errors.ts';
import type { SessionGuard } from '../../session.guard.ts';
import { described, validBody } from './admin.http.ts';
import {
  answers,
  callLimits,
  credentialResult,
  frontPanelView,
  noContent,
  startedSession,
} from './admin.schemas.ts';

const buttonParams = z.object({ button: z.string() });
const sessionParams = z.object({ session: z.string() });
const action = (summary: string, schema: Parameters<typeof described>[2]) =>
  described('front-panel', summary, schema);

const accessPoint = z.number().int().default(1);
const keySchema = z.object({ key: z.string().max(8) });
const codeSchema = z.object({ code: z.string().max(64), accessPoint });
const cardSchema = z.object({ uid: z.string().max(128), accessPoint });
const doorSchema = z.object({ open: z.boolean() });
const activeSchema = z.object({ active: z.boolean() });
const incomingSchema = z.object({ from: z.string().max(1024) });
const remoteAnswerSchema = z.object({ call: z.number().int().optional() });
const hangupSchema = z.object({ reason: z.enum(HANGUP_REASONS).default('normal') });
const limitsSchema = z.object({
  ringSeconds: z.number().int().optional(),
  talkSeconds: z.number().int().optional(),
});

function pathNumber(request: FastifyRequest, name: string): number {
  const raw = (request.params as Record<string, string>)[name] ?? '';
  if (!/^\d{1,10}$/.test(raw))
    throw new DeviceError(12, `Give the ${name} number in the path.`, name);
  return Number(raw);
}

/**
 * The emulator's front panel in the admin JSON API: what a person at the door does, and what
 * the remote party of a call does (answer, reject, call the intercom). Every action goes through
 * `device.frontPanel` / `device.calls`, the same services as the HTTP API's /api/call/*.
 *
 *   GET  /admin/api/front-panel                      door, tamper, buttons, calls, recent events
 *   POST /admin/api/front-panel/keys {key}           one key: 0–9 * # or %N (a call button)
 *   POST /admin/api/front-panel/buttons/:button/press  KeyPressed/KeyReleased %N, then the call
 *   POST /admin/api/front-panel/keypad {code, accessPoint?}
 *   POST /admin/api/front-panel/card {uid, accessPoint?}
 *   POST /admin/api/front-panel/door {open} · /tamper {active} · /motion {active}
 *   POST /admin/api/front-panel/calls/incoming {from}        a remote party calls the intercom
 *   POST /admin/api/front-panel/calls/:session/answer {call?} the called party picks up
 *   POST /admin/api/front-panel/calls/:session/pick-up  the intercom answers (as /api/call/answer)
 *   POST /admin/api/front-panel/calls/:session/hangup {reason?} the remote party hangs up/rejects
 *   PUT  /admin/api/front-panel/calls/limits {ringSeconds?, talkSeconds?}
 */
export function registerFrontPanelAdminApi(
  app: FastifyInstance,
  device: Device,
  guard: SessionGuard,
): void {
  const panel = device.frontPanel;
  const base = '/admin/api/front-panel';
  const done = (reply: FastifyReply) => reply.code(204).send();

  app.get(
    base,
    action('door, tamper, buttons, calls and recent events', {
      response: answers({ 200: frontPanelView }),
    }),
    guard(() => panel.status()),
  );

  app.post(
    `${base}/keys`,
    action('Press one key: 0–9 * # or %N (a call button)', {
      body: keySchema,
      response: answers({ 200: startedSession }),
    }),
    guard((request) => panel.pressKey(validBody(request, keySchema).key)),
  );

  app.post(
    `${base}/buttons/:button/press`,
    action('Press a call button', {
      params: buttonParams,
      response: answers({ 200: z.looseObject({ session: z.number() }) }),
    }),
    guard((request) => ({ session: panel.pressButton(pathNumber(request, 'button')) })),
  );

  app.post(
    `${base}/keypad`,
    action('Enter a code at the keypad', {
      body: codeSchema,
      response: answers({ 200: credentialResult }),
    }),
    guard((request) => {
      const body = validBody(request, codeSchema);
      return panel.enterCode(body.code, body.accessPoint);
    }),
  );

  app.post(
    `${base}/card`,
    action('Present a card', { body: cardSchema, response: answers({ 200: credentialResult }) }),
    guard((request) => {
      const body = validBody(request, cardSchema);
      return panel.presentCard(body.uid, body.accessPoint);
    }),
  );

  app.post(
    `${base}/door`,
    action('Open or close the door', { body: doorSchema, response: answers(noContent) }),
    guard((request, reply) => {
      panel.setDoor(validBody(request, doorSchema).open);
      return done(reply);
    }),
  );

  app.post(
    `${base}/tamper`,
    action('Set the tamper switch', { body: activeSchema, response: answers(noContent) }),
    guard((request, reply) => {
      panel.setTamper(validBody(request, activeSchema).active);
      return done(reply);
    }),
  );

  app.post(
    `${base}/motion`,
    action('Set the motion sensor', { body: activeSchema, response: answers(noContent) }),
    guard((request, reply) => {
      panel.setMotion(validBody(request, activeSchema).active);
      return done(reply);
    }),
  );

  app.post(
    `${base}/calls/incoming`,
    action('A remote party calls the intercom', {
      body: incomingSchema,
      response: answers({ 201: z.looseObject({ session: z.number() }) }),
    }),
    guard((request, reply) => {
      const from = checkPeer(validBody(request, incomingSchema).from, 'from');
      return reply.code(201).send({ session: device.calls.incoming(from) });
    }),
  );

  app.post(
    `${base}/calls/:session/answer`,
    action('The called party picks up', {
      params: sessionParams,
      body: remoteAnswerSchema,
      response: answers(noContent),
    }),
    guard((request, reply) => {
      const body = validBody(request, remoteAnswerSchema);
      device.calls.remoteAnswer(pathNumber(request, 'session'), body.call);
      return done(reply);
    }),
  );

  app.post(
    `${base}/calls/:session/pick-up`,
    action('The intercom answers (as /api/call/answer)', {
      params: sessionParams,
      response: answers(noContent),
    }),
    guard((request, reply) => {
      device.calls.answer(pathNumber(request, 'session'));
      return done(reply);
    }),
  );

  app.post(
    `${base}/calls/:session/hangup`,
    action('The remote party hangs up or rejects', {
      params: sessionParams,
      body: hangupSchema,
      response: answers(noContent),
    }),
    guard((request, reply) => {
      const body = validBody(request, hangupSchema);
      device.calls.hangup(pathNumber(request, 'session'), body.reason);
      return done(reply);
    }),
  );

  app.put(
    `${base}/calls/limits`,
    action('Set the ring and talk limits', {
      body: limitsSchema,
      response: answers({ 200: callLimits }),
    }),
    guard((request) => {
      const body = validBody(request, limitsSchema);
      return device.calls.setLimits(
        Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)),
      );
    }),
  );
}
