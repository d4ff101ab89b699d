// Puts DynamoDB Local (the jar shipped inside the npm package amplify-dynamodb-simulator)
// into a git-ignored cache. Installing that package would pull in a second aws-cdk-lib and
// typescript, so only its tarball is fetched, from the npm registry, and unpacked.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const root = resolve(import.meta.dirname, '..');
const cacheDir = join(root, '.cache');
const emulatorDir = join(cacheDir, 'dynamodb-local');

export function dynamoDbLocalDir() {
  return emulatorDir;
}

if (existsSync(join(emulatorDir, 'DynamoDBLocal.jar'))) process.exit(0);

const workDir = join(cacheDir, 'pack-tmp');
rmSync(workDir, { recursive: true, force: true });
mkdirSync(workDir, { recursive: true });
console.log(`fetching DynamoDB Local from ${PACKAGE} ...`);
const tarball = execFileSync('npm', ['pack', PACKAGE, '--silent', '--pack-destination', workDir], { cwd: workDir, encoding: 'utf8' })
  .trim().split('\n').pop();
execFileSync('tar', ['-xzf', join(workDir, tarball), '-C', workDir, 'package/emulator']);
rmSync(emulatorDir, { recursive: true, force: true });
renameSync(join(workDir, 'package', 'emulator'), emulatorDir);
rmSync(workDir, { recursive: true, force: true });
if (!existsSync(join(emulatorDir, 'DynamoDBLocal.jar'))) {
  console.error(`DynamoDBLocal.jar not found in ${PACKAGE}: found ${readdirSync(emulatorDir).join(', ')}`);
  process.exit(1);
}
console.log(`DynamoDB Local ready in ${emulatorDir}`);
