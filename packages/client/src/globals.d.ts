// Timers exist in every target (Node >= 20, browsers) but lib "ES2022" does
// not declare them; declaring just these keeps DOM and Node types out.
declare function setTimeout(callback: () => void, ms: number): unknown;
declare function clearTimeout(handle: unknown): void;
declare function queueMicrotask(callback: () => void): void;
