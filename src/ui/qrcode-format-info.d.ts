/** The qrcode package's format information encoder (CommonJS, no types of its own). */
declare module 'qrcode/lib/core/format-info.js' {
  import type { ErrorCorrectionLevel } from 'qrcode';
  /** The 15 format bits for the level and mask, BCH-coded and XOR-ed with 101010000010010 (ISO/IEC 18004 §7.9.1). */
  export function getEncodedBits(errorCorrectionLevel: ErrorCorrectionLevel, mask: number): number;
}
