// SPDX-License-Identifier: Apache-2.0
// Child processes of the end-to-end tests: free loopback ports, processes started in their own
// process group with output captured to a file, polling with a bounded wait, and stopping by pid.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Longest wait for anything the tests poll for (a server to answer, a queue to drain). */
export const MAX_WAIT_MS = 60_000;
/** Pause between two polls. */
const POLL_INTERVAL_MS = 250;
/** Grace period between SIGTERM and SIGKILL when stopping a process group. */
const STOP_GRACE_MS = 5_000;

/** Returns a port that was free on 127.0.0.1 a moment ago (bound to port 0, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A running child process; its stdout and stderr go to `logFile`. */
export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Returns the exit code or signal once the process has exited, else undefined. */
  exitStatus(): string | undefined;
  /** Returns the last `maxChars` characters the process printed. */
  tail(maxChars?: number): string;
  /** Sends SIGTERM to the process group, SIGKILL after a grace period; resolves once it exited. */
  stop(): Promise<void>;
}

/** What startChild runs. */
export interface ChildSpec {
  name: string;
  command: string;
  args: readonly string[];
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a process in its own process group (so `tsx` and the node it forks stop together).
 * Every started child is remembered until stopped, so {@link stopAll} leaves nothing running.
 */
export function startChild(spec: ChildSpec): Child {
  const fd = openSync(spec.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
  const pid = child.pid;
  let exitStatus: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitStatus = signal ?? `exit code ${code}`;
      resolve();
    });
  });
  const handle: Child = {
    name: spec.name,
    pid,
    logFile: spec.logFile,
    exitStatus: () => exitStatus,
    tail: (maxChars = 2000) => {
      const text = readFileSync(spec.logFile, 'utf8');
      return text.slice(Math.max(0, text.length - maxChars));
    },
    stop: async () => {
      running.delete(handle);
      signalGroup(pid, 'SIGTERM');
      const killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(killTimer);
      // NOTE: the group leader may exit before its children (tsx forks node); make sure none remain.
      signalGroup(pid, 'SIGKILL');
    },
  };
  running.add(handle);
  return handle;
}

const running = new Set<Child>();
// Last resort when the test process ends without afterAll (a crash, a jest timeout, Ctrl-C): the
// groups were started detached, so neither the terminal's signal nor anything else stops them.
function killRunning(): void {
  for (const child of running) signalGroup(child.pid, 'SIGKILL');
}
process.once('exit', killRunning);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killRunning();
    process.kill(process.pid, signal);
  });
}

/** Stops every child that is still running (afterAll, and after a failed start). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

/**
 * Polls `probe` until it returns a value other than undefined, and returns that value.
 * Errors thrown by the probe count as "not yet". Fails after `timeoutMs`, or as soon as `child`
 * has exited, naming `what`, with the last error and the tail of the child's output.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs?: number; child?: Child } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? MAX_WAIT_MS);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    const ended = options.child?.exitStatus();
    if (ended !== undefined || Date.now() > deadline) throw waitError(what, options.child, ended, lastError);
    await sleep(POLL_INTERVAL_MS);
  }
}

function waitError(
  what: string,
  child: Child | undefined,
  ended: string | undefined,
  lastError: unknown,
): Error {
  let reason = '';
  if (ended !== undefined) reason = ` (${child?.name} ended: ${ended})`;
  else if (lastError !== undefined) reason = ` (last error: ${String(lastError)})`;
  const output = child ? `\n--- ${child.name} output ---\n${child.tail()}` : '';
  return new Error(`gave up waiting for ${what}${reason}${output}`);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
