// The little of Node's API the unit tests use (they run in Node; the window's code must not, so
// Node's full typings are not installed).

declare module "node:fs" {
  export function readFileSync(path: string, encoding: "utf8"): string;
  export function writeFileSync(path: string, data: string): void;
}

interface ImportMeta {
  /** The folder of the test file (Node and Vitest set it). */
  readonly dirname: string;
}
