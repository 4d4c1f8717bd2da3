'use strict';

// Shared by the scripts of this folder: argument parsing, the ali-ons client
// options, and JSON-line output. Every line the scripts print on stdout is one
// JSON object; diagnostics go to stderr.

function args(names) {
  const out = {};
  const argv = process.argv.slice(2);
  names.forEach((name, i) => {
    if (argv[i] === undefined) {
      console.error(`usage: node ${process.argv[1]} ${names.join(' ')}`);
      process.exit(2);
    }
    out[name] = argv[i];
  });
  return out;
}

// ali-ons needs an HTTP client only to look up name servers from onsAddr; with
// nameSrv given it never calls it.
const noHttp = {
  request() {
    throw new Error('no HTTP lookups in tests: nameSrv is set');
  },
};

function clientOptions(namesrv, extra) {
  return Object.assign({
    httpclient: noHttp,
    nameSrv: namesrv,
    pollNameServerInteval: 1000,
    heartbeatBrokerInterval: 1000,
    rebalanceInterval: 1000,
  }, extra);
}

// ali-ons logs warnings and errors with console.warn/error (stderr); info and
// debug are dropped. Tests read stderr only when something failed.
const stderrLogger = {
  info() {},
  debug() {},
  warn(...a) {
    console.error('[warn]', ...a);
  },
  error(...a) {
    console.error('[error]', ...a);
  },
};

// One JSON object per stdout line. stdout is a file when a test runs the
// script, and writes to files are synchronous in Node, so nothing printed is
// lost by process.exit().
function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

// The JSON object given as the single argument (or read from the file named
// by "@<path>").
function jsonArg() {
  const a = process.argv[2];
  if (!a) {
    console.error(`usage: node ${process.argv[1]} '<json options>' | @<file>`);
    process.exit(2);
  }
  const text = a.startsWith('@') ? require('fs').readFileSync(a.slice(1), 'utf8') : a;
  return JSON.parse(text);
}

module.exports = { args, clientOptions, stderrLogger, emit, jsonArg };
