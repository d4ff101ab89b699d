import { describe, expect, it } from 'vitest';
import { resolveDefinition, resolveIntrinsic, UnresolvableError, type ResolveContext } from '../../../scripts/lib/asl-resolver';
import {
  exceedsTolerance,
  inlineMapOf,
  isFailedItem,
  itemReaderLocation,
  LOCAL_ITEM_FAILED_STATE,
  LOCAL_ITEMS_FIELD,
  readPath,
  stateNames,
  translateDistributedMaps,
} from '../../../scripts/lib/local-workflow';

const context: ResolveContext = {
  region: 'eu-west-1',
  account: '111122223333',
  ref: (id) => `ref-of-${id}`,
  getAtt: (id, attribute) => `${attribute}-of-${id}`,
  importValue: (name) => (name === 'Stage-ExportsBucketName' ? 'local-exports' : `import-${name}`),
};

describe('resolving a synthesized DefinitionString', () => {
  it('joins text with pseudo parameters, attributes, refs and imports', () => {
    const definitionString = {
      'Fn::Join': [
        '',
        [
          '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:',
          { Ref: 'AWS::Partition' },
          ':states:::lambda:invoke","Parameters":{"FunctionName":"',
          { 'Fn::GetAtt': ['PlanFunctionB5D0', 'Arn'] },
          '","Bucket":"',
          { 'Fn::ImportValue': 'Stage-ExportsBucketName' },
          '","Table":"',
          { Ref: 'Table' },
          '","Region":"',
          { Ref: 'AWS::Region' },
          '"},"End":true}}}',
        ],
      ],
    };
    expect(resolveDefinition(definitionString, context)).toEqual({
      StartAt: 'A',
      States: {
        A: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'Arn-of-PlanFunctionB5D0', Bucket: 'local-exports', Table: 'ref-of-Table', Region: 'eu-west-1' },
          End: true,
        },
      },
    });
  });

  it('resolves Fn::Select over Fn::Split and Fn::Sub, and plain strings as they are', () => {
    expect(resolveIntrinsic({ 'Fn::Select': [6, { 'Fn::Split': [':', 'arn:aws:states:r:a:stateMachine:Billing'] }] }, context)).toBe('Billing');
    expect(resolveIntrinsic({ 'Fn::Sub': ['${AWS::AccountId}/${X}/${Fn.Arn}', { X: 'x' }] }, context)).toBe('111122223333/x/Arn-of-Fn');
    expect(resolveDefinition('{"StartAt":"S","States":{"S":{"Type":"Succeed"}}}', context).StartAt).toBe('S');
  });

  it('refuses what it cannot resolve instead of guessing', () => {
    expect(() => resolveIntrinsic({ 'Fn::If': ['c', 'a', 'b'] }, context)).toThrow(UnresolvableError);
    expect(() => resolveIntrinsic({ Ref: 'X', Other: 1 }, context)).toThrow(UnresolvableError);
    expect(() => resolveDefinition('{"Comment":"no states"}', context)).toThrow(UnresolvableError);
    expect(() => resolveIntrinsic({ 'Fn::ImportValue': 'x' }, { ref: String, getAtt: String })).toThrow(/importValue/);
  });
});

describe('translating the Distributed Map for local execution', () => {
  const processor = { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'Item', States: { Item: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true } } };
  const asl = {
    StartAt: 'Plan',
    TimeoutSeconds: 600,
    States: {
      Plan: { Type: 'Pass', Next: 'Each' },
      Each: {
        Type: 'Map',
        ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'b', 'Key.$': '$.plan.planKey' } },
        ItemSelector: { 'runId.$': '$.runId', 'contractId.$': '$$.Map.Item.Value.contractId' },
        ItemProcessor: processor,
        MaxConcurrency: 7,
        ToleratedFailurePercentage: 0,
        ResultPath: null,
        Retry: [{ ErrorEquals: ['States.ALL'] }],
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }],
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
      Failed: { Type: 'Fail' },
    },
  };

  it('replaces only the Distributed Map, by a Task of the same name keeping its transitions, Retry and Catch', () => {
    const { asl: out, distributedMaps } = translateDistributedMaps(asl);
    expect(Object.keys(distributedMaps)).toEqual(['Each']);
    expect(out.States.Each).toEqual({
      Type: 'Task',
      Resource: expect.stringContaining('local-distributed-map-Each'),
      TimeoutSeconds: 600,
      ResultPath: null,
      Retry: [{ ErrorEquals: ['States.ALL'] }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }],
      Next: 'Done',
    });
    for (const name of ['Plan', 'Done', 'Failed']) expect(out.States[name]).toEqual(asl.States[name as keyof typeof asl.States]);
    expect(asl.States.Each.Type).toBe('Map');
  });

  it('runs the same ItemProcessor inline with the same ItemSelector and MaxConcurrency', () => {
    const inline = inlineMapOf('Each', asl.States.Each);
    expect(inline).toEqual({
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: `$.${LOCAL_ITEMS_FIELD}`,
          ItemProcessor: { StartAt: 'Item', States: processor.States },
          ItemSelector: asl.States.Each.ItemSelector,
          MaxConcurrency: 7,
          End: true,
        },
      },
    });
    expect(stateNames(asl)).toEqual(['Plan', 'Each', 'Item', 'Done', 'Failed']);
  });

  it("reads the ItemReader's bucket and key from the state input", () => {
    expect(itemReaderLocation(asl.States.Each, { plan: { planKey: 'plans/r1.json' } })).toEqual({ bucket: 'b', key: 'plans/r1.json', maxItems: undefined });
    expect(readPath({ a: { b: 1 } }, '$.a.b')).toBe(1);
    expect(() => readPath({}, '$..a')).toThrow(/unsupported/);
    expect(() => translateDistributedMaps({ ...asl, States: { ...asl.States, Each: { ...asl.States.Each, ItemBatcher: { MaxItemsPerBatch: 5 } } } })).toThrow(/ItemBatcher/);
  });
});

describe('tolerated failures of a translated Distributed Map', () => {
  const tolerant = (fields: Record<string, number>) => ({
    Type: 'Map',
    ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' }, StartAt: 'Item', States: { Item: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { 'FunctionName': 'f', 'Payload.$': '$' }, End: true } } },
    ...fields,
  });

  it('decides as AWS does: above the percentage, above the count, any failure without either', () => {
    expect(exceedsTolerance(tolerant({ ToleratedFailurePercentage: 100 }), 50, 50)).toBe(false);
    expect(exceedsTolerance(tolerant({ ToleratedFailurePercentage: 4 }), 50, 2)).toBe(false);
    expect(exceedsTolerance(tolerant({ ToleratedFailurePercentage: 4 }), 50, 3)).toBe(true);
    expect(exceedsTolerance(tolerant({ ToleratedFailureCount: 2 }), 50, 2)).toBe(false);
    expect(exceedsTolerance(tolerant({ ToleratedFailureCount: 2 }), 50, 3)).toBe(true);
    expect(exceedsTolerance(tolerant({ ToleratedFailurePercentage: 50, ToleratedFailureCount: 1 }), 10, 2)).toBe(true);
    expect(exceedsTolerance(tolerant({}), 50, 1)).toBe(true);
    expect(exceedsTolerance(tolerant({}), 50, 0)).toBe(false);
    expect(() => translateDistributedMaps({ StartAt: 'M', States: { M: { ...tolerant({}), ToleratedFailureCountPath: '$.n', End: true } } })).toThrow(/tolerated-failure paths/);
  });

  it('catches each failed item into a marker only when failures are tolerated, and the inline Map then runs every item', async () => {
    expect(inlineMapOf('M', tolerant({})).States.M!.ItemProcessor).not.toHaveProperty(`States.${LOCAL_ITEM_FAILED_STATE}`);
    const inline = inlineMapOf('M', tolerant({ ToleratedFailurePercentage: 100 }));
    const processor = inline.States.M!.ItemProcessor as { States: Record<string, Record<string, unknown>> };
    expect(processor.States.Item!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: LOCAL_ITEM_FAILED_STATE }]);

    const { StateMachine } = await import('aws-local-stepfunctions');
    const machine = new StateMachine(inline as never, { validationOptions: { noValidate: true } });
    const handler = async ({ Payload }: { Payload: { n: number } }) => {
      if (Payload.n % 2 === 0) throw Object.assign(new Error(`item ${Payload.n} refused`), { name: 'ValidationError' });
      return { Payload: { ok: Payload.n } };
    };
    const outputs = (await machine.run({ [LOCAL_ITEMS_FIELD]: [1, 2, 3, 4].map((n) => ({ n })) } as never, { overrides: { taskResourceLocalHandlers: { Item: handler as never } } }).result) as unknown[];
    expect(outputs.filter((o) => !isFailedItem(o))).toEqual([{ Payload: { ok: 1 } }, { Payload: { ok: 3 } }]);
    expect(outputs.filter(isFailedItem)).toEqual([
      expect.objectContaining({ Error: 'ValidationError', Cause: expect.stringContaining('item 2 refused') }),
      expect.objectContaining({ Error: 'ValidationError', Cause: expect.stringContaining('item 4 refused') }),
    ]);
  });
});
