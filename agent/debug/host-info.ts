// GET /v1/agent/host's body: the host the agent runs on, in Consul's HostInfo shape (agent/debug/host.go, whose
// fields are gopsutil's JSON names): Memory, CPU, Host, Disk, CollectionTime (Unix nanoseconds) and Errors.
// Linux facts come from /proc and /etc/os-release; elsewhere node:os fills what it can. A fact that cannot be read
// leaves its section null and adds a line to Errors, as Consul does, instead of failing the whole answer.

import { readdir, readFile, statfs } from 'node:fs/promises';
import * as os from 'node:os';

/** Consul reports disk usage of the root file system (debug.DiskUsagePath). */
export const diskUsagePath = process.platform === 'win32' ? 'C:\\' : '/';

export interface HostInfo {
  readonly Memory: Record<string, number> | null;
  readonly CPU: Record<string, unknown>[] | null;
  readonly Host: Record<string, unknown> | null;
  readonly Disk: Record<string, unknown> | null;
  readonly CollectionTime: number;
  /** Consul marshals Go errors (which show as `{}`); Lattice gives their text. Null when every fact was read. */
  readonly Errors: string[] | null;
}

/** /proc/meminfo's kB lines as gopsutil's VirtualMemoryStat names them, in bytes. */
const meminfoFields: Readonly<Record<string, string>> = {
  MemTotal: 'total',
  MemAvailable: 'available',
  MemFree: 'free',
  Active: 'active',
  Inactive: 'inactive',
  Buffers: 'buffers',
  Cached: 'cached',
  Dirty: 'dirty',
  Shmem: 'shared',
  Slab: 'slab',
  SwapTotal: 'swapTotal',
  SwapFree: 'swapFree',
  Mapped: 'mapped',
};

export function parseMeminfo(text: string): Record<string, number> {
  const memory: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^(\w+):\s+(\d+)(?:\s+kB)?$/.exec(line.trim());
    const name = match ? meminfoFields[match[1]!] : undefined;
    if (match && name) memory[name] = Number(match[2]) * 1024;
  }
  return memory;
}

/** /etc/os-release KEY=value lines, quotes removed. */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) fields[match[1]!] = match[2]!.replace(/^["']|["']$/g, '');
  }
  return fields;
}

async function memoryStat(): Promise<Record<string, number>> {
  const memory =
    process.platform === 'linux'
      ? parseMeminfo(await readFile('/proc/meminfo', 'utf8'))
      : { total: os.totalmem(), free: os.freemem(), available: os.freemem() };
  const total = memory['total'] ?? os.totalmem();
  const available = memory['available'] ?? memory['free'] ?? os.freemem();
  const used = total - available;
  return { ...memory, total, available, used, usedPercent: total > 0 ? (used / total) * 100 : 0 };
}

function cpuStats(): Record<string, unknown>[] {
  return os.cpus().map((cpu, position) => ({
    cpu: position,
    vendorId: '',
    family: '',
    model: '',
    stepping: 0,
    physicalId: '',
    coreId: String(position),
    cores: 1,
    modelName: cpu.model,
    mhz: cpu.speed,
    cacheSize: 0,
    flags: [],
    microcode: '',
  }));
}

async function processCount(): Promise<number> {
  if (process.platform !== 'linux') return 0;
  return (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).length;
}

async function hostStat(): Promise<Record<string, unknown>> {
  const release = process.platform === 'linux' ? parseOsRelease(await readFile('/etc/os-release', 'utf8')) : {};
  const uptime = Math.floor(os.uptime());
  return {
    hostname: os.hostname(),
    uptime,
    bootTime: Math.floor(Date.now() / 1000) - uptime,
    procs: await processCount(),
    os: process.platform,
    platform: release['ID'] ?? '',
    platformFamily: release['ID_LIKE']?.split(' ')[0] ?? release['ID'] ?? '',
    platformVersion: release['VERSION_ID'] ?? '',
    kernelVersion: os.release(),
    kernelArch: os.machine(),
    virtualizationSystem: '',
    virtualizationRole: '',
    hostId: process.platform === 'linux' ? (await readFile('/etc/machine-id', 'utf8').catch(() => '')).trim() : '',
  };
}

async function diskStat(): Promise<Record<string, unknown>> {
  const stats = await statfs(diskUsagePath);
  const total = stats.blocks * stats.bsize;
  const free = stats.bavail * stats.bsize;
  const used = (stats.blocks - stats.bfree) * stats.bsize;
  const inodesUsed = stats.files - stats.ffree;
  return {
    path: diskUsagePath,
    fstype: '',
    total,
    free,
    used,
    usedPercent: used + free > 0 ? (used / (used + free)) * 100 : 0,
    inodesTotal: stats.files,
    inodesUsed,
    inodesFree: stats.ffree,
    inodesUsedPercent: stats.files > 0 ? (inodesUsed / stats.files) * 100 : 0,
  };
}

export async function collectHostInfo(now: Date): Promise<HostInfo> {
  const errors: string[] = [];
  const attempt = async <T>(what: string, read: () => Promise<T>): Promise<T | null> => {
    try {
      return await read();
    } catch (error) {
      errors.push(`${what}: ${(error as Error).message}`);
      return null;
    }
  };
  const [memory, host, disk] = await Promise.all([
    attempt('memory', memoryStat),
    attempt('host', hostStat),
    attempt('disk', diskStat),
  ]);
  return {
    Memory: memory,
    CPU: cpuStats(),
    Host: host,
    Disk: disk,
    // Unix nanoseconds, as Go's time.Now().UTC().UnixNano(); a float64 holds milliseconds × 1e6 exactly enough.
    CollectionTime: now.getTime() * 1_000_000,
    Errors: errors.length === 0 ? null : errors,
  };
}
