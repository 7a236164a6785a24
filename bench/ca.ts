// Leaf signing throughput of the built-in CA in one process: an EC P-256 root (the default), a pool of CSR_POOL
// distinct service CSRs made beforehand (the agent's work, not timed), then signLeaf from those PEMs (parse, CSR
// signature check, SPIFFE checks, issue, sign) in a closed loop, first one at a time (leaf_per_s_c1), then with
// CONCURRENCY signings in flight (leaf_per_s), which lets WebCrypto spread signatures over libuv's thread pool as
// a server answering many agents would. Bounded to about DURATION_S seconds in all. There is no reference to run:
// Consul's default csr_max_per_second is 50, so the CA is far from being the limit; issue 8 asks for ≥ 1,000/s.
// Progress goes to stderr; the last stdout line is {"bench":"ca","lattice":{...}}.
// Env: DURATION_S (5), CONCURRENCY (16), CSR_POOL (256).

import { validateCaConfig } from '../connect/ca/config.js';
import { generateCsr } from '../connect/ca/csr.js';
import { signLeaf } from '../connect/ca/leaf.js';
import { generateRoot } from '../connect/ca/root.js';
import { serviceSpiffeId } from '../connect/spiffe.js';

const durationS = Number(process.env['DURATION_S'] ?? 5);
const concurrency = Number(process.env['CONCURRENCY'] ?? 16);
const csrPoolSize = Number(process.env['CSR_POOL'] ?? 256);
const clusterId = '7f42f496-fbc7-8692-05ed-334aa5340c1e';
/** A short warm-up lets the JIT settle before the timed phases. */
const warmupMs = 300;

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
  let next = 0;
  const signOne = async (): Promise<void> => {
    const csrPem = csrs[next++ % csrs.length]!;
    await signLeaf(signer, csrPem, { nowMs: Date.now(), leafCertTtlMs: config.leafCertTtlMs, datacenter: 'dc1' });
  };
  const run = async (workers: number, phaseMs: number): Promise<number> => {
    let signed = 0;
    const startMs = performance.now();
    const deadlineMs = startMs + phaseMs;
    const worker = async (): Promise<void> => {
      while (performance.now() < deadlineMs) {
        await signOne();
        signed += 1;
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
    return signed / ((performance.now() - startMs) / 1000);
  };

  await run(concurrency, warmupMs);
  const phaseMs = Math.max(500, (durationS * 1000 - warmupMs) / 2);
  const sequential = await run(1, phaseMs);
  progress(`one at a time: ${sequential.toFixed(0)} leaves/s`);
  const parallel = await run(concurrency, phaseMs);
  progress(`${concurrency} in flight: ${parallel.toFixed(0)} leaves/s`);
  const result = {
    bench: 'ca',
    lattice: {
      leaf_per_s: Math.round(parallel),
      leaf_per_s_c1: Math.round(sequential),
      leaf_ms_c1: Number((1000 / sequential).toFixed(3)),
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
