// Proves the flooder's timing and effects over fake pools (Consul flood.go): a pass at start, on each LAN server
// join (not a client's) and every interval; each pass joins only the servers the WAN pool lacks, at their
// wan_join_port, logging Consul's debug lines; notices during a pass cause exactly one more pass; a failed join is
// retried by the next tick; after stop nothing more is joined.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SerfMember } from '../../gossip/serf/members.js';
import { ManualClock } from '../../lib/clock.js';
import { TypedEmitter } from '../../lib/emitter.js';
import { silentLogger } from '../../lib/log.js';
import { capturedLog } from '../../lib/testing/captured-log.js';
import { waitForCondition } from '../../lib/testing/wait.js';
import { serfFloodIntervalMs, WanFlooder } from './wan-flooder.js';

function lanServer(name: string, host: string): SerfMember {
  return {
    name,
    address: `${host}:8301`,
    tags: { role: 'consul', dc: 'dc1', port: '8300', segment: '', wan_join_port: '8302' },
    status: 'alive',
    statusChangeMs: 0,
  };
}

function wanMember(lan: SerfMember): SerfMember {
  const host = lan.address.slice(0, lan.address.lastIndexOf(':'));
  return {
    ...lan,
    name: `${lan.name}.dc1`,
    address: `${host}:8302`,
    tags: { role: 'consul', dc: 'dc1', port: '8300' },
  };
}

/** A LAN pool whose members and joins the test sets, and a WAN pool that records joins. */
class FakePools {
  lanMembers: SerfMember[] = [];
  wanMembers: SerfMember[] = [];
  readonly joins: string[][] = [];
  /** Addresses whose join fails (nobody answers). */
  readonly unreachable = new Set<string>();
  /** While set, joins wait for `release()`. */
  private held: (() => void)[] | null = null;
  private readonly lanEvents = new TypedEmitter<{ 'member-join': SerfMember }>();

  readonly lan = {
    members: () => this.lanMembers,
    onMemberJoin: (listener: (member: SerfMember) => void) => this.lanEvents.on('member-join', listener),
  };

  readonly wan = {
    members: () => this.wanMembers,
    join: async (addresses: readonly string[]): Promise<number> => {
      this.joins.push([...addresses]);
      if (this.held) await new Promise<void>((resolve) => this.held!.push(resolve));
      const address = addresses[0]!;
      if (this.unreachable.has(address)) throw new Error(`failed to join any of ${address}`);
      const joined = this.lanMembers.find((member) => member.address.replace(':8301', ':8302') === address);
      if (joined) this.wanMembers.push(wanMember(joined));
      return 1;
    },
  };

  lanJoin(member: SerfMember): void {
    this.lanMembers.push(member);
    this.lanEvents.emit('member-join', member);
  }

  hold(): void {
    this.held = [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = null;
    for (const resolve of waiting) resolve();
  }

  listeners(): number {
    return this.lanEvents.listenerCount('member-join');
  }
}

function setup(log = silentLogger()) {
  const clock = new ManualClock();
  const pools = new FakePools();
  const self = lanServer('s1', '10.0.0.1');
  pools.lanMembers.push(self);
  pools.wanMembers.push(wanMember(self));
  const flooder = new WanFlooder({ clock, log, lan: pools.lan, wan: pools.wan }, { datacenter: 'dc1' });
  return { clock, pools, flooder };
}

describe('the WAN join flooder', () => {
  it('floods at start: the LAN servers the WAN pool lacks are joined at their wan_join_port', async () => {
    const { pools, flooder } = setup();
    pools.lanMembers.push(lanServer('s2', '10.0.0.2'), {
      ...lanServer('web', '10.0.0.9'),
      tags: { role: 'node', dc: 'dc1' },
    });
    await flooder.start();
    await flooder.idle();
    assert.deepEqual(pools.joins, [['10.0.0.2:8302']]);
    assert.deepEqual(
      pools.wanMembers.map((member) => member.name),
      ['s1.dc1', 's2.dc1'],
    );
    await flooder.stop();
  });

  it('floods on each LAN member join, joining only what is missing', async () => {
    const { pools, flooder } = setup();
    await flooder.start();
    await flooder.idle();
    assert.deepEqual(pools.joins, [], 'alone in the LAN: nothing to join');

    pools.lanJoin(lanServer('s2', '10.0.0.2'));
    await waitForCondition(() => pools.wanMembers.length === 2, 's2 joined into the WAN pool');
    pools.lanJoin({ ...lanServer('web', '10.0.0.9'), tags: { role: 'node', dc: 'dc1' } });
    pools.lanJoin(lanServer('s3', '10.0.0.3'));
    await flooder.idle();
    assert.deepEqual(pools.joins, [['10.0.0.2:8302'], ['10.0.0.3:8302']]);
    await flooder.stop();
  });

  it('floods on a server joining the LAN pool, not on a client', async () => {
    const { pools, flooder } = setup();
    await flooder.start();
    await flooder.idle();
    pools.lanMembers.push(lanServer('s2', '10.0.0.2')); // in the LAN without an event: only a pass finds it
    pools.lanJoin({ ...lanServer('web', '10.0.0.9'), tags: { role: 'node', dc: 'dc1' } });
    await flooder.idle();
    assert.deepEqual(pools.joins, [], 'a client joining starts no pass');
    pools.lanJoin(lanServer('s3', '10.0.0.3'));
    await flooder.idle();
    assert.deepEqual(pools.joins, [['10.0.0.2:8302'], ['10.0.0.3:8302']]);
    await flooder.stop();
  });

  it('runs one more pass for notices that arrive during a pass, not one per notice', async () => {
    const { pools, flooder } = setup();
    pools.lanMembers.push(lanServer('s2', '10.0.0.2'));
    pools.hold();
    await flooder.start();
    await waitForCondition(() => pools.joins.length === 1, 'the first pass joining s2');
    pools.lanMembers.push(lanServer('s3', '10.0.0.3'));
    const passes = [flooder.notify(), flooder.notify(), flooder.notify()];
    pools.release();
    await Promise.all(passes);
    assert.deepEqual(pools.joins, [['10.0.0.2:8302'], ['10.0.0.3:8302']]);
    await flooder.stop();
  });

  it('retries a failed join at the next interval, logging both outcomes as Consul does', async () => {
    const { lines, log } = capturedLog();
    const { clock, pools, flooder } = setup(log);
    pools.lanMembers.push(lanServer('s2', '10.0.0.2'));
    pools.unreachable.add('10.0.0.2:8302');
    await flooder.start();
    await flooder.idle();
    assert.equal(pools.wanMembers.length, 1);

    pools.unreachable.clear();
    clock.advance(serfFloodIntervalMs - 1);
    assert.equal(pools.joins.length, 1, 'no pass before the interval');
    clock.advance(1);
    await waitForCondition(() => pools.wanMembers.length === 2, 's2 joined by the periodic pass');
    assert.deepEqual(pools.joins, [['10.0.0.2:8302'], ['10.0.0.2:8302']]);

    const flood = lines.filter((line) => String(line['msg']).includes('flood-join'));
    assert.deepEqual(
      flood.map((line) => [line['level'], line['msg'], line['server'], line['address']]),
      [
        [20, 'Failed to flood-join server at address', 's2.dc1', '10.0.0.2:8302'],
        [20, 'Successfully performed flood-join for server at address', 's2.dc1', '10.0.0.2:8302'],
      ],
    );
    assert.match(String(flood[0]!['error']), /failed to join any of 10\.0\.0\.2:8302/);
    await flooder.stop();
  });

  it('logs a server without wan_join_port at debug level and does not join it', async () => {
    const { lines, log } = capturedLog();
    const { pools, flooder } = setup(log);
    const { wan_join_port: _none, ...tags } = lanServer('s2', '10.0.0.2').tags;
    pools.lanMembers.push({ ...lanServer('s2', '10.0.0.2'), tags });
    await flooder.start();
    await flooder.idle();
    assert.deepEqual(pools.joins, []);
    const skipped = lines.find((line) => line['msg'] === 'Failed to flood-join server');
    assert.deepEqual(
      [skipped?.['level'], skipped?.['server'], skipped?.['error']],
      [20, 's2', 'no wan join port for server: 10.0.0.2:8300'],
    );
    await flooder.stop();
  });

  it('joins nothing after stop: no LAN listener, no timer', async () => {
    const { clock, pools, flooder } = setup();
    await flooder.start();
    await flooder.idle();
    await flooder.stop();
    assert.equal(pools.listeners(), 0);
    assert.equal(clock.pendingTimerCount(), 0);
    pools.lanJoin(lanServer('s2', '10.0.0.2'));
    clock.advance(2 * serfFloodIntervalMs);
    await flooder.notify();
    assert.deepEqual(pools.joins, []);
  });
});
