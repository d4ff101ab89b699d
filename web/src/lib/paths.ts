/** Reading and immutably writing nested form values by the API's field paths (`terms.charges.0.id`). */
export function getPath(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node === null || node === undefined ? undefined : (node as Record<string, unknown>)[key]), value);
}

export function setPath<T>(value: T, path: string, next: unknown): T {
  const [head, ...rest] = path.split('.');
  const key = head!;
  const container = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string, unknown>;
  container[key] = rest.length === 0 ? next : setPath(container[key] ?? (/^\d+$/.test(rest[0]!) ? [] : {}), rest.join('.'), next);
  return container as T;
}
