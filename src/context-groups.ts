/**
 * AudioContexts shared by name (`context-group`): analyzers of one group run on one context, so
 * one audio thread, with the worklet module loaded once; the context closes when the last of them
 * lets it go. An analyzer without a group gets a context of its own, closed when it lets it go.
 */

/** A hold on a context: load modules into it, and let it go once. */
export interface ContextLease {
  readonly context: AudioContext;
  /** Analyzers holding this context, this one included. */
  readonly members: number;
  /** `audioWorklet.addModule(url)`, once per context and URL. */
  loadModule(url: string): Promise<void>;
  /** Lets the context go: closes it when no one else holds it. Idempotent. */
  release(): Promise<void>;
}

interface SharedContext {
  context: AudioContext;
  members: number;
  readonly modules: Map<string, Promise<void>>;
}

const groups = new Map<string, SharedContext>();

/**
 * The context of `group` (made by `make` if the group has none open), or a context of its own
 * when `group` is null. Null when `make` was needed and gave none.
 */
export function leaseContext(group: string | null, make: () => AudioContext | null): ContextLease | null {
  let shared = group === null ? undefined : groups.get(group);
  if (shared === undefined || shared.context.state === 'closed') {
    const context = make();
    if (context === null) return null;
    shared = { context, members: 0, modules: new Map() };
    if (group !== null) groups.set(group, shared);
  }
  const held = shared;
  held.members++;
  let released = false;
  return {
    context: held.context,
    get members() {
      return held.members;
    },
    loadModule(url) {
      let loading = held.modules.get(url);
      if (loading === undefined) {
        loading = held.context.audioWorklet.addModule(url);
        held.modules.set(url, loading);
        // A failed load may succeed later (the file fixed, the network back): do not keep the failure.
        loading.catch(() => held.modules.delete(url));
      }
      return loading;
    },
    async release() {
      if (released) return;
      released = true;
      held.members--;
      if (held.members > 0) return;
      if (group !== null && groups.get(group) === held) groups.delete(group);
      if (held.context.state !== 'closed') await held.context.close();
    },
  };
}
