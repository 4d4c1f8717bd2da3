'use strict';

// Shared by produce.js and consume.js: argument parsing and the ali-ons client options.
// Every line the scripts print on stdout is one JSON object; diagnostics go to stderr.

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

module.exports = { args, clientOptions };
