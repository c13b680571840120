import * as notProven from './not-proven';
import * as s3 from './s3';
import * as s3express from './s3express';

export { s3, s3express, notProven };
export * from './all-rules';
export * from './evaluate-template';
