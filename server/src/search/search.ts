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
    `WITH params AS (SELECT $1::text AS q, $2::text[] AS pats, $3::text AS digits, $4::text AS phone, $5::text AS compact,
                            $6::text AS lower, $7::text AS serial, $8::int AS lim),
     cand AS (
       -- Customers: identifiers exactly, then name/address/code/doc fuzzily
       (SELECT c.id AS customer_id, NULL::int AS connection_id, NULL::int AS secret_id, NULL::int AS onu_id,
               ${EXACT}::float8 AS score, true AS exact, 'docNumber' AS field, c.doc_number AS value
          FROM customers c, params p WHERE p.digits <> '' AND c.doc_number = p.digits AND c.gone_at IS NULL LIMIT 5)
       UNION ALL
       (SELECT c.id, NULL, NULL, NULL, ${EXACT}, true, 'code', c.code
          FROM customers c, params p WHERE c.code = p.lower AND c.gone_at IS NULL LIMIT 5)
       UNION ALL
       (SELECT c.id, NULL, NULL, NULL,
               200 + 100 * word_similarity(p.q, c.search_text) + CASE WHEN c.search_text LIKE ALL (p.pats) THEN 100 ELSE 0 END
                 + CASE WHEN c.doc_number LIKE p.digits || '%' AND p.digits <> '' THEN 50 ELSE 0 END,
               false,
               CASE WHEN p.digits <> '' AND c.doc_number LIKE '%' || p.digits || '%' THEN 'docNumber'
                    WHEN emerald_normalize(c.name) LIKE ALL (p.pats) THEN 'name' ELSE 'address' END,
               CASE WHEN p.digits <> '' AND c.doc_number LIKE '%' || p.digits || '%' THEN c.doc_number
                    WHEN emerald_normalize(c.name) LIKE ALL (p.pats) THEN c.name ELSE concat_ws(', ', c.address, c.city) END
          FROM customers c, params p
         WHERE c.gone_at IS NULL AND (c.search_text LIKE ALL (p.pats) OR p.q <% c.search_text)
         ORDER BY 5 DESC LIMIT (SELECT lim FROM params))
       UNION ALL
       (SELECT ph.customer_id, NULL, NULL, NULL,
               CASE WHEN ph.digits = p.phone THEN ${EXACT - 50} ELSE 300 END, ph.digits = p.phone, 'phone', ph.number
          FROM customer_phones ph, params p WHERE p.phone <> '' AND ph.digits LIKE '%' || p.phone || '%' LIMIT (SELECT lim FROM params))
       UNION ALL
       (SELECT e.customer_id, NULL, NULL, NULL,
               CASE WHEN e.email = p.lower THEN ${EXACT - 50} ELSE 200 + 100 * similarity(e.email, p.lower) END, e.email = p.lower, 'email', e.email
          FROM customer_emails e, params p WHERE length(p.lower) >= 3 AND e.email LIKE '%' || p.lower || '%' LIMIT (SELECT lim FROM params))
       UNION ALL
       -- Connections: PPPoE username and IP exactly, else fuzzily
       (SELECT cn.customer_id, cn.id, NULL, NULL, ${EXACT}, true, 'pppoeUsername', cn.pppoe_username
          FROM connections cn, params p WHERE cn.username_key = p.lower AND cn.gone_at IS NULL LIMIT 5)
       UNION ALL
       (SELECT cn.customer_id, cn.id, NULL, NULL, ${EXACT}, true, 'ip', cn.ip_address
          FROM connections cn, params p WHERE cn.ip_address = p.lower AND cn.gone_at IS NULL LIMIT 5)
       UNION ALL
       (SELECT cn.customer_id, cn.id, NULL, NULL,
               150 + 100 * word_similarity(p.q, cn.search_text), false,
               CASE WHEN cn.username_key LIKE ALL (p.pats) THEN 'pppoeUsername' WHEN cn.ip_address LIKE p.lower || '%' THEN 'ip' ELSE 'address' END,
               CASE WHEN cn.username_key LIKE ALL (p.pats) THEN cn.pppoe_username WHEN cn.ip_address LIKE p.lower || '%' THEN cn.ip_address ELSE cn.address END
          FROM connections cn, params p
         WHERE cn.gone_at IS NULL AND cn.search_text LIKE ALL (p.pats)
         ORDER BY 5 DESC LIMIT (SELECT lim FROM params))
       UNION ALL
       -- PPP secrets (linked ones count for their connection; unlinked ones stand alone)
       (SELECT cn.customer_id, s.connection_id, s.id, NULL,
               CASE WHEN lower(s.name) = p.lower THEN ${EXACT - 20}
                    WHEN p.compact <> '' AND emerald_compact(s.last_caller_id) = p.compact THEN ${EXACT - 30}
                    ELSE 140 + 100 * word_similarity(p.q, s.search_text) END,
               lower(s.name) = p.lower OR (p.compact <> '' AND emerald_compact(s.last_caller_id) = p.compact),
               CASE WHEN p.compact <> '' AND emerald_compact(s.last_caller_id) LIKE '%' || p.compact || '%' THEN 'mac' ELSE 'pppoeUsername' END,
               CASE WHEN p.compact <> '' AND emerald_compact(s.last_caller_id) LIKE '%' || p.compact || '%' THEN s.last_caller_id ELSE s.name END
          FROM ppp_secrets s LEFT JOIN connections cn ON cn.id = s.connection_id, params p
         WHERE s.gone_at IS NULL AND (s.search_text LIKE ALL (p.pats)
                OR (p.compact <> '' AND s.search_text LIKE '%' || p.compact || '%' AND emerald_compact(s.last_caller_id) LIKE '%' || p.compact || '%'))
         ORDER BY 5 DESC LIMIT (SELECT lim FROM params))
       UNION ALL
       -- Live sessions: IP and MAC
       (SELECT cn.customer_id, ss.connection_id, NULL, NULL,
               CASE WHEN ss.address = p.lower OR (p.compact <> '' AND emerald_compact(ss.caller_id) = p.compact) THEN ${EXACT} ELSE 400 END,
               ss.address = p.lower OR (p.compact <> '' AND emerald_compact(ss.caller_id) = p.compact),
               CASE WHEN ss.address LIKE p.lower || '%' THEN 'ip' ELSE 'mac' END,
               CASE WHEN ss.address LIKE p.lower || '%' THEN ss.address ELSE ss.caller_id END
          FROM ppp_sessions ss LEFT JOIN connections cn ON cn.id = ss.connection_id, params p
         WHERE ss.connection_id IS NOT NULL
           AND (ss.address = p.lower OR (p.lower ~ '^[0-9.]{6,15}$' AND ss.address LIKE p.lower || '%')
                OR (p.compact <> '' AND ss.search_text LIKE '%' || p.compact || '%' AND emerald_compact(ss.caller_id) LIKE '%' || p.compact || '%'))
         LIMIT (SELECT lim FROM params))
       UNION ALL
       -- ONUs: serial exactly or partly; name (= PPPoE username) maps to the connection
       (SELECT cn.customer_id, o.connection_id, NULL, o.id,
               CASE WHEN o.serial = p.serial THEN ${EXACT} WHEN o.name_key = p.lower THEN ${EXACT - 20} ELSE 700 + 100 * similarity(lower(o.serial), lower(p.serial)) END,
               o.serial = p.serial OR o.name_key = p.lower,
               CASE WHEN o.name_key = p.lower THEN 'onuName' ELSE 'onuSerial' END,
               CASE WHEN o.name_key = p.lower THEN o.name ELSE o.serial END
          FROM onus o LEFT JOIN connections cn ON cn.id = o.connection_id, params p
         WHERE o.gone_at IS NULL
           AND (o.serial = p.serial OR o.name_key = p.lower
                OR (p.serial <> '' AND o.search_text LIKE '%' || lower(p.serial) || '%' AND o.serial LIKE '%' || p.serial || '%'))
         ORDER BY 5 DESC LIMIT (SELECT lim FROM params))
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
    [t.text, patterns.length ? patterns : ['%'], digits, phone, compact, t.lower, serial, perSource, first],
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
