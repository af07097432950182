/**
 * The three ways a message leaves Emerald: e-mail over SMTP (nodemailer), Telegram (the Bot
 * HTTP API), and webhooks (JSON signed with HMAC-SHA256). Each send either succeeds or
 * throws a DeliveryError that says whether to try again (and when). Channel secrets — the
 * SMTP password, the bot token, webhook secrets — never appear in an error message: the
 * reasons are rewritten without them.
 */
import { createHmac } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Message } from './messages.ts';

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    /** False: trying again will not help (a blocked bot, a rejected address, a 4xx webhook). */
    readonly retry: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

/** `text` with any of `secrets` masked (an error from a library may quote a URL with a token). */
export function withoutSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***');
  return out;
}

const TIMEOUT_MS = 15_000;

export interface EmailSender {
  send(to: string, message: Message): Promise<void>;
  close(): void;
}

/** SMTP through nodemailer (`smtp://user:pass@host:587`, `smtps://…:465`). */
export function emailSender(smtpUrl: string, from: string): EmailSender {
  const url = new URL(smtpUrl);
  const secrets = [decodeURIComponent(url.password), url.password];
  let transport: Transporter | null = null;
  return {
    async send(to, message) {
      transport ??= nodemailer.createTransport({
        host: url.hostname,
        port: Number(url.port) || (url.protocol === 'smtps:' ? 465 : 587),
        secure: url.protocol === 'smtps:',
        ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
        // Local relays and test servers speak plain SMTP; STARTTLS is used whenever offered.
        ignoreTLS: url.searchParams.get('tls') === 'off',
        connectionTimeout: TIMEOUT_MS,
        greetingTimeout: TIMEOUT_MS,
        socketTimeout: TIMEOUT_MS,
      });
      try {
        await transport.sendMail({ from, to, subject: message.subject, text: message.text });
      } catch (error) {
        const e = error as { responseCode?: number; code?: string; message?: string };
        // 5xx on the recipient: the server will never take it. Connection trouble, 4xx: later.
        const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.code === 'EENVELOPE';
        throw new DeliveryError(withoutSecrets(`SMTP: ${e.code ?? ''} ${e.message ?? String(error)}`.trim(), secrets), !permanent);
      }
    },
    close() {
      transport?.close();
      transport = null;
    },
  };
}

/** Telegram's Bot API `sendMessage`. */
export async function sendTelegram(apiUrl: string, token: string, chatId: string, message: Message): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${apiUrl.replace(/\/+$/, '')}/bot${token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: chatId, text: message.text, disable_web_page_preview: true }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new DeliveryError(withoutSecrets(`Telegram unreachable: ${(error as Error).message}`, [token]), true);
  }
  const body = (await res.json().catch(() => null)) as {
    ok?: boolean;
    error_code?: number;
    description?: string;
    parameters?: { retry_after?: number };
  } | null;
  if (res.ok && body?.ok) return;
  const code = body?.error_code ?? res.status;
  const description = withoutSecrets(body?.description ?? `HTTP ${res.status}`, [token]);
  if (code === 429) {
    const after = Math.max(1, body?.parameters?.retry_after ?? Number(res.headers.get('retry-after') ?? 5));
    throw new DeliveryError(`Telegram: ${description}`, true, after * 1000);
  }
  // 400 chat not found, 403 bot blocked or never started by the user, 401 bad token: a person must act.
  if (code === 400 || code === 401 || code === 403) throw new DeliveryError(`Telegram ${code}: ${description}`, false);
  throw new DeliveryError(`Telegram ${code}: ${description}`, true);
}

/** The signature header of a webhook body: `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** POST a signed JSON body; 2xx is delivered, other 4xx (but 408/429) will never be. */
export async function sendWebhook(url: string, secret: string, body: string, meta: { event: string; deliveryId: number }): Promise<void> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Emerald-Webhook/1',
        'x-emerald-event': meta.event,
        'x-emerald-delivery': String(meta.deliveryId),
        'x-emerald-timestamp': timestamp,
        'x-emerald-signature': webhookSignature(secret, timestamp, body),
      },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new DeliveryError(withoutSecrets(`webhook unreachable: ${(error as Error).message}`, [secret]), true);
  }
  await res.body?.cancel().catch(() => {});
  if (res.ok) return;
  const retry = res.status >= 500 || res.status === 408 || res.status === 429;
  const after = res.status === 429 ? Number(res.headers.get('retry-after') ?? 0) * 1000 || null : null;
  throw new DeliveryError(`webhook answered HTTP ${res.status}`, retry, after);
}
