export * from './errors';
export * from './encryption-modes/encryption-mode-kind';
export * from './audit';
export * from './secure-bucket';
export * from './nag';
export * from './metadata-audit';
export * from './rotation';
