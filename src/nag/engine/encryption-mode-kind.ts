// Moved to src/encryption-modes/encryption-mode-kind.ts; this re-export goes once the
// engine's imports point there.
export { EncryptionModeKind } from '../../encryption-modes/encryption-mode-kind';
