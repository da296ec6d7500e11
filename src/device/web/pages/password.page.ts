import { DeviceError } from '../../device.errors.ts';
import { fieldErrorsOf, text, type ClassicPage, type Ctx } from '../classic.kit.ts';
import type { FieldErrors } from '../forms.ts';
import { BASE, page } from '../layout.ts';
import { forcedPasswordBody } from './password.template.ts';

/**
 * The forced change of the factory password: as the vendor's firmware does at the first login
 * with admin / 2n, nothing else opens until a new password is chosen (the session guard sends
 * every other page here).
 */
export const passwordPage: ClassicPage = (app, kit) => {
  const { device, send, redirect, guarded } = kit;
  const { accounts } = device;

  const renderForced = (ctx: Ctx, errors: FieldErrors = {}, status = 200) =>
    send(
      ctx.reply,
      page({
        title: 'Choose a new password',
        deviceName: kit.deviceName(),
        csrfToken: ctx.session.csrfToken,
        body: forcedPasswordBody(ctx.session.csrfToken, errors),
      }),
      status,
    );

  app.get(
    `${BASE}/password`,
    guarded(
      (ctx) =>
        accounts.mustChangePassword
          ? renderForced(ctx)
          : redirect(ctx.reply, `${BASE}/system/users`),
      { beforeChange: true },
    ),
  );

  app.post(
    `${BASE}/password`,
    guarded(
      async (ctx) => {
        const newPassword = text(ctx.request.body, 'newPassword');
        if (newPassword !== text(ctx.request.body, 'confirmPassword')) {
          return renderForced(
            ctx,
            { confirmPassword: 'The two passwords differ; type the same new password twice.' },
            400,
          );
        }
        try {
          await accounts.chooseInitialPassword(newPassword, ctx.session.token);
        } catch (error) {
          if (error instanceof DeviceError)
            return renderForced(ctx, fieldErrorsOf(error, 'newPassword'), 400);
          throw error;
        }
        return redirect(ctx.reply, `${BASE}/?done=password`);
      },
      { beforeChange: true },
    ),
  );
};
