import { MessageSource } from './message-source.js';

/** The page's end of `allocate`: every buffer is new and the page's to keep; nothing goes back. */
export class AllocateSource extends MessageSource {
  protected settle(): void {}
}
