// Proves coordinate updates on a ManualClock: the node's coordinate goes to the servers no more often than every
// 15 s (with stagger), nothing is sent while no server is known, and a failed update is retried next round.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultVivaldiConfig } from '../../gossip/vivaldi/config.js';
import { originCoordinate } from '../../gossip/vivaldi/coordinate.js';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { SeededRand } from '../../lib/rand.js';
import type { CallOptions, RpcClient, RpcMethodName } from '../../server/rpc/methods.js';
import { settle } from '../testing/wait.js';
import { CoordinateSender, coordinateUpdateIntervalMs } from './coordinate-sender.js';

describe('CoordinateSender', () => {
  it('sends the coordinate every 15-22.5 s, only with a server, and survives failures', async () => {
    const clock = new ManualClock();
    const sent: { method: RpcMethodName; args: unknown; options: CallOptions }[] = [];
    let failNext = false;
    const rpc: RpcClient = {
      call: async (method, args, options) => {
        if (failNext) {
          failNext = false;
          throw new Error('no leader');
        }
        sent.push({ method, args, options });
        return true as never;
      },
    };
    let server: RpcClient | null = null;
    const sender = new CoordinateSender(
      {
        clock,
        rand: new SeededRand(2),
        log: silentLogger(),
        coordinate: () => originCoordinate(defaultVivaldiConfig),
        rpc: () => server,
      },
      { nodeName: 'n1', datacenter: 'dc1' },
    );
    await sender.start();
    const round = async () => {
      clock.advance(coordinateUpdateIntervalMs * 1.5);
      await settle();
    };
    clock.advance(coordinateUpdateIntervalMs - 1);
    await settle();
    assert.equal(sent.length, 0, 'nothing before 15 s');
    await round();
    assert.equal(sent.length, 0, 'nothing without a server');
    server = rpc;
    await round();
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.method, 'Coordinate.Update');
    const args = sent[0]?.args as { Node: string; Coord: { Vec: number[] } };
    assert.deepEqual([args.Node, args.Coord.Vec.length], ['n1', 8]);
    failNext = true;
    await round();
    assert.equal(sent.length, 1);
    await round();
    assert.equal(sent.length, 2, 'the next round sends again');
    await sender.stop();
  });
});
