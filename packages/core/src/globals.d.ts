// The few runtime globals core relies on that every target (Node >= 20,
// browsers) provides but lib "ES2022" does not declare. Declaring them here,
// instead of loading DOM or Node types, keeps other platform APIs out of core.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}
// Timers, for the relay client's time-outs (emp/client.ts).
declare function setTimeout(callback: () => void, ms: number): unknown;
declare function clearTimeout(handle: unknown): void;
