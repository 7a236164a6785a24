// Proves core behaviour against reviewed transcripts: each raft/testdata/*.txt script drives a TestCluster
// command by command, and the rendered messages and statuses must match the expected output exactly, as in
// etcd's rafttest data-driven tests. UPDATE_GOLDEN=1 rewrites the files; review the diff before committing.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SeededRand } from '../../lib/rand.js';
import { describeEntry, describeMessage, describeStatus } from './describe.js';
import { TestCluster } from './test-cluster.js';
import type { ConfChange } from './types.js';

const root = process.env['LATTICE_ROOT'] ?? new URL('../../../', import.meta.url).pathname;
const testdata = join(root, 'raft', 'testdata');
const update = process.env['UPDATE_GOLDEN'] === '1';

interface Block {
  readonly comments: string[];
  readonly command: string;
  readonly expected: string;
}

function parse(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  let comments: string[] = [];
  for (let position = 0; position < lines.length; position++) {
    const line = lines[position]!;
    if (line.startsWith('#') || line.trim() === '') {
      if (line.startsWith('#')) comments.push(line);
      continue;
    }
    assert.equal(lines[position + 1], '----', `expected ---- after "${line}"`);
    const output: string[] = [];
    position += 2;
    while (position < lines.length && lines[position] !== '') output.push(lines[position++]!);
    blocks.push({ comments, command: line, expected: output.join('\n') });
    comments = [];
  }
  return blocks;
}

function render(blocks: readonly Block[], outputs: readonly string[]): string {
  return `${blocks
    .map((block, position) => [...block.comments, block.command, '----', outputs[position]].join('\n'))
    .join('\n\n')}\n`;
}

class Interpreter {
  private cluster: TestCluster | null = null;

  private get current(): TestCluster {
    assert.ok(this.cluster, 'no cluster yet: start with "cluster a b c"');
    return this.cluster;
  }

  run(command: string): string {
    const [name, ...args] = command.split(/\s+/);
    const cluster = () => this.current;
    const node = (id: string | undefined) => cluster().member(id ?? '').node;
    switch (name) {
      case 'cluster':
        this.cluster = new TestCluster(args);
        return 'ok';
      case 'add-node':
        cluster().addMember(args[0]!, new SeededRand(77));
        return 'ok';
      case 'campaign': {
        // Tick one node until its election timeout fires.
        const target = node(args[0]);
        for (let count = 0; count < 40 && target.role === 'follower'; count++) target.tick();
        cluster().processReadies();
        return `${args[0]} is ${target.role}`;
      }
      case 'tick-heartbeat': {
        node(args[0]).tick();
        cluster().processReadies();
        return 'ok';
      }
      case 'tick-all':
        cluster().tick(cluster().members.keys(), Number(args[0] ?? 1));
        return 'ok';
      case 'stabilize': {
        const delivered = cluster().deliver();
        return delivered.length === 0 ? '(no messages)' : delivered.map(describeMessage).join('\n');
      }
      case 'propose': {
        const result = node(args[0]).propose(new TextEncoder().encode(args.slice(1).join(' ')));
        return result.kind === 'accepted'
          ? `accepted index=${result.index} term=${result.term}`
          : JSON.stringify(result);
      }
      case 'conf': {
        const change: ConfChange = {
          type: args[1] as ConfChange['type'],
          nodeId: args[2]!,
          address: args[1] === 'remove' ? '' : `${args[2]}:8300`,
        };
        const result = node(args[0]).proposeConfChange(change);
        return result.kind === 'accepted'
          ? `accepted index=${result.index} term=${result.term}`
          : JSON.stringify(result);
      }
      case 'read-index':
        return node(args[0]).readIndex(new TextEncoder().encode(args[1]));
      case 'reads':
        return JSON.stringify(cluster().member(args[0]!).readIndexes);
      case 'transfer':
        return node(args[0]).transferLeadership(args[1]!);
      case 'status':
        return args.map((id) => describeStatus(node(id).status())).join('\n');
      case 'applied':
        return cluster().member(args[0]!).applied.map(describeEntry).join('\n') || '(nothing)';
      case 'isolate':
        cluster().isolate(args[0]!);
        return 'ok';
      case 'heal':
        cluster().heal();
        return 'ok';
      case 'compact': {
        const member = cluster().member(args[0]!);
        const meta = member.node.snapshotMetaAt(member.node.appliedIndex);
        member.storage.setSnapshot(meta);
        member.storage.compact(meta.index);
        return `snapshot ${meta.term}/${meta.index} voters=${meta.conf.voters.join(',')}`;
      }
      case 'report-snapshot':
        node(args[0]).reportSnapshot(args[1]!, args[2] === 'ok' ? 'ok' : 'failed');
        return 'ok';
      case 'marks': {
        const marks = node(args[0]).status().marks;
        return Object.keys(marks)
          .filter((key) => args.length < 2 || key.startsWith(args[1]!))
          .sort()
          .map((key) => `${key}: ${marks[key]}`)
          .join('\n');
      }
      default:
        throw new Error(`unknown command ${name}`);
    }
  }
}

describe('raft/testdata golden scripts', () => {
  for (const file of readdirSync(testdata)
    .filter((name) => name.endsWith('.txt'))
    .sort()) {
    it(file, () => {
      const path = join(testdata, file);
      const blocks = parse(readFileSync(path, 'utf8'));
      const interpreter = new Interpreter();
      const outputs = blocks.map((block) => interpreter.run(block.command));
      if (update) {
        writeFileSync(path, render(blocks, outputs));
        return;
      }
      blocks.forEach((block, position) => {
        assert.equal(outputs[position], block.expected, `${file}: output of "${block.command}" differs`);
      });
    });
  }
});
