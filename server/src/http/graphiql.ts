/**
 * GraphiQL served entirely by Emerald: yoga's GraphiQL bundle (@graphql-yoga/render-graphiql
 * ships it, no CDN) split into a small HTML page, one script and one stylesheet, so the
 * page works on a management network without internet and under a CSP that allows no
 * inline script. Built once, on first use; assets are gzipped and cached by content hash.
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { gzipSync } from 'node:zlib';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { graphiqlExamples } from './graphiqlExamples.ts';

/** Where GraphiQL's script and stylesheet are served. */
export const GRAPHIQL_ASSETS = '/graphql/ide/';

interface Asset {
  body: Buffer;
  gzip: Buffer;
  type: string;
}

interface Built {
  page: Asset;
  assets: Map<string, Asset>;
}

const asset = (text: string, type: string): Asset => {
  const body = Buffer.from(text);
  return { body, gzip: gzipSync(body, { level: 6 }), type };
};

function build(): Built {
  const html = renderGraphiQL({
    title: 'Emerald GraphQL',
    defaultEditorToolsVisibility: true,
    defaultQuery: graphiqlExamples,
    shouldPersistHeaders: false,
    subscriptionsProtocol: 'WS',
  });
  const styleStart = html.indexOf('<style>');
  const styleEnd = html.indexOf('</style>', styleStart);
  const scriptStart = html.indexOf('<script>', styleEnd);
  // An inline script cannot contain a literal "</script>": the first one ends it.
  const scriptEnd = html.indexOf('</script>', scriptStart);
  if (styleStart < 0 || styleEnd < 0 || scriptStart < 0 || scriptEnd < 0) throw new Error('unexpected GraphiQL page layout');
  const css = html.slice(styleStart + '<style>'.length, styleEnd);
  const js = html.slice(scriptStart + '<script>'.length, scriptEnd);
  const name = (text: string, ext: string) => `graphiql-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.${ext}`;
  const cssName = name(css, 'css');
  const jsName = name(js, 'js');
  const page =
    html.slice(0, styleStart) +
    `<link rel="stylesheet" href="${GRAPHIQL_ASSETS}${cssName}" />` +
    html.slice(styleEnd + '</style>'.length, scriptStart) +
    `<script src="${GRAPHIQL_ASSETS}${jsName}"></script>` +
    html.slice(scriptEnd + '</script>'.length);
  return {
    page: asset(page, 'text/html; charset=utf-8'),
    assets: new Map([
      [cssName, asset(css, 'text/css; charset=utf-8')],
      [jsName, asset(js, 'text/javascript; charset=utf-8')],
    ]),
  };
}

let built: Built | undefined;
const graphiql = (): Built => {
  built ??= build();
  return built;
};

function send(req: http.IncomingMessage, res: http.ServerResponse, a: Asset, cache: string): void {
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  res.statusCode = 200;
  res.setHeader('Content-Type', a.type);
  res.setHeader('Cache-Control', cache);
  res.setHeader('Vary', 'Accept-Encoding');
  if (gzip) res.setHeader('Content-Encoding', 'gzip');
  const body = gzip ? a.gzip : a.body;
  res.setHeader('Content-Length', body.length);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** A browser asking for /graphql itself (not a GraphQL request over GET). */
export function wantsGraphiQL(req: http.IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const url = new URL(req.url ?? '/', 'http://x');
  return url.pathname === '/graphql' && !url.searchParams.has('query') && String(req.headers.accept ?? '').includes('text/html');
}

export function serveGraphiQLPage(req: http.IncomingMessage, res: http.ServerResponse): void {
  send(req, res, graphiql().page, 'no-cache');
}

/** Serves a GraphiQL asset; false when the path is not one. */
export function serveGraphiQLAsset(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const pathname = new URL(req.url ?? '/', 'http://x').pathname;
  if (!pathname.startsWith(GRAPHIQL_ASSETS) || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const a = graphiql().assets.get(pathname.slice(GRAPHIQL_ASSETS.length));
  if (!a) return false;
  send(req, res, a, 'public, max-age=31536000, immutable');
  return true;
}

/** What an anonymous visitor sees when GraphiQL is for signed-in users only. */
export function serveGraphiQLSignIn(res: http.ServerResponse): void {
  res.statusCode = 401;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Emerald GraphQL</title></head>' +
      '<body><main><h1>Emerald GraphQL</h1><p>GraphiQL is for signed-in users. <a href="/">Sign in to the monitor</a>, then come back to <a href="/graphql">/graphql</a>.</p>' +
      '<p>Scripts use the API with <code>Authorization: Bearer …</code> (an API key or a session token).</p></main></body></html>',
  );
}
