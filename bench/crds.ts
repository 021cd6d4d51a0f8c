// Custom resources (issue #17): what serving a kind from a CRD costs next to a built-in kind, on
// one in-process API server (memory store, plain HTTP, the load generator in the same process:
// the ratio is the figure, not the absolute rate). Creates of an object with a structural schema
// (pruning, defaulting, validation, one CEL rule) against ConfigMap creates of the same size, a
// list of every object, and the time from creating a CRD to its kind answering requests.

import type { KObject } from '../src/api/object.js';
import { startTestControlPlane } from '../src/testing/controlplane.js';
import { cleanup, fmtMs, inParallel, median, rate } from './util.js';

const CRD = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' };
const WIDGETS = { group: 'bench.example.com', version: 'v1', resource: 'widgets', namespace: 'default' };
const CMS = { group: '', version: 'v1', resource: 'configmaps', namespace: 'default' };

function crd(): KObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.bench.example.com' },
    spec: {
      group: 'bench.example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [{ name: 'Size', type: 'string', jsonPath: '.spec.size' }],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['size'],
                  'x-kubernetes-validations': [{ rule: 'self.replicas <= 100' }],
                  properties: {
                    size: { type: 'string', enum: ['small', 'large'] },
                    replicas: { type: 'integer', minimum: 0, default: 1 },
                    labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 64 } },
                    notes: { type: 'string', maxLength: 2048 },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

export async function benchCRDs(n = 3000, clients = 8): Promise<string[]> {
  const cp = await startTestControlPlane();
  const stop = cleanup.add('crds bench control plane', () => cp.stop());
  try {
    const t0 = performance.now();
    await cp.client.create(CRD, crd());
    for (;;) {
      try {
        await cp.client.list(WIDGETS, { limit: 1 });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    const established = performance.now() - t0;
    const notes = 'x'.repeat(900);
    const labels = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`key${i}`, `value-${i}`]));
    const workers = Array.from({ length: clients }, () => cp.newClient('bench'));
    const createMany = async (make: (i: number) => Promise<unknown>) => {
      const lat: number[] = [];
      const t = performance.now();
      await inParallel(n, clients, async (i) => {
        const s = performance.now();
        await make(i);
        lat.push(performance.now() - s);
      });
      return { ms: performance.now() - t, p50: median(lat) };
    };
    const cm = await createMany((i) =>
      workers[i % clients].create(CMS, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `cm-${i}`, labels },
        data: { notes, size: 'small' },
      }),
    );
    const cr = await createMany((i) =>
      workers[i % clients].create(WIDGETS, {
        apiVersion: 'bench.example.com/v1',
        kind: 'Widget',
        metadata: { name: `w-${i}`, labels },
        spec: { size: 'small', notes, labels },
      } as KObject),
    );
    const listMs = async (ref: typeof CMS) => {
      const xs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const s = performance.now();
        await cp.client.list(ref);
        xs.push(performance.now() - s);
      }
      return median(xs);
    };
    const cmList = await listMs(CMS);
    const crList = await listMs(WIDGETS);
    for (const w of workers) w.close();
    return [
      `CRD created to its kind served: ${fmtMs(established)}`,
      `creates, ${n} objects of ~1.1 KiB, ${clients} clients: custom ${rate(n, cr.ms)} (p50 ${fmtMs(cr.p50)}), ConfigMap ${rate(n, cm.ms)} (p50 ${fmtMs(cm.p50)}); ratio ${(cm.ms / cr.ms).toFixed(2)}x`,
      `list of ${n} (JSON, median of 5): custom ${fmtMs(crList)}, ConfigMap ${fmtMs(cmList)}`,
    ];
  } finally {
    await stop();
  }
}
