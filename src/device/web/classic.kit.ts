import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AdminSession } from '../accounts.service.ts';
import type { Device } from '../device.ts';
import { deviceErrorCatalog } from '../device.error-catalog.ts';
import type { DeviceError } from '../device.errors.ts';
import {
  createSessionGuard,
  sameToken,
  SESSION_COOKIE,
  type GuardOptions,
  type GuardRefusal,
} from '../session.guard.ts';
import { readFileForm } from '../upload.form.ts';
import type { Upload, UploadLimit } from '../upload.store.ts';
import type { FieldErrors } from './forms.ts';
import { html, type Html } from './html.ts';
import { BASE, CSRF_FIELD, page, type Notice, type Tab } from './layout.ts';
import { systemSections, type SystemSection } from './pages/system.template.ts';

/** One classic request: what a page handler needs. */
export interface Ctx {
  request: FastifyRequest;
  reply: FastifyReply;
  session: AdminSession;
}

/** Messages after a redirect (Post/Redirect/Get): `?done=<key>` names one, the page owns it. */
export type DoneMessages = Record<string, string>;

export interface RenderOptions {
  title: string;
  tab: Tab;
  body: Html;
  section?: SystemSection | null;
  notice?: Notice | null;
  /** The page's messages after a redirect, looked up from `?done=`. */
  done?: DoneMessages;
  status?: number;
}

/** A page module: registers its routes with the shared kit. */
export type ClassicPage = (app: FastifyInstance, kit: ClassicKit) => void;

/** The CSRF refusal as a person reads it (catalog code CSRF_TOKEN_INVALID, 403). */
const CSRF_MESSAGE =
  'This form was refused: it did not carry the security token of your session (protection against cross-site request forgery). Open the page again from the menu and repeat the action.';

/** A multipart form without the session's CSRF token, refused before its file is stored. */
class CsrfRefused extends Error {
  override name = 'CsrfRefused';
}

type Body = Record<string, unknown>;

/** A form field's text (the first value when repeated; empty when absent). */
export function text(body: unknown, name: string): string {
  const value = (body as Body | null | undefined)?.[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return '';
}

/** Every value of a repeated form field (checkboxes). */
export function list(body: unknown, name: string): string[] {
  const value = (body as Body | null | undefined)?.[name];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** A service refusal as the form shows it: the message beside the field the service named. */
export function fieldErrorsOf(error: DeviceError, fallback: string): FieldErrors {
  return { [error.param ?? fallback]: error.hint };
}

/** Whether an error is the kit's CSRF refusal of a multipart form. */
export function isCsrfRefused(error: unknown): boolean {
  return error instanceof CsrfRefused;
}

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * What every classic page shares: sending a page with the security headers, redirects, the
 * frame with tabs and sections, the session guard as HTML configures it (a redirect to the
 * login page, a "Refused" page for a missing CSRF token), and the upload form reader.
 */
export function classicKit(device: Device) {
  const deviceName = () => device.settings.deviceName;

  const send = (reply: FastifyReply, body: Html, status = 200) =>
    reply
      .code(status)
      .header('Content-Type', 'text/html; charset=utf-8')
      .headers(SECURITY_HEADERS)
      .send(body.value);

  const redirect = (reply: FastifyReply, location: string) =>
    reply.code(303).header('Location', location).header('Cache-Control', 'no-store').send();

  const doneNotice = (request: FastifyRequest, done: DoneMessages = {}): Notice | null => {
    const key = (request.query as Record<string, unknown>)?.done;
    return typeof key === 'string' && Object.hasOwn(done, key)
      ? { kind: 'success', text: done[key]! }
      : null;
  };

  const render = (ctx: Ctx, options: RenderOptions) =>
    send(
      ctx.reply,
      page({
        title: options.title,
        deviceName: deviceName(),
        csrfToken: ctx.session.csrfToken,
        tab: options.tab,
        ...(options.section !== undefined ? { sections: systemSections(options.section) } : {}),
        notice: options.notice ?? doneNotice(ctx.request, options.done),
        body: options.body,
      }),
      options.status,
    );

  const csrfRefused = (ctx: Ctx) =>
    render(ctx, {
      title: 'Refused',
      tab: 'home',
      notice: { kind: 'error', text: CSRF_MESSAGE },
      body: html`<p><a href="${BASE}/">Back to Home</a></p>`,
      status: deviceErrorCatalog.CSRF_TOKEN_INVALID.status,
    });

  const refuse = (
    refusal: GuardRefusal,
    request: FastifyRequest,
    reply: FastifyReply,
    session: AdminSession | null,
  ) => {
    switch (refusal) {
      case 'login-required':
        return redirect(reply, `${BASE}/login`);
      case 'session-expired':
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return redirect(reply, `${BASE}/login?m=expired`);
      case 'csrf-invalid':
        return csrfRefused({ request, reply, session: session! });
      case 'password-change-required':
        return redirect(reply, `${BASE}/password`);
    }
  };

  const sessionGuard = createSessionGuard(device.accounts, {
    csrfToken: (request) => text(request.body, CSRF_FIELD),
    refuse,
  });

  /** Needs a session; POSTs need the session's CSRF token; the forced change comes first. */
  const guarded = (handler: (ctx: Ctx) => unknown, options: GuardOptions = {}) =>
    sessionGuard((request, reply, session) => handler({ request, reply, session }), options);

  /**
   * Reads a multipart form with one file field "file", streamed to disk. The CSRF token field
   * comes first in the form, so a forged upload is refused before its file is stored. Routes
   * that use it are guarded with `{csrfInForm: true}`.
   */
  const readUploadForm = (
    ctx: Ctx,
    limit: UploadLimit,
  ): Promise<{ fields: Record<string, string>; file: Upload | null }> =>
    readFileForm(device.uploads, ctx.request, {
      field: 'file',
      limit,
      notMultipart: () => new CsrfRefused(),
      verify: (fields) => {
        if (!sameToken(fields[CSRF_FIELD], ctx.session.csrfToken)) throw new CsrfRefused();
      },
    });

  return {
    device,
    deviceName,
    send,
    redirect,
    render,
    csrfRefused,
    guarded,
    readUploadForm,
  };
}

export type ClassicKit = ReturnType<typeof classicKit>;
