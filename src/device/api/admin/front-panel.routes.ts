import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { checkPeer, HANGUP_REASONS } from '../../calls.service.ts';
import type { Device } from '../../device.ts';
import { DeviceError } from '../../device.errors.ts';
import type { SessionGuard } from '../../session.guard.ts';

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

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.') || 'body';
  throw new DeviceError(12, `${field}: ${issue.message}.`, field);
}

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
    guard(() => panel.status()),
  );

  app.post(
    `${base}/keys`,
    guard((request) => panel.pressKey(parse(keySchema, request.body).key)),
  );

  app.post(
    `${base}/buttons/:button/press`,
    guard((request) => ({ session: panel.pressButton(pathNumber(request, 'button')) })),
  );

  app.post(
    `${base}/keypad`,
    guard((request) => {
      const body = parse(codeSchema, request.body);
      return panel.enterCode(body.code, body.accessPoint);
    }),
  );

  app.post(
    `${base}/card`,
    guard((request) => {
      const body = parse(cardSchema, request.body);
      return panel.presentCard(body.uid, body.accessPoint);
    }),
  );

  app.post(
    `${base}/door`,
    guard((request, reply) => {
      panel.setDoor(parse(doorSchema, request.body).open);
      return done(reply);
    }),
  );

  app.post(
    `${base}/tamper`,
    guard((request, reply) => {
      panel.setTamper(parse(activeSchema, request.body).active);
      return done(reply);
    }),
  );

  app.post(
    `${base}/motion`,
    guard((request, reply) => {
      panel.setMotion(parse(activeSchema, request.body).active);
      return done(reply);
    }),
  );

  app.post(
    `${base}/calls/incoming`,
    guard((request, reply) => {
      const from = checkPeer(parse(incomingSchema, request.body).from, 'from');
      return reply.code(201).send({ session: device.calls.incoming(from) });
    }),
  );

  app.post(
    `${base}/calls/:session/answer`,
    guard((request, reply) => {
      const body = parse(remoteAnswerSchema, request.body);
      device.calls.remoteAnswer(pathNumber(request, 'session'), body.call);
      return done(reply);
    }),
  );

  app.post(
    `${base}/calls/:session/pick-up`,
    guard((request, reply) => {
      device.calls.answer(pathNumber(request, 'session'));
      return done(reply);
    }),
  );

  app.post(
    `${base}/calls/:session/hangup`,
    guard((request, reply) => {
      const body = parse(hangupSchema, request.body);
      device.calls.hangup(pathNumber(request, 'session'), body.reason);
      return done(reply);
    }),
  );

  app.put(
    `${base}/calls/limits`,
    guard((request) => {
      const body = parse(limitsSchema, request.body);
      return device.calls.setLimits(
        Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)),
      );
    }),
  );
}
