/**
 * One-box search across everything support staff type: customer name, address, DNI/CUIT,
 * phone, e-mail, customer code, PPPoE username, ONU serial, MAC, IP. Accent- and
 * case-insensitive (emerald_normalize) and fuzzy (pg_trgm), with exact identifier matches
 * ranked first. Hits are grouped per customer; PPP secrets and ONUs that match no
 * connection come back on their own, flagged as not linked. One SQL statement.
 */
import { createHash } from 'node:crypto';
import { digitsOnly, phoneDigits } from '../domain/identifiers.ts';
import { likeEscape, type Queryable } from '../db/sql.ts';

export type SearchHitKind = 'CUSTOMER' | 'PPP_SECRET' | 'ONU';

export interface SearchHit {
  kind: SearchHitKind;
  score: number;
  exact: boolean;
  matchedField: string;
  matchedValue: string;
  customerId: number | null;
  connectionId: number | null;
  secretId: number | null;
  onuId: number | null;
}

export const MIN_QUERY_LENGTH = 2;
/** Longer queries are refused: nothing anyone types into a search box is this long. */
export const MAX_QUERY_LENGTH = 200;
const EXACT = 1000;
/** How many text matches per source are ranked (bounds the work for very common words). */
const RANK_WINDOW = 200;

export class SearchQueryError extends Error {
  override readonly name = 'SearchQueryError';
}

interface Terms {
  text: string;
  words: string[];
  digits: string;
  phone: string;
  compact: string;
  lower: string;
  serial: string;
}

export function searchTerms(query: string): Terms {
  const lower = query.trim().toLowerCase();
  const text = lower
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, ' ');
  return {
    text,
    words: [...new Set(text.split(' ').filter((w) => w.length > 0))].slice(0, 6),
    digits: digitsOnly(query),
    phone: phoneDigits(query),
    compact: lower.replace(/[^0-9a-z]/g, ''),
    lower,
    serial: query
      .trim()
      .toUpperCase()
      .replace(/[^0-9A-Z]/g, ''),
  };
}

/** Search and return up to `first` hits, best first. */
export async function search(db: Queryable, query: string, first: number): Promise<SearchHit[]> {
  if (query.trim().length < MIN_QUERY_LENGTH) {
    throw new SearchQueryError(`Type at least ${MIN_QUERY_LENGTH} characters`);
  }
  if (query.length > MAX_QUERY_LENGTH) throw new SearchQueryError(`Type at most ${MAX_QUERY_LENGTH} characters`);
  const t = searchTerms(query);
  const patterns = t.words.map((w) => `%${likeEscape(w)}%`);
  const digits = t.digits.length >= 4 ? t.digits : '';
  const phone = t.phone.length >= 6 ? t.phone : '';
  // A MAC (or part of one): 6–12 hex digits once separators are removed.
  const compact = /^[0-9a-f]{6,12}$/.test(t.compact) ? t.compact : '';
  // A serial (SN: vendor prefix + 8 hex digits) or a chunk of its hex part.
  const serial = /^[A-Z]{4}[0-9A-F]{0,8}$/.test(t.serial) || (/^[0-9A-F]{4,8}$/.test(t.serial) && /\d/.test(t.serial)) ? t.serial : '';
  // Usernames, e-mails, serials, MACs and IPs are one token: multi-word queries skip those scans.
  const singleToken = t.words.length === 1;
  // Typo tolerance is for names and addresses: words without digits, when nothing matched as typed.
  const fuzzy = !/\d/.test(t.text) && t.words.some((w) => w.length >= 4);
  const perSource = Math.max(first * 2, 20);
  // Typos: every word appears, or is close to a word of the text (pg_trgm word similarity;
  // each condition can use the trigram index). Short words must appear as typed.
  // Conditions are spelled out word by word (not LIKE ALL(array)) so the planner can
  // combine trigram index scans (BitmapAnd/BitmapOr) instead of scanning whole tables.
  const fuzzyWords = (alias: string): string =>
    t.words
      .map((w, i) =>
        w.length >= 4
          ? `(${alias}.search_text LIKE ($2::text[])[${i + 1}] OR ($10::text[])[${i + 1}] <% ${alias}.search_text)`
          : `${alias}.search_text LIKE ($2::text[])[${i + 1}]`,
      )
      .join(' AND ') || 'false';
  const allWords = (alias: string): string =>
    t.words.map((_, i) => `${alias}.search_text LIKE ($2::text[])[${i + 1}]`).join(' AND ') || 'false';

  const text = searchSql(fuzzyWords('c'), allWords);
  // Named statements are planned once per connection (the SQL is large: ~5 ms to plan).
  const name = `emerald_search_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
  const res = await db.query<{
    kind: SearchHitKind;
    score: number;
    exact: boolean;
    field: string;
    value: string;
    customer_id: number | null;
    connection_id: number | null;
    secret_id: number | null;
    onu_id: number | null;
  }>({
    name,
    text,
    values: [
      t.text,
      patterns.length ? patterns : ['%'],
      digits,
      phone,
      compact,
      t.lower,
      serial,
      perSource,
      first,
      t.words,
      fuzzy,
      singleToken,
      // Prefix and substring patterns: the typed text with LIKE's wildcards escaped.
      likeEscape(t.text),
      likeEscape(t.lower),
    ],
  });
  return res.rows.map((r) => ({
    kind: r.kind,
    score: Math.round(r.score * 10) / 10,
    exact: r.exact,
    matchedField: r.field,
    matchedValue: r.value,
    customerId: r.customer_id,
    connectionId: r.connection_id,
    secretId: r.secret_id,
    onuId: r.onu_id,
  }));
}

/** The search statement; its text varies only with the number of words (see the callers' conditions). */
function searchSql(fuzzyWordsC: string, allWords: (alias: string) => string): string {
  const fuzzyWords = (_alias: 'c'): string => fuzzyWordsC;
  return `WITH
     -- Customers whose text holds every word as typed. Ranked cheaply: text starting with
     -- the query, then shorter (more specific) texts, then a DNI/CUIT starting with it.
     exact_c AS MATERIALIZED (
       SELECT c.id, 300 + CASE WHEN c.search_text LIKE $13::text || '%' THEN 50 ELSE 0 END
                        + CASE WHEN $3::text <> '' AND c.doc_number LIKE $3::text || '%' THEN 50 ELSE 0 END
                        - least(length(c.search_text), 200) / 10.0 AS score
       -- Rank at most ${RANK_WINDOW} matches: a common surname matches thousands, and reading them all
       -- costs more than it helps (the user narrows the query instead).
       FROM (SELECT c.id, c.search_text, c.doc_number FROM customers c WHERE c.gone_at IS NULL AND ${allWords('c')} LIMIT ${RANK_WINDOW}) c
       ORDER BY 2 DESC, c.id LIMIT $8::int),
     -- Typos: only when nothing matched as typed (the InitPlan skips this scan otherwise).
     fuzzy_c AS MATERIALIZED (
       SELECT c.id, 200 + 100 * word_similarity($1::text, c.search_text) AS score
       FROM customers c
       WHERE $11::boolean AND NOT EXISTS (SELECT 1 FROM exact_c) AND cardinality($10::text[]) > 0 AND c.gone_at IS NULL AND ${fuzzyWords('c')}
         AND c.id NOT IN (SELECT id FROM exact_c)
       ORDER BY 2 DESC, c.id LIMIT $8::int),
     cand AS (
       -- Customers: identifiers exactly, then name/address/code/doc fuzzily
       (SELECT c.id AS customer_id, NULL::int AS connection_id, NULL::int AS secret_id, NULL::int AS onu_id,
               ${EXACT}::float8 AS score, true AS exact, 'docNumber' AS field, c.doc_number AS value
          FROM customers c WHERE $3::text <> '' AND c.doc_number = $3::text AND c.gone_at IS NULL LIMIT 5)
       UNION ALL
       (SELECT c.id, NULL, NULL, NULL, ${EXACT}, true, 'code', c.code
          FROM customers c WHERE c.code = $6::text AND c.gone_at IS NULL LIMIT 5)
       UNION ALL
       (SELECT c.id, NULL, NULL, NULL, m.score, false,
               CASE WHEN $3::text <> '' AND c.doc_number LIKE '%' || $3::text || '%' THEN 'docNumber'
                    WHEN emerald_normalize(c.name) LIKE ALL ($2::text[]) THEN 'name' ELSE 'address' END,
               CASE WHEN $3::text <> '' AND c.doc_number LIKE '%' || $3::text || '%' THEN c.doc_number
                    WHEN emerald_normalize(c.name) LIKE ALL ($2::text[]) THEN c.name ELSE concat_ws(', ', c.address, c.city) END
          FROM (SELECT * FROM exact_c UNION ALL SELECT * FROM fuzzy_c) m JOIN customers c ON c.id = m.id)
       UNION ALL
       (SELECT ph.customer_id, NULL, NULL, NULL,
               CASE WHEN ph.digits = $4::text THEN ${EXACT - 50} ELSE 300 END, ph.digits = $4::text, 'phone', ph.number
          FROM customer_phones ph WHERE $4::text <> '' AND ph.digits LIKE '%' || $4::text || '%' LIMIT $8::int)
       UNION ALL
       (SELECT e.customer_id, NULL, NULL, NULL,
               CASE WHEN e.email = $6::text THEN ${EXACT - 50} ELSE 200 + 100 * similarity(e.email, $6::text) END, e.email = $6::text, 'email', e.email
          FROM customer_emails e WHERE $12::boolean AND length($6::text) >= 3 AND e.email LIKE '%' || $14::text || '%' LIMIT $8::int)
       UNION ALL
       -- Connections: PPPoE username and IP exactly, else fuzzily
       (SELECT cn.customer_id, cn.id, NULL, NULL, ${EXACT}, true, 'pppoeUsername', cn.pppoe_username
          FROM connections cn WHERE cn.username_key = $6::text AND cn.gone_at IS NULL LIMIT 5)
       UNION ALL
       (SELECT cn.customer_id, cn.id, NULL, NULL, ${EXACT}, true, 'ip', cn.ip_address
          FROM connections cn WHERE cn.ip_address = $6::text AND cn.gone_at IS NULL LIMIT 5)
       UNION ALL
       (SELECT cn.customer_id, cn.id, NULL, NULL, m.score, false,
               CASE WHEN cn.username_key LIKE ALL ($2::text[]) THEN 'pppoeUsername' WHEN cn.ip_address LIKE $14::text || '%' THEN 'ip' ELSE 'address' END,
               CASE WHEN cn.username_key LIKE ALL ($2::text[]) THEN cn.pppoe_username WHEN cn.ip_address LIKE $14::text || '%' THEN cn.ip_address ELSE cn.address END
          FROM (SELECT cn.id, 150 + CASE WHEN cn.search_text LIKE $13::text || '%' THEN 50 ELSE 0 END - least(length(cn.search_text), 200) / 10.0 AS score
                  FROM (SELECT cn.id, cn.search_text FROM connections cn WHERE cn.gone_at IS NULL AND ${allWords('cn')} LIMIT ${RANK_WINDOW}) cn
                 ORDER BY 2 DESC, cn.id LIMIT $8::int) m
          JOIN connections cn ON cn.id = m.id)
       UNION ALL
       -- PPP secrets (linked ones count for their connection; unlinked ones stand alone)
       (SELECT cn.customer_id, s.connection_id, s.id, NULL, m.score,
               lower(s.name) = $6::text OR ($5::text <> '' AND emerald_compact(s.last_caller_id) = $5::text),
               CASE WHEN $5::text <> '' AND emerald_compact(s.last_caller_id) LIKE '%' || $5::text || '%' THEN 'mac' ELSE 'pppoeUsername' END,
               CASE WHEN $5::text <> '' AND emerald_compact(s.last_caller_id) LIKE '%' || $5::text || '%' THEN s.last_caller_id ELSE s.name END
          FROM (SELECT s.id,
                       CASE WHEN lower(s.name) = $6::text THEN ${EXACT - 20}
                            WHEN $5::text <> '' AND s.search_text LIKE '%' || $5::text || '%' THEN ${EXACT - 30}
                            ELSE 140 + CASE WHEN s.search_text LIKE $13::text || '%' THEN 50 ELSE 0 END - least(length(s.search_text), 200) / 10.0 END AS score
                  FROM (SELECT s.id, s.name, s.search_text FROM ppp_secrets s
                         WHERE s.gone_at IS NULL AND (($12::boolean AND ${allWords('s')}) OR ($5::text <> '' AND s.search_text LIKE '%' || $5::text || '%'))
                         LIMIT ${RANK_WINDOW}) s
                 ORDER BY 2 DESC, s.id LIMIT $8::int) m
          JOIN ppp_secrets s ON s.id = m.id LEFT JOIN connections cn ON cn.id = s.connection_id)
       UNION ALL
       -- Live sessions: IP and MAC
       (SELECT cn.customer_id, ss.connection_id, NULL, NULL,
               CASE WHEN ss.address = $6::text OR ($5::text <> '' AND emerald_compact(ss.caller_id) = $5::text) THEN ${EXACT} ELSE 400 END,
               ss.address = $6::text OR ($5::text <> '' AND emerald_compact(ss.caller_id) = $5::text),
               CASE WHEN ss.address LIKE $14::text || '%' THEN 'ip' ELSE 'mac' END,
               CASE WHEN ss.address LIKE $14::text || '%' THEN ss.address ELSE ss.caller_id END
          FROM ppp_sessions ss LEFT JOIN connections cn ON cn.id = ss.connection_id
         WHERE ss.connection_id IS NOT NULL
           AND (ss.address = $6::text
                OR ($6::text ~ '^\\d{1,3}\\.\\d{1,3}\\.[0-9.]*$' AND ss.search_text LIKE '%' || $14::text || '%' AND ss.address LIKE $14::text || '%')
                OR ($5::text <> '' AND ss.search_text LIKE '%' || $5::text || '%' AND emerald_compact(ss.caller_id) LIKE '%' || $5::text || '%'))
         LIMIT $8::int)
       UNION ALL
       -- ONUs: serial exactly or partly; name (= PPPoE username) maps to the connection
       (SELECT cn.customer_id, o.connection_id, NULL, o.id,
               CASE WHEN o.serial = $7::text THEN ${EXACT} WHEN o.name_key = $6::text THEN ${EXACT - 20} ELSE 700 + 100 * similarity(lower(o.serial), lower($7::text)) END,
               o.serial = $7::text OR o.name_key = $6::text,
               CASE WHEN o.name_key = $6::text THEN 'onuName' ELSE 'onuSerial' END,
               CASE WHEN o.name_key = $6::text THEN o.name ELSE o.serial END
          FROM onus o LEFT JOIN connections cn ON cn.id = o.connection_id
         WHERE o.gone_at IS NULL
           AND (o.serial = $7::text OR o.name_key = $6::text
                OR ($7::text <> '' AND o.search_text LIKE '%' || lower($7::text) || '%' AND o.serial LIKE '%' || $7::text || '%'))
         ORDER BY 5 DESC LIMIT $8::int)
     ),
     keyed AS (
       SELECT cand.*,
              CASE WHEN customer_id IS NOT NULL THEN 'c' || customer_id
                   WHEN secret_id IS NOT NULL THEN 's' || secret_id
                   ELSE 'o' || onu_id END AS hit_key
       FROM cand WHERE customer_id IS NOT NULL OR secret_id IS NOT NULL OR onu_id IS NOT NULL
     ),
     best AS (
       SELECT DISTINCT ON (hit_key) * FROM keyed ORDER BY hit_key, score DESC, connection_id NULLS LAST
     )
     SELECT CASE WHEN customer_id IS NOT NULL THEN 'CUSTOMER' WHEN secret_id IS NOT NULL THEN 'PPP_SECRET' ELSE 'ONU' END AS kind,
            score, exact, field, coalesce(value, '') AS value, customer_id, connection_id,
            CASE WHEN customer_id IS NULL THEN secret_id END AS secret_id, CASE WHEN customer_id IS NULL THEN onu_id END AS onu_id
     FROM best ORDER BY score DESC, customer_id NULLS LAST, secret_id, onu_id LIMIT $9`;
}
