import type { Privilege } from '../../config.model.ts';
import { DeviceError } from '../../device.errors.ts';
import { fieldErrorsOf, list, text, type ClassicPage, type Ctx } from '../classic.kit.ts';
import type { FieldErrors } from '../forms.ts';
import { BASE } from '../layout.ts';
import { usersBody } from './users.template.ts';

const DONE = {
  'admin-password': 'The administrator password is changed.',
  'account-saved': 'The HTTP API account is saved.',
  'account-deleted': 'The HTTP API account is deleted.',
};

interface AccountForm {
  username: string;
  enabled: boolean;
  privileges: string[];
}

/**
 * System → Users: the administrator password, and the HTTP API accounts (up to five, each with
 * its privileges, as manual §4 User Accounts describes) through AccountsService, the same rules
 * the admin API and `--api-account` use; and the directory, read-only, with the entries the
 * cloud manages marked (issue 17).
 */
export const usersPage: ClassicPage = (app, kit) => {
  const { device, guarded, render, redirect } = kit;
  const { accounts } = device;

  const renderUsers = (
    ctx: Ctx,
    form: AccountForm = { username: '', enabled: true, privileges: [] },
    errors: FieldErrors = {},
    status = 200,
  ) =>
    render(ctx, {
      title: 'Users',
      tab: 'system',
      section: 'users',
      done: DONE,
      body: usersBody(
        ctx.session.csrfToken,
        accounts.apiAccounts(),
        form,
        errors,
        device.config.current.directory.users,
      ),
      status,
    });

  app.get(
    `${BASE}/system/users`,
    guarded((ctx) => renderUsers(ctx)),
  );

  app.post(
    `${BASE}/system/users/password`,
    guarded(async (ctx) => {
      const body = ctx.request.body;
      const newPassword = text(body, 'newPassword');
      if (newPassword !== text(body, 'confirmPassword')) {
        return renderUsers(
          ctx,
          undefined,
          { confirmPassword: 'The two passwords differ; type the same new password twice.' },
          400,
        );
      }
      try {
        await accounts.changeAdminPassword(
          text(body, 'currentPassword'),
          newPassword,
          ctx.session.token,
        );
      } catch (error) {
        if (error instanceof DeviceError)
          return renderUsers(ctx, undefined, fieldErrorsOf(error, 'newPassword'), 400);
        throw error;
      }
      return redirect(ctx.reply, `${BASE}/system/users?done=admin-password`);
    }),
  );

  app.post(
    `${BASE}/system/users/api-accounts`,
    guarded(async (ctx) => {
      const body = ctx.request.body;
      const form: AccountForm = {
        username: text(body, 'username').trim(),
        enabled: text(body, 'enabled') === 'yes',
        privileges: list(body, 'privileges'),
      };
      const password = text(body, 'password');
      try {
        await accounts.saveApiAccount({
          username: form.username,
          enabled: form.enabled,
          privileges: form.privileges as Privilege[],
          ...(password !== '' ? { password } : {}),
        });
      } catch (error) {
        if (error instanceof DeviceError)
          return renderUsers(ctx, form, fieldErrorsOf(error, 'username'), 400);
        throw error;
      }
      return redirect(ctx.reply, `${BASE}/system/users?done=account-saved`);
    }),
  );

  app.post(
    `${BASE}/system/users/api-accounts/:id/delete`,
    guarded(async (ctx) => {
      try {
        await accounts.deleteApiAccount(Number((ctx.request.params as { id: string }).id));
      } catch (error) {
        if (error instanceof DeviceError)
          return renderUsers(ctx, undefined, fieldErrorsOf(error, 'id'), 400);
        throw error;
      }
      return redirect(ctx.reply, `${BASE}/system/users?done=account-deleted`);
    }),
  );
};
