// Leaf signing throughput of the built-in CA in one process: an EC P-256 root (the default), a pool of CSR_POOL
// distinct service CSRs made beforehand (the agent's work, not timed), then signLeaf from those PEMs (parse, CSR
// signature check, SPIFFE checks, issue, sign) in a closed loop for about DURATION_S seconds. Signing is synchronous
// (connect/ca/leaf.ts), so one loop is what one server thread can do; figures: leaf_per_s and the mean and p99 time
// per leaf. There is no reference to run: Consul's default csr_max_per_second is 50, so the CA is far from being the
// limit; issue 8 asks for at least 1,000/s. Progress goes to stderr; the last stdout line is {"bench":"ca","lattice":{...}}.
// Env: DURATION_S (5), CSR_POOL (256).

import { validateCaConfig } from '../connect/ca/config.js';
import { generateCsr } from '../connect/ca/csr.js';
import { signLeaf } from '../connect/ca/leaf.js';
import { generateRoot } from '../connect/ca/root.js';
import { serviceSpiffeId } from '../connect/spiffe.js';

const durationS = Number(process.env['DURATION_S'] ?? 5);
const csrPoolSize = Number(process.env['CSR_POOL'] ?? 256);
const clusterId = '7f42f496-fbc7-8692-05ed-334aa5340c1e';
/** A short warm-up lets the JIT settle before the timed loop. */
const warmupMs = 300;
/** Bounds the latency sample even on a very fast machine. */
const samplesMax = 1_000_000;

const progress = (message: string): void => {
  process.stderr.write(`[ca] ${message}\n`);
};

async function main(): Promise<void> {
  const config = validateCaConfig({});
  const { signer } = await generateRoot({ clusterId, config, nowMs: Date.now() });
  progress(`root ${config.privateKeyType} ${config.privateKeyBits}; making ${csrPoolSize} CSRs`);
  const csrs: string[] = [];
  for (let position = 0; position < csrPoolSize; position++) {
    const id = serviceSpiffeId(signer.trustDomain, 'dc1', `service-${position}`);
    csrs.push((await generateCsr({ id })).csrPem);
  }
  const run = async (phaseMs: number): Promise<number[]> => {
    const samplesMs: number[] = [];
    const deadlineMs = performance.now() + phaseMs;
    for (let next = 0; performance.now() < deadlineMs && samplesMs.length < samplesMax; next++) {
      const startMs = performance.now();
      await signLeaf(signer, csrs[next % csrs.length]!, {
        nowMs: Date.now(),
        leafCertTtlMs: config.leafCertTtlMs,
        datacenter: 'dc1',
      });
      samplesMs.push(performance.now() - startMs);
    }
    return samplesMs;
  };

  await run(warmupMs);
  const phaseMs = Math.max(500, durationS * 1000 - warmupMs);
  const startMs = performance.now();
  const samplesMs = await run(phaseMs);
  const elapsedS = (performance.now() - startMs) / 1000;
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const meanMs = samplesMs.reduce((sum, value) => sum + value, 0) / samplesMs.length;
  const p99Ms = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
  const leafPerS = samplesMs.length / elapsedS;
  progress(`${samplesMs.length} leaves in ${elapsedS.toFixed(2)} s: ${leafPerS.toFixed(0)}/s`);
  const result = {
    bench: 'ca',
    lattice: {
      leaf_per_s: Math.round(leafPerS),
      leaf_mean_ms: Number(meanMs.toFixed(3)),
      leaf_p99_ms: Number(p99Ms.toFixed(3)),
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
