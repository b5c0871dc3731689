/**
 * The shared transport's memory layout, used by both threads. Each slot's memory is its own
 * SharedArrayBuffer: the batch header (`protocol.ts`) followed by the samples. One more
 * SharedArrayBuffer, the control block, holds 32-bit words both threads change with `Atomics`:
 *
 * - `published`: batches published so far (the page waits on this word);
 * - `waiting`: how the page wants to be woken once it has drained everything (0: it does not
 *   wait; WAKE_BY_NOTIFY; WAKE_BY_MESSAGE), cleared by the worklet when it wakes the page;
 * - `lateReleases`: slots the page gave back after the worklet had reclaimed them;
 * - the ring: for each sequence number (modulo RING_SIZE), the slot its batch was published in;
 * - per slot, its word (the stamp of the batch in it and its state) and the id of its memory.
 *
 * Waking the page loses nothing: the worklet publishes a slot (its word and ring entry), takes
 * the `waiting` flag (exchange with 0), then adds to `published`, then notifies if the flag was
 * set. The page, once it has taken every published batch, reads `published`, sets the flag,
 * looks once more for a published batch (taking it if there is one), and only then waits for
 * `published` to move from what it read. A flag the worklet takes was set after the page's read,
 * so the count moves after that read: the wait sees it moved, or is notified. A batch published
 * before the flag was set is found by the last look. (Adding before taking the flag lost a wake:
 * the flag of a page that had read the new count went to a batch it had already taken.)
 *
 * A slot's word changes only by compare-and-swap from a known stamp and state, so whoever takes
 * or gives back a slot owns exactly the batch it expects: the page takes a published slot
 * (in flight → processing), gives it back (→ available), and the worklet reclaims one held past
 * the timeout (processing → available) or fills an available one (→ in flight).
 *
 * Pure: imported by the worklet, so no DOM and no Lit here.
 */
import { MAX_POOL_SIZE } from './config.js';
import { SLOT_CODES } from './stats.js';

/** Word indexes in the control block. */
export const PUBLISHED = 0;
export const WAITING = 1;
export const LATE_RELEASES = 2;

/** `waiting` values: the page waits with `Atomics.waitAsync` on `published`, or for a `wake` message. */
export const WAKE_BY_NOTIFY = 1;
export const WAKE_BY_MESSAGE = 2;

/**
 * Ring entries. Only in-flight slots have entries the page has yet to read, and at most
 * MAX_POOL_SIZE slots exist, so a ring that size never overwrites an unread entry.
 */
export const RING_SIZE = MAX_POOL_SIZE;
const RING_BASE = 8;
const WORDS_BASE = RING_BASE + RING_SIZE;
const IDS_BASE = WORDS_BASE + MAX_POOL_SIZE;
/** Length of the control block in 32-bit words. */
export const CONTROL_WORDS = IDS_BASE + MAX_POOL_SIZE;

/** Slot states in a slot's word: the numbers of `SLOT_STATES`. */
export const AVAILABLE = SLOT_CODES.available;
export const IN_FLIGHT = SLOT_CODES['in-flight'];
export const PROCESSING = SLOT_CODES.processing;

/** Stamps are sequence numbers modulo 2^29: with the state in the low 2 bits, a word stays a positive int32. */
const STAMP_MODULUS = 2 ** 29;

export function ringIndex(sequence: number): number {
  return RING_BASE + (sequence % RING_SIZE);
}

export function wordIndex(slot: number): number {
  return WORDS_BASE + slot;
}

export function idIndex(slot: number): number {
  return IDS_BASE + slot;
}

/** A slot id as its control word holds it (ids outgrow 32 bits only after 8 million reclaims of one slot). */
export function idWord(id: number): number {
  return id % 2 ** 31;
}

/** The word of a slot holding batch `sequence` in `state`. */
export function slotWord(sequence: number, state: number): number {
  return (sequence % STAMP_MODULUS) * 4 + state;
}
