/**
 * Layering and route declarations. `shared/` is the domain, its adapters and the API schemas:
 * it must not depend on the Lambda entry points (`functions/`), the infrastructure, the scripts
 * or the tests, or the domain could not be reused or tested without them. Routes are declared
 * once (shared/schemas/api); the route table, each group's dispatch and OpenAPI come from there.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_OPERATIONS, mergeDeclarations } from '../../../shared/schemas/api/index';
import { FunctionGroup, ROUTES, declarationOf, routeKey, routesOf } from '../../../shared/schemas/api/routes';
import { operation } from '../../../shared/schemas/api/operation';
import { defineGroup, route } from '../../../functions/http/group';

const ROOT = resolve(__dirname, '../../..');
const FORBIDDEN_FROM_SHARED = ['functions', 'infra', 'scripts', 'test', 'bench'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|cts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Every module specifier of a file: static imports and re-exports, dynamic import(), require(). */
export function specifiersOf(source: string): string[] {
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((m) => m[1]!));
}

/** The top-level folder of the repository a relative specifier resolves into, or null. */
function topFolderOf(file: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const target = relative(ROOT, resolve(dirname(file), specifier));
  return target.split(/[\\/]/)[0] ?? null;
}

describe('layering', () => {
  it('nothing in shared/ imports functions/, infra/, scripts/, test/ or bench/', () => {
    const offences = sourceFiles(join(ROOT, 'shared')).flatMap((file) =>
      specifiersOf(readFileSync(file, 'utf8'))
        .filter((specifier) => FORBIDDEN_FROM_SHARED.includes(topFolderOf(file, specifier) ?? ''))
        .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`),
    );
    expect(offences).toEqual([]);
  });

  it('sees every form of import, so the check above can fail', () => {
    const file = join(ROOT, 'shared/schemas/openapi.ts');
    const source = [
      "import { ROUTES } from '../../functions/http/routes';",
      "import type { Config } from '../../functions/runtime/config';",
      "export * from '../../functions/http/routes';",
      "import '../../functions/http/logger';",
      "const m = await import('../../functions/http/group');",
      "import { z } from 'zod';",
      "import { Id } from './terms';",
    ].join('\n');
    const folders = specifiersOf(source).map((s) => topFolderOf(file, s) ?? 'package');
    expect(folders.sort()).toEqual(['functions', 'functions', 'functions', 'functions', 'functions', 'package', 'shared']);
  });
});

describe('route declarations', () => {
  it('derive a route table with one entry per declaration, each key "METHOD /path"', () => {
    const keys = Object.keys(ALL_OPERATIONS);
    expect(ROUTES.map(routeKey)).toEqual(keys);
    expect(new Set(keys).size).toBe(keys.length);
    for (const route of ROUTES) {
      expect(route.path, routeKey(route)).toMatch(/^\/v1\/[\w./{}-]*$/);
      expect(Object.values(FunctionGroup), routeKey(route)).toContain(route.group);
      expect(route.summary.length, routeKey(route)).toBeGreaterThan(0);
    }
  });

  it('refuse a route declared in two modules', () => {
    const declaration = operation({ group: FunctionGroup.PUBLIC, roles: null, summary: 'x', responses: { 200: null } });
    expect(() => mergeDeclarations({ 'GET /v1/x': declaration }, { 'GET /v1/x': declaration })).toThrow(/declared twice/);
  });

  it('every group handler serves exactly the routes declared for its group, each bound to its own declaration', async () => {
    for (const group of Object.values(FunctionGroup)) {
      const { handler } = (await import(`../../../functions/${group}/handler.ts`)) as { handler: { served: Record<string, unknown> } };
      const declared = routesOf(group).map(routeKey);
      expect(Object.keys(handler.served).sort(), group).toEqual([...declared].sort());
      for (const key of declared) expect(handler.served[key] === declarationOf(key), `${group}: ${key} bound to its own declaration`).toBe(true);
    }
  });

  it('a group refuses at load a handler bound to another group\'s declaration', () => {
    const elsewhere = operation({ group: FunctionGroup.PUBLIC, roles: null, summary: 'x', responses: { 200: null } });
    expect(() => defineGroup(FunctionGroup.INVOICES, { 'GET /v1/x': route(elsewhere, async () => ({ status: 200 })) }, { idempotencyStore: null })).toThrow(
      /GET \/v1\/x is declared for group public/,
    );
  });

  it('no Lambda module imports the whole route table statically (it would build every group\'s schemas at init)', () => {
    const whole = ['shared/schemas/api/routes', 'shared/schemas/api/index', 'shared/schemas/api', 'shared/schemas/openapi'];
    const staticImports = (source: string) =>
      [...source.matchAll(/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g), ...source.matchAll(/\bimport\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
    const offences = sourceFiles(join(ROOT, 'functions')).flatMap((file) =>
      staticImports(readFileSync(file, 'utf8'))
        .filter((specifier) => specifier.startsWith('.') && whole.includes(relative(ROOT, resolve(dirname(file), specifier)).replace(/\.ts$/, '')))
        .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`),
    );
    expect(offences).toEqual([]);
  });
});
