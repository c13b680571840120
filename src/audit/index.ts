export * from './access-logs-bucket';
export * from './data-events';
export * from './encryption-audit-trail';
export * from './encryption-drift-alerts';
export * from './encryption-inventory-options';
export * from './inventory-bucket';
export * from './metadata-tables-options';
