/** The import rules that keep the layers where they belong, each shown catching what it forbids. */
import { describe, expect, it } from 'vitest';
import { checkLayers } from './layers.ts';

const check = (files: Record<string, string>): string[] =>
  checkLayers(new Map(Object.entries(files))).map((v) => `${v.file}: ${v.message}`);

describe('import rules', () => {
  it('lets layers import sideways and down', () => {
    expect(
      check({
        'server/src/graphql/schema/onu.ts':
          "import { diagnose } from '../../diagnosis/diagnose.ts';\nimport type { Services } from '../../services.ts';",
        'server/src/diagnosis/diagnose.ts':
          "import { parseDbm } from '../domain/smartoltValues.ts';\nimport { VendorError } from '../vendors/vendorError.ts';",
        'server/src/mirror/ispcube.ts': "import { withTransaction } from '../db/sql.ts';",
        'server/src/domain/smartoltValues.ts': "import { x } from './types.ts';",
      }),
    ).toEqual([]);
  });

  it.each([
    [
      'server/src/auth/tokens.ts',
      "import type { Actor } from '../graphql/context.ts';",
      /layer 2 \(auth\) must not import layer 3 \(graphql\)/,
    ],
    [
      'server/src/mirror/routeros.ts',
      "import { enqueueSync } from '../sync/enqueue.ts';",
      /layer 1 \(mirror\) must not import layer 2 \(sync\)/,
    ],
    ['server/src/vendors/smartolt.ts', "import { builder } from '../graphql/builder.ts';", /layer 1 \(vendors\) must not import layer 3/],
    ['server/src/domain/optical.ts', "import type { Config } from '../config.ts';", /domain\/ is pure/],
    ['server/src/graphql/schema/sync.ts', "import { ADD_JOB_SQL } from '../../../../workers/queue.ts';", /only boot reaches workers\//],
    ['server/src/http/app.ts', "import { controlHandler } from '../../../simulators/control.ts';", /only demo\/ reaches the simulators/],
    ['server/src/services.ts', "import { createDb } from './db/client.ts';", /services.ts holds types only/],
    [
      'workers/tasks/x.ts',
      "import { schema } from '../../server/src/graphql/schema/index.ts';",
      /workers use the server only below graphql\//,
    ],
    ['simulators/isp.ts', "import { runSync } from '../server/src/sync/run.ts';", /simulators use only themselves/],
    ['client/src/App.tsx', "import type { Context } from '../../server/src/graphql/context.ts';", /the monitor imports only client\//],
    ['server/src/newfolder/x.ts', "import { a } from '../domain/types.ts';", /is in no layer/],
  ])('%s: %s', (file, source, message) => {
    const found = check({ [file]: source });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it('allows tests, scripts and benchmarks anything', () => {
    expect(
      check({
        'server/src/vendors/routeros.test.ts': "import { startRouterOsSim } from '../../../simulators/routeros/server.ts';",
        'scripts/sync.ts': "import { startWorker } from '../workers/runner.ts';",
        'bench/api.ts': "import { buildApp } from '../server/src/http/app.ts';",
      }),
    ).toEqual([]);
  });

  it('finds import cycles, type-only ones included, across multi-line imports', () => {
    const found = check({
      'client/src/App.tsx': "import {\n  lazy,\n} from 'react';\nconst W = lazy(() => import('./pages/WorkOrders.tsx'));",
      'client/src/pages/WorkOrders.tsx': "import type {\n  Me,\n} from '../App.tsx';",
    });
    expect(found).toEqual(['client/src/App.tsx: import cycle: client/src/App.tsx → client/src/pages/WorkOrders.tsx']);
  });

  it('reports the line of the offending import', () => {
    const [v] = checkLayers(new Map([['server/src/domain/a.ts', "// pure\n\nimport {\n  b,\n} from '../db/sql.ts';\n"]]));
    expect(v).toMatchObject({ file: 'server/src/domain/a.ts', line: 5 });
  });
});
