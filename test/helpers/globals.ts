/** Pass as the value to `replaceProperty` to make the property absent. */
export const ABSENT = Symbol('absent');

/**
 * Replaces `owner[key]` with `value` (or deletes it, given ABSENT), as a browser without the
 * feature or with a stubbed one would have it, until the returned function puts back exactly
 * what was there: the same descriptor, or no own property at all.
 */
export function replaceProperty(owner: object, key: PropertyKey, value: unknown): () => void {
  const original = Object.getOwnPropertyDescriptor(owner, key);
  if (value === ABSENT) Reflect.deleteProperty(owner, key);
  else Object.defineProperty(owner, key, { value, configurable: true, writable: true, enumerable: original?.enumerable ?? true });
  return () => {
    if (original) Object.defineProperty(owner, key, original);
    else Reflect.deleteProperty(owner, key);
  };
}
