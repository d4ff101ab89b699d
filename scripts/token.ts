/**
 * Prints a development JWT for the local stack and nothing else, so it composes in a shell:
 *   TOKEN=$(npm run --silent token -- --sub alice --roles ops,approver)
 *   npm run --silent token -- --sub adv-user --roles advertiser --advertiser ADV123 --expires 1h
 */
import { parseArgs } from 'node:util';
import { ALL_ROLES, Role } from '../shared/schemas/api/routes';
import { mintDevToken } from './lib/dev-auth';

const USAGE = 'usage: npm run --silent token -- --sub ID --roles ROLE[,ROLE...] [--advertiser ADVERTISER_ID] [--expires 8h]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { sub?: string; roles?: string; advertiser?: string; expires?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        sub: { type: 'string' },
        roles: { type: 'string' },
        advertiser: { type: 'string' },
        expires: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\nroles: ${ALL_ROLES.join(', ')}\n`);
    return;
  }
  if (!values.sub) fail('--sub is required');
  const roles = (values.roles ?? '').split(',').map((r) => r.trim()).filter(Boolean);
  if (roles.length === 0) fail('--roles is required');
  const unknown = roles.filter((r) => !(ALL_ROLES as readonly string[]).includes(r));
  if (unknown.length > 0) fail(`unknown role(s): ${unknown.join(', ')} (known: ${ALL_ROLES.join(', ')})`);
  if (roles.includes(Role.ADVERTISER) && !values.advertiser) fail('role "advertiser" needs --advertiser ADVERTISER_ID');

  const token = await mintDevToken({
    sub: values.sub,
    roles,
    ...(values.advertiser ? { advertiserId: values.advertiser } : {}),
    ...(values.expires ? { expiresIn: values.expires } : {}),
  });
  process.stdout.write(`${token}\n`);
}

await main();
