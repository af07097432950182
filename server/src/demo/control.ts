/** The seam between Emerald and the simulated ISP's scripting API: /sim in demo mode. */
import { controlHandler } from '../../../simulators/control.ts';
import type { SimulatedIsp } from '../../../simulators/isp.ts';
import type { DemoControl } from '../services.ts';

export function demoControl(isp: SimulatedIsp): DemoControl {
  const handle = controlHandler(isp, '/sim');
  return {
    control: ({ method, path, body }) => handle({ method, path, query: new URLSearchParams(), headers: {}, body }),
  };
}
