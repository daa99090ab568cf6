import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './child.js';
import { round } from './stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one function, or of one file/package. */
export interface HotSpot {
  name: string;
  selfMs: number;
  selfPct: number;
}

export interface ProfileSummary {
  file: string;
  /** Sampled time, idle included. */
  totalMs: number;
  /** Sampled time not idle: the base of every percentage below. */
  busyMs: number;
  topFunctions: HotSpot[];
  topModules: HotSpot[];
}

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) return path.slice(modules + 'node_modules/'.length);
  return path.startsWith('/') ? relative(REPO_ROOT, path) : path;
}

function moduleOf(url: string): string {
  const short = shortUrl(url);
  if (short.startsWith('node:')) return short;
  const parts = short.split('/');
  if (url.includes('node_modules/')) return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  return short;
}

const top = (totals: Map<string, number>, totalMs: number, n: number): HotSpot[] =>
  [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => ({ name, selfMs: round(ms, 1), selfPct: round((ms / totalMs) * 100, 1) }));

/**
 * Summarises the server's main-thread profile in `dir` (tsx's loader thread writes one too;
 * the main thread's is the largest): the top functions and modules by self time, idle excluded.
 */
export function summarizeCpuProfile(dir: string, n = 20): ProfileSummary | undefined {
  const largest = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f, size: statSync(join(dir, f)).size }))
    .sort((a, b) => b.size - a.size)[0];
  if (!largest) return undefined;
  const file = join(dir, largest.f);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));

  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let totalMs = 0;
  let busyMs = 0;
  for (const [id, ms] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    totalMs += ms;
    if (frame.functionName === '(idle)') continue;
    busyMs += ms;
    const name = frame.url
      ? `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`
      : frame.functionName || '(anonymous)';
    functions.set(name, (functions.get(name) ?? 0) + ms);
    const module = frame.url ? moduleOf(frame.url) : `(${frame.functionName || 'native'})`;
    modules.set(module, (modules.get(module) ?? 0) + ms);
  }
  return {
    file,
    totalMs: round(totalMs, 1),
    busyMs: round(busyMs, 1),
    topFunctions: top(functions, busyMs, n),
    topModules: top(modules, busyMs, n),
  };
}
