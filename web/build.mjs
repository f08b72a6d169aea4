// Builds dist/: the ES module, the UMD bundle (global VERTC), the RNNoise extension's bundle
// (global RTCRnnoiseExtension) and type declarations.
// Usage: node build.mjs
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
const common = {
  entryPoints: ["src/index.ts"],
  bundle: true,
  target: "es2020",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
};

rmSync("dist", { recursive: true, force: true });
await build({
  ...common,
  format: "esm",
  outfile: "dist/vertc.esm.js",
  define: { __CHORUS_VERSION__: JSON.stringify(version), __CHORUS_UMD__: "false" },
});
await build({
  ...common,
  format: "iife",
  globalName: "VERTC",
  // The IIFE's namespace object holds `default`; expose VERTC itself (with the named enums
  // already on it) and answer CommonJS/AMD loaders too.
  footer: {
    js: 'VERTC=VERTC.default;if(typeof module==="object"&&module.exports)module.exports=VERTC;else if(typeof define==="function"&&define.amd)define([],function(){return VERTC});',
  },
  outfile: "dist/vertc.umd.js",
  define: { __CHORUS_VERSION__: JSON.stringify(version), __CHORUS_UMD__: "true" },
});

// The RNNoise extension, an entry point of its own so that the core bundle does not carry the
// model: its AudioWorklet (RNNoise's WASM inlined) is built first and embedded as text. One
// bundle only, UMD (it also answers CommonJS and AMD loaders): at 1.9 MB a second copy as an
// ES module would double what dist/ carries for little.
const worklet = await build({
  entryPoints: ["src/extension/rnnoise/worklet.js"],
  bundle: true,
  target: "es2020",
  minify: true,
  legalComments: "none",
  format: "iife",
  write: false,
  // RNNoise's loader looks at import.meta.url only to find files; its WASM is inlined.
  logOverride: { "empty-import-meta": "silent" },
  logLevel: "warning",
});
const extension = {
  ...common,
  entryPoints: ["src/extension/rnnoise/index.ts"],
  define: {
    __CHORUS_VERSION__: JSON.stringify(version),
    __RNNOISE_WORKLET__: JSON.stringify(worklet.outputFiles[0].text),
  },
};
await build({
  ...extension,
  format: "iife",
  globalName: "RTCRnnoiseExtension",
  footer: {
    js: 'RTCRnnoiseExtension=RTCRnnoiseExtension.default;if(typeof module==="object"&&module.exports)module.exports=RTCRnnoiseExtension;else if(typeof define==="function"&&define.amd)define([],function(){return RTCRnnoiseExtension});',
  },
  outfile: "dist/extension-rnnoise.umd.js",
});
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "--emitDeclarationOnly", "-p", "."], {
  stdio: "inherit",
});
