/** A graphql-ws client for tests: subscribe and collect what arrives. */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Collected<T> {
  messages: { data?: T; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }[];
  done: Promise<void>;
  stop(): void;
}

export function wsClient(
  httpUrl: string,
  token: string | null,
  options: { lazy?: boolean; onClosed?: (code: number) => void } = {},
): Client {
  return createClient({
    url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    lazy: options.lazy ?? true,
    retryAttempts: 0,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    on: { closed: (event) => options.onClosed?.((event as { code: number }).code) },
  });
}

export function collect<T = Record<string, any>>(client: Client, query: string, variables: Record<string, unknown> = {}): Collected<T> {
  const messages: Collected<T>['messages'] = [];
  let stop = (): void => {};
  const done = new Promise<void>((resolve) => {
    stop = client.subscribe<T>(
      { query, variables },
      {
        next: (m) => void messages.push(m as Collected<T>['messages'][number]),
        error: (e) => {
          const list = Array.isArray(e) ? e : [e];
          messages.push({
            errors: list.map((x: { message?: string; reason?: string; code?: number }) => ({
              message: x.message ?? x.reason ?? `closed ${x.code}`,
              extensions: {
                ...((x as { extensions?: Record<string, unknown> }).extensions ?? {}),
                ...(x.code ? { closeCode: x.code } : {}),
              },
            })),
          });
          resolve();
        },
        complete: () => resolve(),
      },
    );
  });
  return { messages, done, stop: () => stop() };
}

export async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Wait until subscriptions are live, by what the server reports rather than a fixed sleep:
 * its WebSocket server counts the `subscriptions` it accepted and the event `streams` open
 * for them (a subscription receives changes once its stream is open).
 */
export async function registered(
  stats: () => { subscriptions: number; streams: number },
  at: { subscriptions: number; streams: number },
): Promise<void> {
  await until(
    `${at.subscriptions} subscriptions with ${at.streams} streams`,
    () => stats().subscriptions >= at.subscriptions && stats().streams >= at.streams,
  );
}
