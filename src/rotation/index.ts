export * from './batch-key-rotation';
