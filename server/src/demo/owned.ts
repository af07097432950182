/** Emerald-owned demo data: users (one per role), teams, catalogues, tickets and work orders. */
import { Random } from '../../../simulators/world/random.ts';
import { hashPassword } from '../auth/password.ts';
import type { Queryable } from '../db/sql.ts';
import { isTicketOpen } from '../domain/workflow.ts';
import { atLocalTime } from '../domain/zonedTime.ts';

let demoHash: Promise<string> | undefined;
/** The demo password's hash, computed once per process (scrypt at full cost takes a while). */
function demoPasswordHash(): Promise<string> {
  demoHash ??= hashPassword(DEMO_PASSWORD);
  return demoHash;
}

/** Demo sign-ins, printed by `npm start` in demo mode and listed in the README. */
export const DEMO_PASSWORD = 'emerald-demo';
export const DEMO_USERS = [
  { username: 'admin', name: 'Ana Administradora', role: 'ADMIN', team: null },
  { username: 'noc', name: 'Nicolás Operador NOC', role: 'NOC', team: null },
  { username: 'soporte', name: 'Sofía Soporte', role: 'SUPPORT', team: null },
  { username: 'tecnico', name: 'Tomás Técnico', role: 'TECHNICIAN', team: 'Cuadrilla Norte' },
  { username: 'tecnico2', name: 'Teresa Técnica', role: 'TECHNICIAN', team: 'Cuadrilla Sur' },
] as const;

/** The demo's categories: the default catalogue the migrations install (reference_data_admin). */
const CATEGORIES: { name: string; type: string; reasons: string[] }[] = [
  { name: 'Sin servicio', type: 'TECHNICAL', reasons: ['LOS en ONU', 'ONU sin energía', 'PPPoE no conecta', 'Corte masivo'] },
  { name: 'Servicio lento', type: 'TECHNICAL', reasons: ['Señal óptica baja', 'Wi-Fi del cliente', 'Microcortes'] },
  { name: 'Instalación', type: 'INSTALLATION', reasons: ['Alta nueva', 'Cambio de equipo'] },
  { name: 'Mudanza', type: 'RELOCATION', reasons: ['Cambio de domicilio'] },
  { name: 'Baja', type: 'WITHDRAWAL', reasons: ['Baja voluntaria', 'Retiro de equipos'] },
  { name: 'Administrativo', type: 'ADMINISTRATIVE', reasons: ['Facturación', 'Cambio de plan', 'Deuda'] },
];

const TAGS = ['reiterado', 'vip', 'corte-masivo', 'señal-baja', 'empresa', 'urgente'];

const MATERIALS = [
  { code: 'DROP-1F', name: 'Cable drop 1 fibra', unit: 'm' },
  { code: 'CONN-SCAPC', name: 'Conector rápido SC/APC', unit: 'u' },
  { code: 'PATCH-SCAPC', name: 'Patch cord SC/APC 3 m', unit: 'u' },
  { code: 'ROSETA', name: 'Roseta óptica', unit: 'u' },
  { code: 'ONU-HG8145', name: 'ONU Huawei HG8145V5', unit: 'u' },
  { code: 'ONU-F670L', name: 'ONU ZTE F670L', unit: 'u' },
  { code: 'GRAMPA', name: 'Grampa de retención', unit: 'u' },
];

const SUBJECTS: Record<string, string[]> = {
  'Sin servicio': [
    'Cliente sin internet desde la mañana',
    'No navega, luz roja en el equipo',
    'Sin conexión desde ayer',
    'Se cortó el servicio',
  ],
  'Servicio lento': ['Internet muy lento a la noche', 'Se corta el Wi-Fi', 'No llega a la velocidad contratada'],
  Instalación: ['Instalación de fibra nueva', 'Cambio de ONU por falla'],
  Mudanza: ['Mudanza a nuevo domicilio'],
  Baja: ['Solicita la baja del servicio', 'Retiro de equipos por baja'],
  Administrativo: ['Consulta por factura', 'Quiere cambiar de plan', 'Reclamo por cobro duplicado'],
};

const NOTES = [
  'Se llamó al cliente, confirma que reinició el equipo y sigue igual.',
  'Cliente indica que la luz LOS está en rojo.',
  'Se verificó la señal desde el NOC.',
  'Cliente no atiende, se deja mensaje por WhatsApp.',
  'Se coordina visita con el cliente.',
  'Cliente confirma que ya funciona correctamente.',
];

export interface OwnedSeedSummary {
  users: number;
  tickets: number;
  workOrders: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export async function seedOwnedData(db: Queryable, options: { seed: number; now: Date }): Promise<OwnedSeedSummary> {
  const rng = new Random(options.seed).fork('owned');
  const t = options.now.getTime();

  const teams = new Map<string, number>();
  for (const name of ['Cuadrilla Norte', 'Cuadrilla Sur', 'Cuadrilla Infraestructura']) {
    const res = await db.query<{ id: number }>('INSERT INTO teams (name) VALUES ($1) RETURNING id', [name]);
    teams.set(name, res.rows[0]!.id);
  }

  const passwordHash = await demoPasswordHash();
  const users = new Map<string, number>();
  for (const u of DEMO_USERS) {
    const res = await db.query<{ id: number }>(
      `INSERT INTO users (username, name, email, role, team_id, password_hash, updated_at) VALUES ($1, $2, $3, $4, $5, $6, now()) RETURNING id`,
      [u.username, u.name, `${u.username}@emerald.demo`, u.role, u.team ? teams.get(u.team) : null, passwordHash],
    );
    users.set(u.username, res.rows[0]!.id);
  }

  const categoryIds = new Map<string, { id: number; type: string; reasons: number[] }>();
  for (const c of CATEGORIES) {
    // The migrations already hold these (the default catalogue): reuse them.
    const res = await db.query<{ id: number }>(
      'INSERT INTO ticket_categories (name, type) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id',
      [c.name, c.type],
    );
    const id = res.rows[0]!.id;
    const reasons: number[] = [];
    for (const r of c.reasons) {
      reasons.push(
        (
          await db.query<{ id: number }>(
            `INSERT INTO ticket_reasons (category_id, name) VALUES ($1, $2)
             ON CONFLICT (category_id, name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
            [id, r],
          )
        ).rows[0]!.id,
      );
    }
    categoryIds.set(c.name, { id, type: c.type, reasons });
  }
  const tagIds: number[] = [];
  for (const name of TAGS)
    tagIds.push((await db.query<{ id: number }>('INSERT INTO tags (name) VALUES ($1) RETURNING id', [name])).rows[0]!.id);
  const materialIds: number[] = [];
  for (const m of MATERIALS) {
    materialIds.push(
      (
        await db.query<{ id: number }>('INSERT INTO materials (code, name, unit) VALUES ($1, $2, $3) RETURNING id', [
          m.code,
          m.name,
          m.unit,
        ])
      ).rows[0]!.id,
    );
  }

  // Tickets on a deterministic sample of connections (ordered by external id).
  const connections = (
    await db.query<{ id: number; customer_id: number; rx_power: number | null; status: string | null }>(
      `SELECT c.id, c.customer_id, o.rx_power, o.status::text
       FROM connections c LEFT JOIN onus o ON o.connection_id = c.id
       WHERE c.gone_at IS NULL ORDER BY c.external_id::bigint`,
    )
  ).rows;
  const ticketCount = Math.min(3000, Math.max(6, Math.round(connections.length * 0.02)));
  const support = users.get('soporte')!;
  const noc = users.get('noc')!;
  const technicians = [users.get('tecnico')!, users.get('tecnico2')!];
  const techTeams = [teams.get('Cuadrilla Norte')!, teams.get('Cuadrilla Sur')!];
  let tickets = 0;
  let workOrders = 0;
  const today = new Date(t);
  today.setUTCHours(12, 0, 0, 0); // 09:00 in Argentina

  for (let i = 0; i < ticketCount; i++) {
    const conn = connections[Math.floor((i * connections.length) / ticketCount + rng.int(0, 3)) % connections.length]!;
    const categoryName = rng.weighted([
      ['Sin servicio', 40],
      ['Servicio lento', 25],
      ['Instalación', 8],
      ['Mudanza', 4],
      ['Baja', 5],
      ['Administrativo', 18],
    ] as const);
    const category = categoryIds.get(categoryName)!;
    const createdAt = new Date(t - rng.int(10, 60 * 24 * 30) * MINUTE);
    const ageDays = (t - createdAt.getTime()) / DAY;
    const status =
      ageDays > 7
        ? rng.weighted([
            ['CLOSED', 60],
            ['RESOLVED', 25],
            ['CANCELLED', 10],
            ['PENDING', 5],
          ] as const)
        : rng.weighted([
            ['OPEN', 35],
            ['IN_PROGRESS', 30],
            ['PENDING', 10],
            ['WAITING_INTERNAL', 5],
            ['RESOLVED', 20],
          ] as const);
    const priority =
      categoryName === 'Sin servicio'
        ? rng.weighted([
            ['HIGH', 60],
            ['CRITICAL', 10],
            ['MEDIUM', 30],
          ] as const)
        : rng.weighted([
            ['LOW', 30],
            ['MEDIUM', 60],
            ['HIGH', 10],
          ] as const);
    const assignee = status === 'OPEN' && rng.chance(0.5) ? null : rng.chance(0.7) ? support : noc;
    const subject = rng.pick(SUBJECTS[categoryName]!);
    const resolvedAt = ['RESOLVED', 'CLOSED'].includes(status) ? new Date(createdAt.getTime() + rng.int(30, 60 * 48) * MINUTE) : null;
    const res = await db.query<{ id: number }>(
      `INSERT INTO tickets (subject, description, type, status, priority, category_id, reason_id, customer_id, connection_id,
                            creator_id, assignee_id, created_at, updated_at, resolved_at, closed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14) RETURNING id`,
      [
        subject,
        `${subject}. Reportado por teléfono.`,
        category.type,
        status,
        priority,
        category.id,
        rng.pick(category.reasons),
        conn.customer_id,
        conn.id,
        rng.chance(0.8) ? support : noc,
        assignee,
        createdAt,
        resolvedAt,
        status === 'CLOSED' && resolvedAt ? new Date(resolvedAt.getTime() + DAY) : null,
      ],
    );
    const ticketId = res.rows[0]!.id;
    tickets++;
    const events: [string, number | null, string, unknown, Date][] = [['CREATED', support, '', null, createdAt]];
    if (categoryName !== 'Administrativo' && conn.rx_power !== null) {
      events.push([
        'SYSTEM_EVIDENCE',
        null,
        `Señal ONU ${conn.rx_power.toFixed(2)} dBm (${conn.status ?? 'UNKNOWN'})`,
        { evidence: [{ check: 'onu_signal', value: conn.rx_power, unit: 'dBm', source: 'SMARTOLT' }] },
        new Date(createdAt.getTime() + MINUTE),
      ]);
    }
    for (let n = 0; n < rng.int(0, 2); n++) {
      events.push(['NOTE', rng.chance(0.7) ? support : noc, rng.pick(NOTES), null, new Date(createdAt.getTime() + (n + 2) * 17 * MINUTE)]);
    }
    if (status !== 'OPEN') {
      events.push([
        'STATUS_CHANGE',
        assignee ?? support,
        '',
        { from: 'OPEN', to: status },
        resolvedAt ?? new Date(createdAt.getTime() + 40 * MINUTE),
      ]);
    }
    for (const [kind, author, body, data, at] of events) {
      await db.query('INSERT INTO ticket_events (ticket_id, kind, author_id, body, data, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        ticketId,
        kind,
        author,
        body,
        data === null ? null : JSON.stringify(data),
        at,
      ]);
    }
    if (rng.chance(0.25)) {
      await db.query('INSERT INTO ticket_tags (ticket_id, tag_id) VALUES ($1, $2)', [ticketId, rng.pick(tagIds)]);
    }

    // Field visits for technical and installation tickets.
    const needsVisit = ['TECHNICAL', 'INSTALLATION', 'RELOCATION', 'WITHDRAWAL'].includes(category.type) && rng.chance(0.45);
    if (needsVisit && status !== 'CANCELLED') {
      const k = workOrders % 2;
      const type = category.type === 'INSTALLATION' ? 'INSTALL' : category.type === 'WITHDRAWAL' ? 'PICKUP' : 'REPAIR';
      const open = isTicketOpen(status);
      // Open tickets: some visits today (the technicians' day), some unplanned, some later this week.
      const plan = open
        ? rng.weighted([
            ['today', 45],
            ['unplanned', 25],
            ['later', 30],
          ] as const)
        : 'done';
      const scheduledStart =
        plan === 'today'
          ? new Date(today.getTime() + rng.int(0, 7) * HOUR)
          : plan === 'later'
            ? new Date(today.getTime() + rng.int(1, 5) * DAY + rng.int(0, 7) * HOUR)
            : plan === 'done'
              ? new Date(createdAt.getTime() + rng.int(2, 48) * HOUR)
              : null;
      const woStatus = plan === 'done' ? (rng.chance(0.9) ? 'COMPLETED' : 'FAILED') : scheduledStart ? 'SCHEDULED' : 'PENDING_PLANNING';
      const completed = woStatus === 'COMPLETED';
      const wo = await db.query<{ id: number }>(
        `INSERT INTO work_orders (ticket_id, type, status, team_id, technician_id, scheduled_start, duration_minutes, notes,
                                  started_at, completed_at, failed_at, failure_reason, resolution_type, resolution_notes,
                                  measured_rx_power, created_by_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) RETURNING id`,
        [
          ticketId,
          type,
          woStatus,
          scheduledStart ? techTeams[k] : null,
          scheduledStart ? technicians[k] : null,
          scheduledStart,
          scheduledStart ? rng.pick([60, 90, 120]) : null,
          'Llevar ONU de repuesto y conectores.',
          woStatus === 'COMPLETED' || woStatus === 'FAILED' ? scheduledStart : null,
          completed && scheduledStart ? new Date(scheduledStart.getTime() + 75 * MINUTE) : null,
          woStatus === 'FAILED' && scheduledStart ? new Date(scheduledStart.getTime() + 30 * MINUTE) : null,
          woStatus === 'FAILED' ? 'Cliente ausente' : null,
          completed ? rng.pick(['CONNECTOR_CLEANED', 'FIBRE_REPAIRED', 'ONU_REPLACED', 'INSTALLED', 'NO_FAULT_FOUND']) : null,
          completed ? 'Se limpió conector y se midió potencia.' : null,
          completed ? Math.round(rng.float(-23, -17) * 100) / 100 : null,
          support,
          new Date(createdAt.getTime() + 20 * MINUTE),
        ],
      );
      if (completed) {
        await db.query('INSERT INTO work_order_materials (work_order_id, material_id, quantity) VALUES ($1, $2, $3), ($1, $4, $5)', [
          wo.rows[0]!.id,
          materialIds[1],
          2,
          materialIds[0],
          rng.int(0, 3) * 25,
        ]);
      }
      workOrders++;
    }
  }
  await seedDemoStock(db, rng, { technicians, teams: techTeams, support, materialIds });
  return { users: users.size, tickets, workOrders };
}

/**
 * Demo stock: a central warehouse and one van per technician, stocked the way a real
 * ISP would (receipts into the warehouse, transfers to the vans, each a recorded move),
 * with ONUs by serial and low-stock thresholds — one van already short of patch cords.
 */
async function seedDemoStock(
  db: Queryable,
  rng: Random,
  who: { technicians: number[]; teams: number[]; support: number; materialIds: number[] },
): Promise<void> {
  const codes = MATERIALS.map((m) => m.code);
  const id = (code: string) => who.materialIds[codes.indexOf(code)]!;
  await db.query(`UPDATE materials SET serial_kind = 'SERIAL' WHERE code LIKE 'ONU-%'`);
  const loc = async (kind: string, name: string, technicianId: number | null) =>
    (
      await db.query<{ id: number }>(`INSERT INTO stock_locations (kind, name, technician_id) VALUES ($1, $2, $3) RETURNING id`, [
        kind,
        name,
        technicianId,
      ])
    ).rows[0]!.id;
  const warehouse = await loc('WAREHOUSE', 'Depósito central', null);
  const vans = [await loc('VAN', 'Camioneta de Tomás', who.technicians[0]!), await loc('VAN', 'Camioneta de Teresa', who.technicians[1]!)];
  // [material, warehouse after transfers, per van, warehouse threshold, van threshold]
  const bulk: [string, number, number[], number, number][] = [
    ['DROP-1F', 2400, [300, 250], 500, 100],
    ['CONN-SCAPC', 420, [40, 35], 100, 15],
    ['PATCH-SCAPC', 160, [12, 3], 40, 5],
    ['ROSETA', 120, [8, 6], 30, 3],
    ['GRAMPA', 380, [30, 25], 80, 10],
  ];
  const move = (
    kind: string,
    material: number,
    quantity: number,
    from: number | null,
    to: number | null,
    reason: string,
    item: number | null = null,
  ) =>
    db.query(
      `INSERT INTO stock_moves (kind, material_id, quantity, from_location_id, to_location_id, item_id, actor_id, reason, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() - interval '3 days')`,
      [kind, material, quantity, from, to, item, who.support, reason],
    );
  for (const [code, left, perVan, whMin, vanMin] of bulk) {
    const m = id(code);
    const total = left + perVan.reduce((a, b) => a + b, 0);
    await move('RECEIVE', m, total, null, warehouse, 'Remito 0001-00004512');
    await db.query(`INSERT INTO stock_levels (location_id, material_id, quantity, min_quantity) VALUES ($1, $2, $3, $4)`, [
      warehouse,
      m,
      left,
      whMin,
    ]);
    for (const [k, van] of vans.entries()) {
      await move('TRANSFER', m, perVan[k]!, warehouse, van, 'Carga semanal de la camioneta');
      await db.query(`INSERT INTO stock_levels (location_id, material_id, quantity, min_quantity) VALUES ($1, $2, $3, $4)`, [
        van,
        m,
        perVan[k],
        vanMin,
      ]);
    }
  }
  // ONUs by serial: 30 in the warehouse, 5 in each van.
  const models: [string, string][] = [
    ['ONU-HG8145', 'HWTC'],
    ['ONU-F670L', 'ZTEG'],
  ];
  for (let n = 0; n < 40; n++) {
    const [code, prefix] = models[n % 2]!;
    const serial = `${prefix}${rng.int(0, 0xffffffff).toString(16).toUpperCase().padStart(8, '0')}`;
    const van = n < 5 ? vans[0]! : n < 10 ? vans[1]! : null;
    const item = (
      await db.query<{ id: number }>(
        `INSERT INTO stock_items (material_id, serial, status, location_id) VALUES ($1, $2, 'IN_STOCK', $3) ON CONFLICT (serial) DO NOTHING RETURNING id`,
        [id(code), serial, van ?? warehouse],
      )
    ).rows[0]?.id;
    if (item === undefined) continue;
    await move('RECEIVE', id(code), 1, null, warehouse, 'Remito 0001-00004513', item);
    if (van) await move('TRANSFER', id(code), 1, warehouse, van, 'Carga semanal de la camioneta', item);
  }
}

/** Telegram chat ids of the demo users (the simulated bot accepts any). */
export const DEMO_TELEGRAM_CHATS = { noc: '100200301', admin: '100200300' } as const;

/**
 * Demo alerting: the NOC hears of every outage on Telegram (the simulated bot), day and
 * night, and the admins when nobody acknowledged one within 15 minutes. Their e-mail
 * addresses are contacts too: add EMAIL to the rule once SMTP_URL is set.
 */
export async function seedDemoAlerts(db: Queryable): Promise<void> {
  const users = await db.query<{ id: number; username: string; email: string }>(
    `SELECT id, username, email FROM users WHERE username IN ('noc', 'admin')`,
  );
  for (const u of users.rows) {
    const chat = DEMO_TELEGRAM_CHATS[u.username as keyof typeof DEMO_TELEGRAM_CHATS];
    await db.query(
      `INSERT INTO user_contacts (user_id, channel, address) VALUES ($1, 'TELEGRAM', $2), ($1, 'EMAIL', $3) ON CONFLICT DO NOTHING`,
      [u.id, chat, u.email],
    );
  }
  await db.query(
    `INSERT INTO notification_rules (name, roles, channels, escalate_after_minutes, escalate_roles, updated_at)
     VALUES ('NOC: todos los cortes', '{NOC}', '{TELEGRAM}', 15, '{ADMIN}', now())`,
  );
}

/** Visit slots of a demo technician's day, local time. */
const DAY_SLOTS: [number, number][] = [
  [9, 0],
  [10, 30],
  [12, 0],
  [14, 0],
  [15, 30],
  [17, 0],
];

/**
 * Whoever tries the demo as a technician has a day to work: every demo technician gets at
 * least `today` visits today and `tomorrow` tomorrow (in `timeZone`), whatever the hour the
 * demo starts and however long ago it was seeded. Visits go first to connections whose ONU
 * is down (a real reason to go), in one town per technician, each with its own open
 * ticket. Running it again the same day adds nothing.
 */
export async function ensureTechnicianDays(
  db: Queryable,
  options: { now: Date; timeZone: string; today?: number; tomorrow?: number },
): Promise<{ created: number }> {
  const want = [options.today ?? 4, options.tomorrow ?? 3];
  const techs = (
    await db.query<{ id: number; team_id: number | null }>(
      `SELECT id, team_id FROM users WHERE role = 'TECHNICIAN' AND active AND email LIKE '%@emerald.demo' ORDER BY username`,
    )
  ).rows;
  const support = (await db.query<{ id: number }>(`SELECT id FROM users WHERE username = 'soporte'`)).rows[0]?.id;
  const category = (
    await db.query<{ id: number; reason: number | null }>(
      `SELECT c.id, (SELECT r.id FROM ticket_reasons r WHERE r.category_id = c.id ORDER BY r.id LIMIT 1) AS reason
         FROM ticket_categories c WHERE c.name = 'Sin servicio'`,
    )
  ).rows[0];
  if (!techs.length || support === undefined || !category) return { created: 0 };
  // Connections worth a visit, grouped by town so that a day's stops are near each other.
  const candidates = (
    await db.query<{ id: number; customer_id: number; city: string | null; down: boolean }>(
      `SELECT c.id, c.customer_id, cu.city, o.status IN ('LOS', 'OFFLINE', 'POWER_FAIL') AS down
         FROM connections c JOIN customers cu ON cu.id = c.customer_id JOIN onus o ON o.connection_id = c.id
        WHERE c.gone_at IS NULL AND c.latitude IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM work_orders w JOIN tickets t ON t.id = w.ticket_id
                           WHERE t.connection_id = c.id AND w.status IN ('SCHEDULED', 'IN_PROGRESS'))
        ORDER BY 4 DESC, cu.city, c.id`,
    )
  ).rows;
  // Down ONUs first (a real reason to go), then any fibre customer (a check-up).
  const towns = [...new Set(candidates.filter((c) => c.down).map((c) => c.city))];
  let created = 0;
  for (const [k, tech] of techs.entries()) {
    const town = towns.length ? towns[k % towns.length] : undefined;
    const pool = [
      ...candidates.filter((c) => c.down && c.city === town),
      ...candidates.filter((c) => c.down && c.city !== town),
      ...candidates.filter((c) => !c.down && c.city === town),
      ...candidates.filter((c) => !c.down && c.city !== town),
    ];
    for (const [dayOffset, count] of want.entries()) {
      const start = atLocalTime(options.now, options.timeZone, dayOffset, 0);
      const end = atLocalTime(options.now, options.timeZone, dayOffset + 1, 0);
      const taken = (
        await db.query<{ at: Date }>(
          `SELECT scheduled_start AS at FROM work_orders
            WHERE technician_id = $1 AND scheduled_start >= $2 AND scheduled_start < $3 AND status <> 'FAILED'`,
          [tech.id, start, end],
        )
      ).rows.map((r) => r.at.getTime());
      const free = DAY_SLOTS.map(([h, m]) => atLocalTime(options.now, options.timeZone, dayOffset, h, m)).filter(
        (slot) => !taken.includes(slot.getTime()),
      );
      for (let n = taken.length; n < count && free.length; n++) {
        const conn = pool.shift();
        if (!conn) break;
        candidates.splice(candidates.indexOf(conn), 1);
        const at = free.shift()!;
        const ticket = await db.query<{ id: number }>(
          `INSERT INTO tickets (subject, description, type, status, priority, category_id, reason_id, customer_id, connection_id,
                                creator_id, assignee_id, created_at, updated_at)
           VALUES ($7, 'Reportado por teléfono. Requiere visita.', 'TECHNICAL', 'IN_PROGRESS', $8,
                   $1, $2, $3, $4, $5, $5, $6, $6) RETURNING id`,
          [
            category.id,
            category.reason,
            conn.customer_id,
            conn.id,
            support,
            options.now,
            conn.down ? 'Cliente sin internet, ONU sin señal' : 'Microcortes: revisar conectores y señal',
            conn.down ? 'HIGH' : 'MEDIUM',
          ],
        );
        const ticketId = ticket.rows[0]!.id;
        await db.query(`INSERT INTO ticket_events (ticket_id, kind, author_id, body, created_at) VALUES ($1, 'CREATED', $2, '', $3)`, [
          ticketId,
          support,
          options.now,
        ]);
        await db.query(
          `INSERT INTO work_orders (ticket_id, type, status, team_id, technician_id, scheduled_start, duration_minutes, notes,
                                    created_by_id, created_at, updated_at)
           VALUES ($1, 'REPAIR', 'SCHEDULED', $2, $3, $4, 60, 'Llevar ONU de repuesto y conectores.', $5, $6, $6)`,
          [ticketId, tech.team_id, tech.id, at, support, options.now],
        );
        created++;
      }
    }
  }
  return { created };
}
