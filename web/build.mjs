// Builds dist/: the ES module, the UMD bundle (global VERTC) and type declarations.
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
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "--emitDeclarationOnly", "-p", "."], {
  stdio: "inherit",
});
