/**
 * Where a running `npm start` stack can be found: it writes `.local-data/stack.json` once it is
 * up and removes it when it stops. Command-line tools that work against the running stack
 * (usage:load) read it instead of guessing ports.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
/** LOCAL_STACK_STATE_FILE points the tools at another file (the CLI's own test uses one). */
export const STACK_STATE_FILE = process.env.LOCAL_STACK_STATE_FILE ?? join(root, '.local-data', 'stack.json');

export interface StackState {
  pid: number;
  apiUrl: string;
  tableName: string;
  buckets: { exports: string; usage: string; auditArchive: string };
  endpoints: { dynamodb: string; s3: string };
  startedAt: string;
}

export function writeStackState(stack: Omit<StackState, 'pid' | 'startedAt'>, file = STACK_STATE_FILE): void {
  const state: StackState = {
    pid: process.pid,
    apiUrl: stack.apiUrl,
    tableName: stack.tableName,
    buckets: stack.buckets,
    endpoints: stack.endpoints,
    startedAt: new Date().toISOString(),
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}

/** Removes the file if this process wrote it (a newer stack's file is left alone). */
export function removeStackState(file = STACK_STATE_FILE): void {
  const state = readRaw(file);
  if (state?.pid === process.pid) rmSync(file, { force: true });
}

function readRaw(file: string): StackState | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackState;
  } catch {
    return null;
  }
}

/** Whether process `pid` still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running stack, or null when none wrote the file or its process is gone (killed hard). */
export function readStackState(file = STACK_STATE_FILE): StackState | null {
  const state = readRaw(file);
  return state && Number.isInteger(state.pid) && alive(state.pid) ? state : null;
}
