export * from './encryption-mode';
export * from './secure-bucket';
