// `cdk-secure-bucket audit-inventory`: an object-level encryption audit from S3 Inventory.
export { auditInventoryCommand, AUDIT_USAGE, CommandIo } from './command';
export { audit, AuditOptions } from './audit';
export { Expectation } from './object-judge';
export { parseManifest, InventoryManifest, InventoryFile } from './manifest';
export { CsvRowReader } from './csv';
export { remedy, BatchOperation, ExpectedMode, EncryptionStatus } from './remediation';
export { createJobRequest, JobParameters } from './create-job';
