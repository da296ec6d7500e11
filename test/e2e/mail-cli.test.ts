import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { registerAccount } from '../helpers/factories.ts';
import { ApiClient } from '../helpers/http.ts';
import { runLatchkey, tempFolder, spawnServe } from '../helpers/processes.ts';
import { startServeProcess } from '../helpers/cli-rig.ts';
import { linkIn, startTestSmtp } from '../helpers/smtp.ts';
import { waitFor } from '../helpers/wait.ts';

describe('latchkey serve and mail', () => {
  it('documents --smtp, --mail-from, --public-url and LATCHKEY_SMTP_URL in its help', async (t) => {
    const help = await runLatchkey(['serve', '--help'], tempFolder(t, 'latchkey-mail-'));
    assert.equal(help.code, 0);
    for (const word of [
      '--smtp URL',
      '--mail-from',
      '--public-url',
      'LATCHKEY_SMTP_URL',
      'outbox',
    ]) {
      assert.ok(help.stdout.includes(word), word);
    }
  });

  it('refuses a bad --smtp URL, --mail-from or --public-url with exit 2, echoing no password', async (t) => {
    const dir = tempFolder(t, 'latchkey-mail-');
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--smtp', 'http://user:hunter22@mail.example.com'], {}, /must start with smtp:\/\//],
      [['--smtp', 'not a url :hunter22'], {}, /it is not a URL/],
      [[], { LATCHKEY_SMTP_URL: 'smtp://user:hunter22@' }, /LATCHKEY_SMTP_URL/],
      [['--mail-from', 'nobody'], {}, /--mail-from must be an e-mail address/],
      [['--public-url', 'ftp://portal.example.com'], {}, /--public-url must be/],
    ];
    for (const [args, env, message] of cases) {
      const result = await runLatchkey(['serve', '--data', 'data', ...args], dir, env);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.ok(!result.stderr.includes('hunter22'), result.stderr);
    }
    assert.equal(existsSync(join(dir, 'data')), false, 'nothing was started');
  });

  it('says in the startup log that mail goes to the outbox, and writes it there', async (t) => {
    const work = tempFolder(t, 'latchkey-mail-');
    const serve = await startServeProcess(t, work);
    await waitFor('the startup log', () => serve.output().includes('Latchkey cloud on'));
    assert.ok(
      serve.output().includes(`mails are written to ${join(serve.dataDir, 'outbox')}`),
      serve.output(),
    );
    const anna = await registerAccount(serve);
    await new ApiClient(serve.url).post('/api/auth/password-reset', { email: anna.email });
    await waitFor('the mail in the outbox', () => {
      const outbox = join(serve.dataDir, 'outbox');
      return existsSync(outbox) && readdirSync(outbox).length === 1;
    });
  });

  it('sends through LATCHKEY_SMTP_URL and logs the server without its password', async (t) => {
    const smtp = await startTestSmtp(t);
    const work = tempFolder(t, 'latchkey-mail-');
    const serve = await spawnServe(
      ['--host', '127.0.0.1', '--data', join(work, 'data'), '--mail-from', 'ops@latchkey.test'],
      { cwd: work, env: { LATCHKEY_SMTP_URL: smtp.url } },
    );
    t.after(() => serve.stop());
    const anna = await registerAccount(serve);
    await new ApiClient(serve.url).post('/api/auth/password-reset', { email: anna.email });
    const mail = await smtp.waitForMail(anna.email);
    assert.equal(mail.from, 'ops@latchkey.test');
    const link = linkIn(mail, `${serve.url}/reset-password#`);
    assert.ok(serve.output().includes('mail is sent through smtp://latchkey:***@127.0.0.1'));
    assert.ok(!serve.output().includes('smtp-secret'), 'no SMTP password in the log');
    assert.ok(!serve.output().includes(new URL(link).hash.slice(1)), 'no token in the log');
  });
});
