import highsImport from 'highs';
import type { Highs } from 'highs';

/** The WASM solver is loaded once per process; loading costs ~30 ms and it keeps no state between models. */
let loading: Promise<Highs> | undefined;

export function loadHighs(): Promise<Highs> {
  const loader = highsImport as unknown as typeof highsImport.default;
  loading ??= loader();
  return loading;
}
