// Runs one Node.js Lambda handler on an event read from stdin and prints
// the handler's result as JSON. Usage: node invoke.js <file> <export>
'use strict';
const path = require('path');
const [file, name] = process.argv.slice(2);
const mod = require(path.resolve(file));
let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', async () => {
  try {
    const out = await mod[name](JSON.parse(input), {});
    process.stdout.write(JSON.stringify(out));
  } catch (e) {
    process.stderr.write(String(e && e.message || e));
    process.exit(3);
  }
});
