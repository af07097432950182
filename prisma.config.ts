// Used by the Prisma CLI on a networked machine (`npx prisma migrate deploy`, `prisma studio`).
// Emerald itself migrates through server/src/db/migrate.ts, which works offline.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/emerald' },
});
