/**
 * Turns a synthesized state machine's `DefinitionString` into plain ASL. CDK renders it as an
 * `Fn::Join` of text and references (`Ref AWS::Partition`, `Fn::GetAtt [Fn, Arn]`, `Ref Bucket`,
 * `Fn::ImportValue`, `Fn::Select`/`Fn::Split`); AWS resolves them at deploy time, the local
 * executor resolves them here with values the caller supplies for each resource.
 */
export interface ResolveContext {
  partition?: string;
  region?: string;
  account?: string;
  /** A resource's `Ref` value (a bucket's name, a function's name, ...). */
  ref(logicalId: string): string;
  /** A resource's attribute (`Arn` of a function, ...). */
  getAtt(logicalId: string, attribute: string): string;
  /** The value of another stack's named export. */
  importValue?(exportName: string): string;
}

export class UnresolvableError extends Error {
  override readonly name = 'UnresolvableError';
}

const PSEUDO: Record<string, (c: ResolveContext) => string> = {
  'AWS::Partition': (c) => c.partition ?? 'aws',
  'AWS::Region': (c) => c.region ?? 'us-east-1',
  'AWS::AccountId': (c) => c.account ?? '000000000000',
  'AWS::URLSuffix': () => 'amazonaws.com',
  'AWS::StackName': () => 'local',
};

/** Resolves one CloudFormation value (intrinsics included) to a string. */
export function resolveIntrinsic(value: unknown, context: ResolveContext): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UnresolvableError(`cannot resolve ${JSON.stringify(value)} to a string`);
  }
  const entries = Object.entries(value);
  if (entries.length !== 1) throw new UnresolvableError(`not an intrinsic function: ${JSON.stringify(value)}`);
  const [fn, arg] = entries[0]!;
  switch (fn) {
    case 'Ref': {
      const name = String(arg);
      const pseudo = PSEUDO[name];
      return pseudo ? pseudo(context) : context.ref(name);
    }
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
      return context.getAtt(String(logicalId), String(attribute));
    }
    case 'Fn::Join': {
      const [separator, parts] = arg as [string, unknown[]];
      return parts.map((part) => resolveIntrinsic(part, context)).join(separator);
    }
    case 'Fn::ImportValue': {
      if (!context.importValue) throw new UnresolvableError('Fn::ImportValue needs an importValue resolver');
      return context.importValue(resolveIntrinsic(arg, context));
    }
    case 'Fn::Select': {
      const [index, list] = arg as [number | string, unknown];
      const items = resolveList(list, context);
      const item = items[Number(index)];
      if (item === undefined) throw new UnresolvableError(`Fn::Select index ${index} is out of range`);
      return item;
    }
    case 'Fn::Sub': {
      const template = Array.isArray(arg) ? String(arg[0]) : String(arg);
      const variables = Array.isArray(arg) ? ((arg[1] ?? {}) as Record<string, unknown>) : {};
      return template.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        if (name in variables) return resolveIntrinsic(variables[name], context);
        const [logicalId, attribute] = name.split('.');
        if (attribute) return context.getAtt(logicalId!, attribute);
        const pseudo = PSEUDO[name];
        return pseudo ? pseudo(context) : context.ref(name);
      });
    }
    default:
      throw new UnresolvableError(`unsupported intrinsic ${fn}`);
  }
}

function resolveList(value: unknown, context: ResolveContext): string[] {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsic(v, context));
  if (value && typeof value === 'object' && 'Fn::Split' in value) {
    const [separator, source] = (value as { 'Fn::Split': [string, unknown] })['Fn::Split'];
    return resolveIntrinsic(source, context).split(separator);
  }
  throw new UnresolvableError(`not a list: ${JSON.stringify(value)}`);
}

/** The ASL of a synthesized `DefinitionString` (a string, or an intrinsic producing one). */
export function resolveDefinition(definitionString: unknown, context: ResolveContext): AslDefinition {
  const text = resolveIntrinsic(definitionString, context);
  const parsed: unknown = JSON.parse(text);
  if (!parsed || typeof parsed !== 'object' || !('States' in parsed) || !('StartAt' in parsed)) {
    throw new UnresolvableError('the resolved definition is not a state machine (no StartAt/States)');
  }
  return parsed as AslDefinition;
}

/** Just enough of ASL's shape for the local executor to walk and rewrite it. */
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  Comment?: string;
  TimeoutSeconds?: number;
  [field: string]: unknown;
}

export interface AslState {
  Type: string;
  [field: string]: unknown;
}
