/**
 * The web console's hosting (infra/constructs/web-console.ts) in a stack of its own: static
 * files and a CDN that can be redeployed with every console build without touching the API.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { Construct } from 'constructs';
import { type ConsoleSignIn, WebConsole, type WebConsoleProps } from '../constructs/web-console';

export interface ConsoleStackProps extends StackProps {
  httpApi: apigwv2.IHttpApi;
  signIn: ConsoleSignIn;
  assets: WebConsoleProps['assets'];
}

export class ConsoleStack extends Stack {
  readonly webConsole: WebConsole;

  constructor(scope: Construct, id: string, props: ConsoleStackProps) {
    super(scope, id, props);
    this.webConsole = new WebConsole(this, 'WebConsole', { httpApi: props.httpApi, signIn: props.signIn, assets: props.assets });
    new CfnOutput(this, 'ConsoleUrl', { value: `https://${this.webConsole.distribution.distributionDomainName}/`, description: 'The web console (and the API under /v1/)' });
  }
}
