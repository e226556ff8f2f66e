/**
 * Options merged over defaults, ignoring options that are `undefined` (an
 * absent CLI flag arrives as undefined and must not erase the default).
 */
export function withDefaults<D extends object, O extends object>(defaults: D, options: O): D & O {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...defaults, ...given } as D & O;
}
