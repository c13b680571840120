import * as s3 from './s3';

export { s3 };
export * from './all-rules';
export * from './evaluate-template';
