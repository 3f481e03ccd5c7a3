// The stack of infra/app.ts, synthesized once per test file without bundling
// (the functions' code is not what these tests look at).
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app.js';

export function synthApp(context: Record<string, unknown> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], registryUrl: 'https://default-route-openshift-image-registry.apps.example.com', ...context } });
  const built = buildApp(app);
  return { ...built, template: Template.fromStack(built.stack) };
}
