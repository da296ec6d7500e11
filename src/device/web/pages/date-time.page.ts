import { text, type ClassicPage, type Ctx } from '../classic.kit.ts';
import type { FieldErrors } from '../forms.ts';
import { BASE } from '../layout.ts';
import { dateTimeBody } from './date-time.template.ts';

const DONE = { time: 'The device time is set.' };

/** The latest moment the form accepts (2100-01-01 UTC), as the device clock's range. */
const LATEST_MS = 4_102_444_800_000;

/** "YYYY-MM-DD HH:MM[:SS]" in UTC to milliseconds, or NaN. */
function parseUtc(value: string): number {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2})?$/.exec(value);
  return match ? Date.parse(`${match[1]}T${match[2]}${match[3] ?? ':00'}Z`) : NaN;
}

/**
 * System → Date & Time: the device clock, set by hand (the clock the HTTP API's system/time,
 * manual §5.1.5, reports and sets).
 */
export const dateTimePage: ClassicPage = (app, kit) => {
  const { device, guarded, render, redirect } = kit;

  const renderDateTime = (ctx: Ctx, value = '', errors: FieldErrors = {}, status = 200) =>
    render(ctx, {
      title: 'Date & Time',
      tab: 'system',
      section: 'date-time',
      done: DONE,
      body: dateTimeBody(ctx.session.csrfToken, new Date(device.utcTime() * 1000), value, errors),
      status,
    });

  app.get(
    `${BASE}/system/date-time`,
    guarded((ctx) => renderDateTime(ctx)),
  );

  app.post(
    `${BASE}/system/date-time`,
    guarded((ctx) => {
      const value = text(ctx.request.body, 'utcTime').trim();
      const millis = parseUtc(value);
      if (!Number.isFinite(millis) || millis < 0 || millis > LATEST_MS) {
        return renderDateTime(
          ctx,
          value,
          {
            utcTime: 'Write the date and time as YYYY-MM-DD HH:MM:SS (UTC), between 1970 and 2100.',
          },
          400,
        );
      }
      device.setUtcTime(Math.floor(millis / 1000));
      return redirect(ctx.reply, `${BASE}/system/date-time?done=time`);
    }),
  );
};
