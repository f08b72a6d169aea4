// Bundles one module of src/ with esbuild, in memory, and imports it, so `node --test` runs the
// SDK's pure modules as they ship: TypeScript, no browser, no build step, no files written.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

/** Imports `src/<entry>` (e.g. "validate.ts"). */
export async function load(entry) {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`../../src/${entry}`, import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2020",
    write: false,
    logLevel: "warning",
    // What build.mjs defines for the bundles; index.ts reads them.
    define: { __CHORUS_VERSION__: JSON.stringify("test"), __CHORUS_UMD__: "false" },
  });
  const code = result.outputFiles[0].text;
  return import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
}
