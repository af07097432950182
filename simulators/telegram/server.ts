/**
 * A Telegram Bot API simulator: the subset Emerald's notifier uses, with Telegram's
 * answers and faults as documented (core.telegram.org/bots/api):
 *
 *   GET|POST /bot<token>/getMe            the bot
 *   GET|POST /bot<token>/getUpdates       messages people sent the bot (how an admin finds a chat id)
 *   POST     /bot<token>/sendMessage      {chat_id, text, ...} → {ok, result: Message}
 *
 * Errors come as Telegram's own: `{ok: false, error_code, description, parameters?}` with
 * the same HTTP status — 401 for a wrong token, 400 "chat not found" for a chat that never
 * talked to the bot, 400 "message is too long" past 4096 characters, 403 "bot was blocked
 * by the user", 429 "Too Many Requests: retry after N" with `parameters.retry_after` when
 * a chat gets more than one message a second (Telegram's per-chat limit) or when a storm
 * is scripted. Scripted faults (`failNext`) return 502 from the front end, as Telegram's
 * does under load. Every accepted message is kept per chat for tests and the demo.
 */
import { type RunningHttpSim, type SimRequest, type SimResponse, startHttpSim } from '../http/server.ts';

export interface TelegramMessage {
  messageId: number;
  chatId: string;
  text: string;
  date: Date;
}

export interface TelegramFaults {
  /** The next n calls answer 502 Bad Gateway (HTML, as Telegram's front end). */
  badGatewayNext?: number;
  /** Answer 429 with this retry_after (seconds) to every sendMessage until cleared. */
  rateLimitSeconds?: number | null;
  /** Per-chat limit: at most this many messages per second (Telegram: about 1). 0 disables it. */
  perChatPerSecond?: number;
}

export interface RunningTelegramSim extends RunningHttpSim {
  /** The API base to configure (TELEGRAM_API_URL). */
  apiUrl: string;
  token: string;
  /** A person starts a chat with the bot (what makes a chat id valid). */
  startChat(chatId: string, name?: string): void;
  /** The person blocks the bot: sends then fail with 403. */
  block(chatId: string, blocked?: boolean): void;
  messages(chatId?: string): TelegramMessage[];
  /** Resolves when `chatId` has received `count` messages (or rejects after `timeoutMs`). */
  waitForMessages(chatId: string, count: number, timeoutMs?: number): Promise<TelegramMessage[]>;
  faults: Required<TelegramFaults>;
  /** Calls received (any method), for assertions on retries. */
  calls: { method: string; status: number; at: Date }[];
}

const MAX_TEXT = 4096;

function fail(status: number, description: string, parameters?: Record<string, unknown>): SimResponse {
  return { status, body: { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) } };
}

export interface TelegramSimOptions {
  token: string;
  botName?: string;
  host?: string;
  port?: number;
  faults?: TelegramFaults;
  /** Treat every chat id as one that started the bot (the demo: users add any chat id). */
  anyChat?: boolean;
}

export async function startTelegramSim(options: TelegramSimOptions): Promise<RunningTelegramSim> {
  const chats = new Map<string, { name: string; blocked: boolean; sentAt: number[] }>();
  const inbox: TelegramMessage[] = [];
  const updates: { update_id: number; message: Record<string, unknown> }[] = [];
  const waiters = new Set<() => void>();
  const faults: Required<TelegramFaults> = { badGatewayNext: 0, rateLimitSeconds: null, perChatPerSecond: 1, ...options.faults };
  const calls: RunningTelegramSim['calls'] = [];
  let nextMessageId = 1;
  let nextUpdateId = 100_000;
  const botId = 7_000_000_001;
  const username = options.botName ?? 'emerald_noc_bot';

  function handle(req: SimRequest): SimResponse {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.path);
    if (!m) return fail(404, 'Not Found');
    const [, token, method] = m;
    if (faults.badGatewayNext > 0) {
      faults.badGatewayNext--;
      return {
        status: 502,
        body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>',
        headers: { 'content-type': 'text/html' },
      };
    }
    if (token !== options.token) return fail(401, 'Unauthorized');
    const params: Record<string, unknown> = {
      ...Object.fromEntries(req.query),
      ...(req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {}),
    };
    switch (method) {
      case 'getMe':
        return { status: 200, body: { ok: true, result: { id: botId, is_bot: true, first_name: 'Emerald NOC', username } } };
      case 'getUpdates':
        return { status: 200, body: { ok: true, result: updates.slice(-100) } };
      case 'sendMessage': {
        const chatId = params.chat_id === undefined ? '' : String(params.chat_id);
        const text = typeof params.text === 'string' ? params.text : '';
        if (!chatId) return fail(400, 'Bad Request: chat_id is empty');
        if (!text.trim()) return fail(400, 'Bad Request: message text is empty');
        if (text.length > MAX_TEXT) return fail(400, 'Bad Request: message is too long');
        if (options.anyChat && !chats.has(chatId)) chats.set(chatId, { name: 'Demo', blocked: false, sentAt: [] });
        const chat = chats.get(chatId);
        if (!chat) return fail(400, 'Bad Request: chat not found');
        if (chat.blocked) return fail(403, 'Forbidden: bot was blocked by the user');
        if (faults.rateLimitSeconds !== null) {
          return fail(429, `Too Many Requests: retry after ${faults.rateLimitSeconds}`, { retry_after: faults.rateLimitSeconds });
        }
        const now = Date.now();
        chat.sentAt = chat.sentAt.filter((t) => now - t < 1000);
        if (faults.perChatPerSecond > 0 && chat.sentAt.length >= faults.perChatPerSecond) {
          return fail(429, 'Too Many Requests: retry after 1', { retry_after: 1 });
        }
        chat.sentAt.push(now);
        const message: TelegramMessage = { messageId: nextMessageId++, chatId, text, date: new Date(now) };
        inbox.push(message);
        for (const w of waiters) w();
        return {
          status: 200,
          body: {
            ok: true,
            result: {
              message_id: message.messageId,
              from: { id: botId, is_bot: true, first_name: 'Emerald NOC', username },
              chat: { id: Number(chatId) || chatId, type: 'private', first_name: chat.name },
              date: Math.floor(now / 1000),
              text,
            },
          },
        };
      }
      default:
        return fail(404, 'Not Found: method not found');
    }
  }

  const server = await startHttpSim(
    (req) => {
      const out = handle(req);
      calls.push({ method: req.path.split('/').pop() ?? '', status: out.status, at: new Date() });
      return out;
    },
    { ...(options.host ? { host: options.host } : {}), ...(options.port ? { port: options.port } : {}) },
  );

  return {
    ...server,
    apiUrl: server.url,
    token: options.token,
    faults,
    calls,
    startChat(chatId, name = 'NOC') {
      if (!chats.has(chatId)) chats.set(chatId, { name, blocked: false, sentAt: [] });
      updates.push({
        update_id: nextUpdateId++,
        message: {
          message_id: nextMessageId++,
          chat: { id: Number(chatId), type: 'private', first_name: name },
          date: Math.floor(Date.now() / 1000),
          text: '/start',
        },
      });
    },
    block(chatId, blocked = true) {
      const chat = chats.get(chatId);
      if (chat) chat.blocked = blocked;
    },
    messages(chatId) {
      return chatId === undefined ? [...inbox] : inbox.filter((m) => m.chatId === chatId);
    },
    waitForMessages(chatId, count, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const mine = inbox.filter((m) => m.chatId === chatId);
          if (mine.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(mine);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`chat ${chatId}: ${inbox.filter((m) => m.chatId === chatId).length} of ${count} messages after ${timeoutMs} ms`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
