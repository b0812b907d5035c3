// Runs lite/precompile.py inside Pyodide under Node.js, with the machine's files mounted at /host:
//     node lite/precompile.mjs PYODIDE_FOLDER JOBS_JSON
// PYODIDE_FOLDER holds Pyodide's core (pyodide.mjs and the rest); JOBS_JSON lists [source wheel, out wheel].
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [folder, jobs] = process.argv.slice(2).map((argument) => path.resolve(argument));
const { loadPyodide } = await import(pathToFileURL(path.join(folder, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: folder + path.sep });
pyodide.FS.mkdir("/host");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: "/" }, "/host");
pyodide.runPython(readFileSync(new URL("./precompile.py", import.meta.url), "utf8"));
try {
  pyodide.globals.get("main")(jobs);
} catch (error) {
  console.error(error.message || String(error));  // Python's traceback, without Node's dump of Pyodide's own source line
  process.exit(1);
}
