/**
 * The built-in providers, by OS name. Only the entry points (src/bin/) import this list and hand it
 * to the dispatcher (a BuiltinProviders record, src/dispatch/registry.ts); each module is loaded on
 * first use, so a script loads only its own provider. A new built-in provider is one line here.
 */
export const builtinProviders = {
  noop: () => import('./noop/index.js'),
  debootstrap: () => import('./debootstrap/index.js'),
  image: () => import('./image/index.js'),
  guix: () => import('./guix/index.js'),
};
