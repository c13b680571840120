/**
 * The Lambda entry of the key-rotation function (`BatchKeyRotation` deploys it; handler `rotation/handler/lambda.handler`).
 * The S3 and KMS clients and the keyrings are built once per container, at initialisation; each invocation only
 * runs `rotateBatch`. The Lambda Node.js runtime provides AWS SDK for JavaScript v3, so the asset ships only
 * this folder and the crypto module.
 */
/* eslint-disable import/no-extraneous-dependencies -- the Lambda Node.js runtime provides @aws-sdk/* v3 */
import { KMS } from '@aws-sdk/client-kms';
import { S3 } from '@aws-sdk/client-s3';
/* eslint-enable import/no-extraneous-dependencies */
import type { BatchResponse } from './batch-event';
import { rotateBatch } from './rotate-batch';
import { rotationConfigFromEnvironment } from './rotation-config';

const s3 = new S3({});
const config = rotationConfigFromEnvironment(process.env, new KMS({}));

export async function handler(event: unknown): Promise<BatchResponse> {
  return rotateBatch(event, { client: s3, config });
}
