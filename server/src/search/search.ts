/**
 * One-box search across everything support staff type: customer name, address, DNI/CUIT,
 * phone, e-mail, customer code, PPPoE username, ONU serial, MAC, IP. Accent- and
 * case-insensitive (emerald_normalize) and fuzzy (pg_trgm), with exact identifier matches
 * ranked first. Hits are grouped per customer; PPP secrets and ONUs that match no
 * connection come back on their own, flagged as not linked. One SQL statement.
 */
import type { Queryable } from '../mirror/sql.ts';
import { digitsOnly, phoneDigits } from '../domain/identifiers.ts';

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
const EXACT = 1000;

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
  const text = lower.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/\s+/g, ' ');
  return {
    text,
    words: [...new Set(text.split(' ').filter((w) => w.length > 0))].slice(0, 6),
    digits: digitsOnly(query),
    phone: phoneDigits(query),
    compact: lower.replace(/[^0-9a-z]/g, ''),
    lower,
    serial: query.trim().toUpperCase().replace(/[^0-9A-Z]/g, ''),
  };
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Search and return up to `first` hits, best first. */
export async function search(db: Queryable, query: string, first: number): Promise<SearchHit[]> {
  if (query.trim().length < MIN_QUERY_LENGTH) {
    throw new SearchQueryError(`Type at least ${MIN_QUERY_LENGTH} characters`);
  }
  const t = searchTerms(query);
  const patterns = t.words.map((w) => `%${likeEscape(w)}%`);
  const digits = t.digits.length >= 4 ? t.digits : '';
  const phone = t.phone.length >= 6 ? t.phone : '';
  // A MAC (or part of one): 6–12 hex digits once separators are removed.
  const compact = /^[0-9a-f]{6,12}$/.test(t.compact) ? t.compact : '';
  // A serial (or part of one) has digits, or is long like a full serial.
  const serial = t.serial.length >= 4 && (/\d/.test(t.serial) || t.serial.length >= 10) ? t.serial : '';
  const perSource = Math.max(first * 2, 20);
  // Typos: every word appears, or is close to a word of the text (pg_trgm word similarity;
  // each condition can use the trigram index). Short words must appear as typed.
  const fuzzyWords = t.words
    .map((w, i) => (w.length >= 4 ? `(c.search_text LIKE ($2::text[])[${i + 1}] OR ($10::text[])[${i + 1}] <% c.search_text)` : `c.search_text LIKE ($2::text[])[${i + 1}]`))
    .join(' AND ') || 'false';

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
  }>(
    `WITH cand AS (
       -- Customers: identifiers exactly, then name/address/code/doc fuzzily
       (SELECT c.id AS customer_id, NULL::int AS connection_id, NULL::int AS secret_id, NULL::int AS onu_id,
               ${EXACT}::float8 AS score, true AS exact, 'docNumber' AS field, c.doc_number AS value
          FROM customers c WHERE $3::text <> '' AND c.doc_number = $3::text AND c.gone_at IS NULL LIMIT 5)
       UNION ALL
       (SELECT c.id, NULL, NULL, NULL, ${EXACT}, true, 'code', c.code
          FROM customers c WHERE c.code = $6::text AND c.gone_at IS NULL LIMIT 5)
       UNION ALL
       (SELECT c.id, NULL, NULL, NULL,
               200 + 100 * word_similarity($1::text, c.search_text) + CASE WHEN c.search_text LIKE ALL ($2::text[]) THEN 100 ELSE 0 END
                 + CASE WHEN c.doc_number LIKE $3::text || '%' AND $3::text <> '' THEN 50 ELSE 0 END,
               false,
               CASE WHEN $3::text <> '' AND c.doc_number LIKE '%' || $3::text || '%' THEN 'docNumber'
                    WHEN emerald_normalize(c.name) LIKE ALL ($2::text[]) THEN 'name' ELSE 'address' END,
               CASE WHEN $3::text <> '' AND c.doc_number LIKE '%' || $3::text || '%' THEN c.doc_number
                    WHEN emerald_normalize(c.name) LIKE ALL ($2::text[]) THEN c.name ELSE concat_ws(', ', c.address, c.city) END
          FROM customers c
         WHERE c.gone_at IS NULL AND (c.search_text LIKE ALL ($2::text[]) OR $1::text <% c.search_text OR (${fuzzyWords}))
         ORDER BY 5 DESC LIMIT $8::int)
       UNION ALL
       (SELECT ph.customer_id, NULL, NULL, NULL,
               CASE WHEN ph.digits = $4::text THEN ${EXACT - 50} ELSE 300 END, ph.digits = $4::text, 'phone', ph.number
          FROM customer_phones ph WHERE $4::text <> '' AND ph.digits LIKE '%' || $4::text || '%' LIMIT $8::int)
       UNION ALL
       (SELECT e.customer_id, NULL, NULL, NULL,
               CASE WHEN e.email = $6::text THEN ${EXACT - 50} ELSE 200 + 100 * similarity(e.email, $6::text) END, e.email = $6::text, 'email', e.email
          FROM customer_emails e WHERE length($6::text) >= 3 AND e.email LIKE '%' || $6::text || '%' LIMIT $8::int)
       UNION ALL
       -- Connections: PPPoE username and IP exactly, else fuzzily
       (SELECT cn.customer_id, cn.id, NULL, NULL, ${EXACT}, true, 'pppoeUsername', cn.pppoe_username
          FROM connections cn WHERE cn.username_key = $6::text AND cn.gone_at IS NULL LIMIT 5)
       UNION ALL
       (SELECT cn.customer_id, cn.id, NULL, NULL, ${EXACT}, true, 'ip', cn.ip_address
          FROM connections cn WHERE cn.ip_address = $6::text AND cn.gone_at IS NULL LIMIT 5)
       UNION ALL
       (SELECT cn.customer_id, cn.id, NULL, NULL,
               150 + 100 * word_similarity($1::text, cn.search_text), false,
               CASE WHEN cn.username_key LIKE ALL ($2::text[]) THEN 'pppoeUsername' WHEN cn.ip_address LIKE $6::text || '%' THEN 'ip' ELSE 'address' END,
               CASE WHEN cn.username_key LIKE ALL ($2::text[]) THEN cn.pppoe_username WHEN cn.ip_address LIKE $6::text || '%' THEN cn.ip_address ELSE cn.address END
          FROM connections cn
         WHERE cn.gone_at IS NULL AND cn.search_text LIKE ALL ($2::text[])
         ORDER BY 5 DESC LIMIT $8::int)
       UNION ALL
       -- PPP secrets (linked ones count for their connection; unlinked ones stand alone)
       (SELECT cn.customer_id, s.connection_id, s.id, NULL,
               CASE WHEN lower(s.name) = $6::text THEN ${EXACT - 20}
                    WHEN $5::text <> '' AND emerald_compact(s.last_caller_id) = $5::text THEN ${EXACT - 30}
                    ELSE 140 + 100 * word_similarity($1::text, s.search_text) END,
               lower(s.name) = $6::text OR ($5::text <> '' AND emerald_compact(s.last_caller_id) = $5::text),
               CASE WHEN $5::text <> '' AND emerald_compact(s.last_caller_id) LIKE '%' || $5::text || '%' THEN 'mac' ELSE 'pppoeUsername' END,
               CASE WHEN $5::text <> '' AND emerald_compact(s.last_caller_id) LIKE '%' || $5::text || '%' THEN s.last_caller_id ELSE s.name END
          FROM ppp_secrets s LEFT JOIN connections cn ON cn.id = s.connection_id
         WHERE s.gone_at IS NULL AND (s.search_text LIKE ALL ($2::text[])
                OR ($5::text <> '' AND s.search_text LIKE '%' || $5::text || '%' AND emerald_compact(s.last_caller_id) LIKE '%' || $5::text || '%'))
         ORDER BY 5 DESC LIMIT $8::int)
       UNION ALL
       -- Live sessions: IP and MAC
       (SELECT cn.customer_id, ss.connection_id, NULL, NULL,
               CASE WHEN ss.address = $6::text OR ($5::text <> '' AND emerald_compact(ss.caller_id) = $5::text) THEN ${EXACT} ELSE 400 END,
               ss.address = $6::text OR ($5::text <> '' AND emerald_compact(ss.caller_id) = $5::text),
               CASE WHEN ss.address LIKE $6::text || '%' THEN 'ip' ELSE 'mac' END,
               CASE WHEN ss.address LIKE $6::text || '%' THEN ss.address ELSE ss.caller_id END
          FROM ppp_sessions ss LEFT JOIN connections cn ON cn.id = ss.connection_id
         WHERE ss.connection_id IS NOT NULL
           AND (ss.address = $6::text OR ($6::text ~ '^[0-9.]{6,15}$' AND ss.address LIKE $6::text || '%')
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
     FROM best ORDER BY score DESC, customer_id NULLS LAST, secret_id, onu_id LIMIT $9`,
    [t.text, patterns.length ? patterns : ['%'], digits, phone, compact, t.lower, serial, perSource, first, t.words],
  );
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
