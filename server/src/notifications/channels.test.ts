/**
 * The channels against real servers on 127.0.0.1: the Telegram Bot API simulator, an SMTP
 * server (smtp-server) and an HTTP receiver. What matters: which failures are retried (and
 * when), which are permanent, and that no secret reaches an error message.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, startWebhookReceiver, type SmtpSink, type WebhookReceiver } from '../../../test/receivers.ts';
import { startTelegramSim, type RunningTelegramSim } from '../../../simulators/telegram/server.ts';
import { DeliveryError, emailSender, sendTelegram, sendWebhook, webhookSignature, withoutSecrets } from './channels.ts';

const TOKEN = '7000000001:AAH-very-secret-token';
const message = {
  subject: '[Emerald] Confirmado: corte de fibra en OLT-Centro 0/3 (61 afectados)',
  text: 'Confirmado: corte de fibra en OLT-Centro 0/3 (61 afectados)\nhttps://emerald.isp.test/incidents/x',
};
let tg: RunningTelegramSim;
let smtp: SmtpSink;
let hook: WebhookReceiver;

beforeAll(async () => {
  tg = await startTelegramSim({ token: TOKEN });
  smtp = await startSmtpSink();
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  await Promise.all([tg.stop(), smtp.stop(), hook.stop()]);
});

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

describe('Telegram', () => {
  it('sends to a chat that started the bot', async () => {
    tg.startChat('42');
    await sendTelegram(tg.apiUrl, TOKEN, '42', message);
    expect(tg.messages('42').map((m) => m.text)).toEqual([message.text]);
  });

  it('waits as long as Telegram says after a 429, and gives up at once on a blocked bot or an unknown chat', async () => {
    const throttled = await failure(sendTelegram(tg.apiUrl, TOKEN, '42', message)); // the second message within a second
    expect(throttled).toMatchObject({ retry: true, retryAfterMs: 1000 });
    expect(throttled.message).toBe('Telegram: Too Many Requests: retry after 1');
    tg.faults.rateLimitSeconds = 17;
    expect(await failure(sendTelegram(tg.apiUrl, TOKEN, '42', message))).toMatchObject({ retry: true, retryAfterMs: 17_000 });
    tg.faults.rateLimitSeconds = null;
    tg.block('42');
    expect(await failure(sendTelegram(tg.apiUrl, TOKEN, '42', message))).toMatchObject({
      retry: false,
      message: 'Telegram 403: Forbidden: bot was blocked by the user',
    });
    tg.block('42', false);
    expect(await failure(sendTelegram(tg.apiUrl, TOKEN, '999', message))).toMatchObject({
      retry: false,
      message: 'Telegram 400: Bad Request: chat not found',
    });
  });

  it('retries a bad gateway and an unreachable API, and never quotes the token', async () => {
    tg.faults.badGatewayNext = 1;
    expect(await failure(sendTelegram(tg.apiUrl, TOKEN, '42', message))).toMatchObject({ retry: true, message: 'Telegram 502: HTTP 502' });
    const wrong = await failure(sendTelegram(tg.apiUrl, `${TOKEN}x`, '42', message));
    expect(wrong).toMatchObject({ retry: false });
    const down = await failure(sendTelegram('http://127.0.0.1:9', TOKEN, '42', message));
    expect(down.retry).toBe(true);
    for (const e of [wrong, down]) expect(e.message).not.toContain(TOKEN.slice(11));
  });
});

describe('e-mail', () => {
  it('sends through an authenticated SMTP server, with the subject and the text', async () => {
    const sender = emailSender(smtp.url, 'Emerald NOC <noc@isp.test>');
    try {
      await sender.send('guardia@isp.test', message);
    } finally {
      sender.close();
    }
    expect(smtp.mails.at(-1)).toMatchObject({ from: 'noc@isp.test', to: ['guardia@isp.test'], subject: message.subject });
    expect(smtp.mails.at(-1)!.text).toContain('https://emerald.isp.test/incidents/x');
  });

  it('retries an SMTP server that is down or refuses the login, and the error never holds the password', async () => {
    await smtp.stop();
    const sender = emailSender(smtp.url, 'noc@isp.test');
    try {
      const down = await failure(sender.send('guardia@isp.test', message));
      expect(down.retry).toBe(true);
      expect(down.message).toMatch(/ECONNREFUSED/);
    } finally {
      sender.close();
      await smtp.restart();
    }
    const badUrl = smtp.url.replace(encodeURIComponent('smtp-pa$$word-9'), 'wrong-password-77');
    const refused = emailSender(badUrl, 'noc@isp.test');
    try {
      const e = await failure(refused.send('guardia@isp.test', message));
      expect(e.message).toMatch(/EAUTH/);
      expect(e.message).not.toContain('wrong-password-77');
    } finally {
      refused.close();
    }
  });
});

describe('webhooks', () => {
  it('signs "<timestamp>.<body>" with the secret', async () => {
    const body = JSON.stringify({ version: 1, event: 'OPENED' });
    await sendWebhook(hook.url, 'shared-secret-0123456789', body, { event: 'OPENED', deliveryId: 7 });
    const call = hook.calls.at(-1)!;
    const ts = call.headers['x-emerald-timestamp'] as string;
    expect(call.body).toBe(body);
    expect(call.headers['x-emerald-signature']).toBe(
      `sha256=${createHmac('sha256', 'shared-secret-0123456789').update(`${ts}.${body}`).digest('hex')}`,
    );
    expect(call.headers['x-emerald-signature']).toBe(webhookSignature('shared-secret-0123456789', ts, body));
    expect(call.headers).toMatchObject({ 'x-emerald-event': 'OPENED', 'x-emerald-delivery': '7', 'content-type': 'application/json' });
  });

  it('retries 5xx, 408 and 429; fails at once on other 4xx', async () => {
    hook.script.push(503, 429, 408, 410, 400);
    const meta = { event: 'OPENED', deliveryId: 8 };
    for (const retry of [true, true, true, false, false]) {
      expect((await failure(sendWebhook(hook.url, 'shared-secret-0123456789', '{}', meta))).retry).toBe(retry);
    }
  });

  it('masks secrets in any text', () => {
    expect(withoutSecrets('GET https://api.telegram.org/bot123:ABC/sendMessage failed', ['123:ABC'])).toBe(
      'GET https://api.telegram.org/bot***/sendMessage failed',
    );
    expect(withoutSecrets('abc', [undefined, ''])).toBe('abc');
  });
});
