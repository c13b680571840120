export * from './key-audit-queries';
