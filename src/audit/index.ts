export * from './access-logs-bucket';
export * from './data-events';
export * from './encryption-audit-trail';
