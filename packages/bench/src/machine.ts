// The machine a benchmark ran on, without anything that identifies the host.
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
}

export function cpuModel(cpuinfo: string): string {
  const line = cpuinfo.split('\n').find((l) => /^model name\s*:/.test(l));
  return line ? line.replace(/^model name\s*:\s*/, '').trim() : 'unknown';
}

export function machine(): Machine {
  let info = '';
  try {
    info = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // not Linux: the model stays unknown
  }
  return { cpus: availableParallelism(), cpuModel: cpuModel(info), memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
}

export const describeMachine = (m: Machine) => `${m.cpus} CPUs (nproc), ${m.memoryGiB} GiB memory, ${m.cpuModel}, Node ${m.node}`;
