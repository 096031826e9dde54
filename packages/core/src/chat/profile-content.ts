/**
 * A profile as envelopes carry it (graph-chat §4.3, profileFields): in a
 * file of its own so that both content codecs (content.ts, device-content.ts)
 * name it without importing each other.
 */
export interface ProfileContent {
  /** 1..100 Unicode code points, no control characters (C0, DEL, C1). */
  readonly displayName: string;
  /** 1..500 bytes of UTF-8, no control characters. */
  readonly fullName?: string;
  /** An image file (JPEG, PNG or WebP; the receiver sniffs the format), 1..12,000 bytes. */
  readonly image?: Uint8Array;
  /** 1..500 bytes of UTF-8, any characters (line breaks allowed). */
  readonly status?: string;
}
