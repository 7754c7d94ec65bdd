// `pnpm build [step…] [--force] [--quiet]`: builds what `pnpm start` runs with plain node, each
// step only when its inputs changed since its last build (a hash of them is kept in its output),
// so a start after nothing changed spends about 0.2 s on it. Steps: db (the Prisma clients, then
// @fim/db as one JavaScript module), server (bundled with its dependencies; needs db), web (the
// portal). No step named: all three. Plain JavaScript, so it runs before anything is built.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const STAMP = ".build-inputs";
// Every step also depends on these: the compiler settings, every dependency's version, and how
// this script builds.
const shared = ["pnpm-lock.yaml", "tsconfig.base.json", "scripts/build.mjs"];

// TypeScript to JavaScript by esbuild: types are dropped, not checked (`pnpm typecheck` checks).
const esbuild = { absWorkingDir: root, bundle: true, platform: "node", format: "esm", target: "node20" };

// inputs: files and folders, minus `skip` (paths) and `skipFiles` (a pattern); outputs: what must
// exist for the step to count as built (the first one is removed before a build, and keeps the stamp).
const steps = {
  db: {
    inputs: [
      "prisma/package.json",
      "prisma/prisma.config.ts",
      "prisma/schema.prisma",
      "prisma/postgresql",
      "prisma/scripts",
      "prisma/src",
    ],
    skip: ["prisma/src/generated", "prisma/postgresql/migrations"],
    outputs: ["prisma/dist", "prisma/src/generated/sqlite/client.ts", "prisma/src/generated/postgresql/client.ts"],
    run: [
      ["pnpm", "--filter", "@fim/db", "generate"],
      // Its own modules and the generated clients in one file, at the same depth as src/index.ts
      // (it finds migrations/ from there); its dependencies stay packages, but for two pieces of
      // Prisma's runtime (see prismaRuntime below).
      () =>
        build({
          ...esbuild,
          entryPoints: ["prisma/src/index.ts"],
          outfile: "prisma/dist/index.js",
          plugins: [prismaRuntime("prisma/dist")],
        }),
    ],
  },
  server: {
    needs: ["db"],
    inputs: ["server/package.json", "server/src"],
    skip: [],
    skipFiles: /\.test\.ts$/,
    outputs: ["server/dist"],
    run: [
      // With its dependencies: a few files to load instead of hundreds of modules, which took over
      // a third of the CPU time of a start.
      // All files at the top of dist/: searchPool loads ./searchWorker.js beside its own code, and
      // config.ts finds the portal at ../../web/dist. @fim/db stays a package (its build above),
      // and so does the argon2 binding (a native module).
      () =>
        build({
          ...esbuild,
          entryPoints: {
            main: "server/src/main.ts",
            cli: "server/src/cli.ts",
            searchWorker: "server/src/lib/searchWorker.ts",
          },
          outdir: "server/dist",
          splitting: true,
          external: ["@fim/db", "@node-rs/argon2"],
          plugins: [englishZod()],
          // The CommonJS dependencies (express, …) call require(); an ES module has to make one.
          banner: {
            js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
          },
        }),
    ],
  },
  web: {
    inputs: ["web"],
    skip: ["web/node_modules", "web/dist"],
    outputs: ["web/dist"],
    run: [["pnpm", "--filter", "@fim/web", "build"]],
  },
};

/**
 * How @fim/db's build takes Prisma's client runtime, for a faster start; every other package stays
 * a package. The runtime itself is bundled in, from its ES module build: as a package, Node picks
 * its 230 KB CommonJS build (the package's "node" condition), and loading CommonJS from an ES
 * module (a lexer pass for its export names, a check of its format) took two thirds of importing
 * @fim/db (about 140 of 210 ms of CPU here). And the query compiler (WebAssembly), which Prisma
 * ships as base64 inside a 2.5 MB JavaScript module, is written beside the build as the binary it
 * encodes, and read as bytes: neither parsed as JavaScript nor decoded from base64 at every start
 * (reading 1.9 MB of bytes took 13 ms here, reading and decoding 2.5 MB of base64 24 ms). The
 * generated client passes what it reads to `Buffer.from(wasm, "base64")`, which copies a Buffer
 * as it is.
 */
function prismaRuntime(outdir) {
  const requireFromDb = createRequire(path.join(root, "prisma", "package.json"));
  const runtime = requireFromDb.resolve("@prisma/client/runtime/client").replace(/\.js$/, ".mjs");
  if (!existsSync(runtime)) fail(`db: no ES module build of Prisma's runtime at ${runtime}`);
  return {
    name: "prisma-runtime",
    setup(plugin) {
      plugin.onResolve({ filter: /^@prisma\/client\/runtime\/client$/ }, () => ({ path: runtime }));
      plugin.onResolve({ filter: /^@prisma\/client\/runtime\/query_compiler_bg\.\w+\.wasm-base64\.mjs$/ }, (args) => ({
        path: args.path,
        namespace: "wasm-base64",
      }));
      plugin.onLoad({ filter: /.*/, namespace: "wasm-base64" }, (args) => {
        // What Prisma's own generator reads: the CommonJS twin's `wasm` export.
        const { wasm } = requireFromDb(args.path.replace(/\.mjs$/, ".js"));
        if (typeof wasm !== "string") fail(`db: ${args.path} exports no base64 \`wasm\``);
        const file = `${path.basename(args.path, ".wasm-base64.mjs")}.wasm`;
        mkdirSync(path.join(root, outdir), { recursive: true });
        writeFileSync(path.join(root, outdir, file), Buffer.from(wasm, "base64"));
        const url = JSON.stringify(`./${file}`);
        return {
          contents: `import { readFileSync } from "node:fs";\nexport const wasm = readFileSync(new URL(${url}, import.meta.url));\n`,
          loader: "js",
        };
      });
      plugin.onResolve({ filter: /^[^./]/ }, (args) => ({ path: args.path, external: true }));
    },
  };
}

/**
 * zod with its English messages only. Its `locales` namespace re-exports the messages of some
 * forty languages (370 KB of the bundle), which every start would read and compile; the server
 * answers in English and never picks another locale (`z.locales.en` stays, and zod uses it by
 * default).
 */
function englishZod() {
  return {
    name: "english-zod",
    setup(plugin) {
      plugin.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
        if (!/[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir)) return undefined;
        return { path: path.join(args.resolveDir, "..", "locales", "en-only.js"), namespace: "english-zod" };
      });
      plugin.onLoad({ filter: /.*/, namespace: "english-zod" }, (args) => ({
        contents: `export { default as en } from ${JSON.stringify(path.join(path.dirname(args.path), "en.js"))};\n`,
        loader: "js",
        resolveDir: path.dirname(args.path),
      }));
    },
  };
}

const args = process.argv.slice(2);
const force = args.includes("--force");
const quiet = args.includes("--quiet");
const named = args.filter((arg) => !arg.startsWith("--"));
for (const name of named) {
  if (!(name in steps)) fail(`unknown step "${name}" (${Object.keys(steps).join(", ")})`);
}

const order = [];
const visit = (name) => {
  if (order.includes(name)) return;
  for (const need of steps[name].needs ?? []) visit(need);
  order.push(name);
};
for (const name of named.length > 0 ? named : Object.keys(steps)) visit(name);

const fresh = [];
for (const name of order) {
  const step = steps[name];
  const stamp = path.join(root, step.outputs[0], STAMP);
  const built = step.outputs.every((output) => existsSync(path.join(root, output)));
  if (!force && built && existsSync(stamp) && readFileSync(stamp, "utf8") === hashInputs(step)) {
    fresh.push(name);
    continue;
  }
  process.stderr.write(`build: ${name}\n`);
  // Output of a previous build goes first: a deleted source file leaves no stale module behind.
  rmSync(path.join(root, step.outputs[0]), { recursive: true, force: true });
  for (const task of step.run) {
    if (typeof task === "function") {
      await task().catch(() => fail(`${name}: esbuild failed (above)`));
      continue;
    }
    // Everything on stderr: `pnpm cli user:list` builds first, and its stdout is the list.
    const [command, ...commandArgs] = task;
    const result = spawnSync(command, commandArgs, { cwd: root, stdio: ["ignore", 2, 2] });
    if (result.status !== 0) fail(`${name}: \`${task.join(" ")}\` failed`);
  }
  // Hashed after the build: generating the Prisma clients rewrites postgresql/schema.prisma.
  writeFileSync(stamp, hashInputs(step));
}
if (!quiet && fresh.length > 0) process.stderr.write(`build: ${fresh.join(", ")} up to date\n`);

function hashInputs(step) {
  const files = [...shared, ...step.inputs].flatMap((input) => walk(path.join(root, input), step));
  const hash = createHash("sha256");
  for (const file of files.sort()) {
    hash.update(`${path.relative(root, file)}\0`);
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}

function walk(entry, step) {
  if (step.skip.some((skipped) => entry === path.join(root, skipped)) || !existsSync(entry)) return [];
  if (statSync(entry).isDirectory()) return readdirSync(entry).flatMap((name) => walk(path.join(entry, name), step));
  return step.skipFiles?.test(entry) ? [] : [entry];
}

function fail(message) {
  process.stderr.write(`build: ${message}\n`);
  process.exit(1);
}
