import { readdirSync, readFileSync } from 'node:fs';
import { round } from './stats.js';

/** Linux clock ticks per second (USER_HZ), as /proc reports CPU times. */
const TICKS = 100;

/** A cumulative CPU-seconds reading, or undefined where it cannot be read. */
export type CpuProbe = () => number | undefined;

/** The fields after the command name of /proc/<pid>/stat (field 3 onwards), or undefined. */
function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime of one process, in seconds. */
export function processCpuSeconds(pid: number): number | undefined {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / TICKS : undefined;
}

/**
 * CPU of the children this process has waited for (cutime + cstime of /proc/self): a load
 * generator that ran in its own process (wrk, pgbench) shows up here once it has exited.
 */
export const exitedChildrenCpuSeconds: CpuProbe = () => {
  const f = statFields('self');
  return f ? (Number(f[13]) + Number(f[14])) / TICKS : undefined;
};

/** A process's command name (/proc/<pid>/comm), or undefined. */
export function commandName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The parent pid of a process. */
export function parentPid(pid: number): number | undefined {
  const f = statFields(pid);
  return f ? Number(f[1]) : undefined;
}

/**
 * CPU of a process and all its descendants, in seconds: their own time plus the time of the
 * children they have already reaped (a PostgreSQL backend that exited is in the postmaster's).
 */
export function treeCpuProbe(rootPid: number): CpuProbe {
  return () => {
    const children = new Map<number, number[]>();
    const cpu = new Map<number, number>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const f = statFields(Number(entry));
      if (!f) continue;
      const pid = Number(entry);
      const ppid = Number(f[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
      cpu.set(pid, (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS);
    }
    if (!cpu.has(rootPid)) return undefined;
    let total = 0;
    const stack = [rootPid];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      total += cpu.get(pid) ?? 0;
      stack.push(...(children.get(pid) ?? []));
    }
    return total;
  };
}

/** CPU used during one phase, in % of one core. */
export interface PhaseCpu {
  seconds: number;
  /** The server(s) under test (the bare one for the baseline; both instances behind nginx). */
  serverPct: number | null;
  /** This benchmark process (autocannon, the SDK callers, the subscribers run here). */
  benchPct: number;
  /** A load generator in a process of its own (wrk, pgbench); null when there was none. */
  loadGeneratorPct: number | null;
  /** Other processes that took part: PostgreSQL, Redis, nginx. */
  others: Record<string, number | null>;
}

/** Who to measure during a phase. */
export interface CpuParties {
  servers: CpuProbe[];
  /** Whether a load generator process ran (its CPU is read once it exited). */
  loadGenerator: boolean;
  others?: Record<string, CpuProbe>;
}

/** Measures the CPU of the parties of each phase; `phases` goes into the results. */
export class CpuMeter {
  readonly phases: Record<string, PhaseCpu> = {};
  /** The phase being measured now, if any. */
  current: string | undefined;

  async measure<T>(phase: string, parties: CpuParties, run: () => Promise<T>): Promise<T> {
    const read = (probes: CpuProbe[]) => {
      const values = probes.map((probe) => probe());
      return values.some((v) => v === undefined) ? undefined : values.reduce<number>((a, b) => a + b!, 0);
    };
    const others = Object.entries(parties.others ?? {});
    const before = {
      servers: read(parties.servers),
      children: exitedChildrenCpuSeconds(),
      others: others.map(([, probe]) => probe()),
    };
    const bench = process.cpuUsage();
    const started = performance.now();
    this.current = phase;
    let result: T;
    try {
      result = await run();
    } finally {
      this.current = undefined;
    }
    const seconds = (performance.now() - started) / 1000;
    const pct = (a: number | undefined, b: number | undefined) =>
      a === undefined || b === undefined ? null : round(((b - a) / seconds) * 100, 0);
    const benchUsed = process.cpuUsage(bench);
    this.phases[phase] = {
      seconds: round(seconds),
      serverPct: pct(before.servers, read(parties.servers)),
      benchPct: round(((benchUsed.user + benchUsed.system) / 1e6 / seconds) * 100, 0),
      loadGeneratorPct: parties.loadGenerator ? pct(before.children, exitedChildrenCpuSeconds()) : null,
      others: Object.fromEntries(others.map(([name, probe], i) => [name, pct(before.others[i], probe())])),
    };
    return result;
  }
}
